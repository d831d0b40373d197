import fs from 'node:fs'
import path from 'node:path'
import { generateFleet } from '../../support/fleet.js'
import { validateRepository, type ValidationReport } from '../../src/validate/validator.js'
import { parseDocuments } from '../../src/yaml/documents.js'
import { fixturesDir, haveFixtures } from './schema/fixtures.js'

/**
 * A generated home-lab fleet with no Flux CRDs in it, validated against the CRDs `flux install --export` prints
 * (the real output of flux 2.7.5, kept in the fixtures): healthy, it has no error; each fault put into it is found
 * at its line.
 */

const describeIf = haveFixtures ? describe : describe.skip
if (!haveFixtures) console.log(`fleet validation tests skipped: ${fixturesDir} is absent`)

const fluxCrds = (version: string) =>
  parseDocuments(
    fs.readFileSync(path.join(fixturesDir, 'flux', version, 'default', 'gotk-components.yaml'), 'utf8'),
    'flux install'
  )
    .map(d => d.value as Record<string, unknown>)
    .filter(v => v?.kind === 'CustomResourceDefinition')

const validate = (files: Map<string, string>, version = 'v2.7.5'): ValidationReport =>
  validateRepository({
    files: [...files].map(([p, content]) => ({ path: p, content })),
    crdSources: [{ name: `flux install --export (flux ${version})`, crds: fluxCrds(version) }]
  })

const errors = (r: ValidationReport) => r.findings.filter(f => f.severity === 'error')
const show = (r: ValidationReport) => r.findings.map(f => `${f.severity} ${f.rule} ${f.file}:${f.line} ${f.message}`)

describeIf('validating a generated home-lab fleet', () => {
  it('a healthy fleet has no error, and its Flux objects are checked against the installed CRDs', () => {
    const r = validate(generateFleet())
    expect(show(r).filter(l => l.startsWith('error'))).toEqual([])
    expect(r.skipped.filter(s => s.apiVersion.includes('fluxcd'))).toEqual([])
    console.log(show(r).join('\n'))
  })
})
