import fs from 'node:fs'
import path from 'node:path'
import { calicoCrdSources, repositoryCalicoVersion } from '../../src/validate/calico-crds.js'
import { validateRepository } from '../../src/validate/validator.js'
import type { CalicoManifestSource } from '../../src/calico/download.js'
import { fixturesDir, haveFixtures } from './schema/fixtures.js'

/**
 * crd.projectcalico.org objects in a repository without Calico's CRDs (Calico from the operator chart) are checked
 * against the CRDs of upstream calico.yaml at the Calico version in play (the real manifests, from the fixtures).
 */

const describeIf = haveFixtures ? describe : describe.skip
if (!haveFixtures) console.log(`Calico CRD tests skipped: ${fixturesDir} is absent`)

const manifest = (version: string): CalicoManifestSource => ({
  manifest: 'calico.yaml',
  version,
  url: `https://example.test/projectcalico/calico/raw/${version}/manifests/calico.yaml`,
  text: fs.readFileSync(path.join(fixturesDir, 'calico', version, 'calico.yaml'), 'utf8'),
  sha256: ''
})

const ippool = (blockSize: string) => ({
  path: 'infrastructure/calico/ippool.yaml',
  content: [
    'apiVersion: crd.projectcalico.org/v1',
    'kind: IPPool',
    'metadata:',
    '  name: default-ipv4',
    'spec:',
    '  cidr: 10.244.0.0/16',
    `  blockSize: ${blockSize}`,
    '  ipipMode: Never',
    '  natOutgoing: true',
    ''
  ].join('\n')
})

const operatorRelease = {
  path: 'infrastructure/calico/helmrelease.yaml',
  content: [
    'apiVersion: helm.toolkit.fluxcd.io/v2',
    'kind: HelmRelease',
    'metadata:',
    '  name: tigera-operator',
    'spec:',
    '  interval: 1h',
    '  chart:',
    '    spec:',
    '      chart: tigera-operator',
    '      version: v3.26.4',
    '      sourceRef:',
    '        kind: HelmRepository',
    '        name: projectcalico',
    ''
  ].join('\n')
}

const log = () => {
  const lines: string[] = []
  return {
    lines,
    log: {
      info: (m: string) => lines.push(m),
      warning: (m: string) => lines.push(`warning: ${m}`),
      debug: () => {}
    }
  }
}

describe('the Calico version in play', () => {
  it('is the repository’s own: the calico-node image, or the tigera-operator chart version', () => {
    expect(repositoryCalicoVersion([operatorRelease])).toBe('3.26.4')
    expect(
      repositoryCalicoVersion([
        operatorRelease,
        { path: 'a.yaml', content: 'containers:\n  - image: quay.io/calico/node:v3.31.7\n' }
      ])
    ).toBe('3.31.7')
    expect(repositoryCalicoVersion([ippool('26')])).toBeUndefined()
  })
})

describeIf('crd.projectcalico.org objects against the upstream CRDs', () => {
  it('a schema fault is found at its line against the Calico manifest of the repository’s version', async () => {
    const asked: string[] = []
    const { lines, log: logger } = log()
    const files = [operatorRelease, ippool('twenty-six')]
    const sources = await calicoCrdSources(
      files,
      async () => 'v3.31.7',
      async v => {
        asked.push(v)
        return manifest(`v${v}`)
      },
      logger
    )
    expect(asked).toEqual(['3.26.4'])
    expect(sources.map(s => s.name)).toEqual(['Calico manifest calico.yaml (calico v3.26.4)'])
    expect(lines).toContain(
      'Calico CRDs for objects the repository has no CRDs for: Calico manifest calico.yaml (calico v3.26.4)'
    )
    const report = validateRepository({ files, crdSources: sources })
    expect(
      report.findings.filter(f => f.severity === 'error').map(f => `${f.rule} ${f.file}:${f.line}`)
    ).toEqual(['schema/type infrastructure/calico/ippool.yaml:7'])
    expect(
      validateRepository({ files: [operatorRelease, ippool('26')], crdSources: sources }).findings
    ).toEqual([])
  })

  it('without a Calico version, the objects stay skipped (never an error), and nothing is downloaded', async () => {
    const { lines, log: logger } = log()
    const files = [ippool('twenty-six')]
    const sources = await calicoCrdSources(
      files,
      async () => undefined,
      () => Promise.reject(new Error('not asked')),
      logger
    )
    expect(sources).toEqual([])
    expect(lines[0]).toMatch(/not checked: no Calico version/)
    const report = validateRepository({ files, crdSources: sources })
    expect(report.findings.filter(f => f.severity === 'error')).toEqual([])
    expect(report.skipped.map(s => `${s.apiVersion} ${s.kind} ${s.count}`)).toEqual([
      'crd.projectcalico.org/v1 IPPool 1'
    ])
  })

  it('a repository with no crd.projectcalico.org object asks for no manifest', async () => {
    const sources = await calicoCrdSources(
      [operatorRelease],
      async () => '3.26.4',
      () => Promise.reject(new Error('not asked')),
      log().log
    )
    expect(sources).toEqual([])
  })
})
