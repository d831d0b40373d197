import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { validateRepository, type ExpectedVersion } from '../../../src/validate/validator.js'
import { fixtureCrds, haveFixtures } from './fixtures.js'

/**
 * The invalid-object corpus: one small file per case under `cases/`, each declaring in its leading comments the
 * exact findings it must produce, as `# expect: <rule> @ <line>` (or `# expect-none`). Directives say what else
 * the case needs:
 *
 * - `# upgraded-crds: <fixture path>`: the CRDs of that fixture manifest are the upgrade's (`upgradedCrds`);
 * - `# target: <flux|calico> <version>`: the case file is a target that must hold that version;
 * - `# fill: <TOKEN> <bytes>`: TOKEN is replaced by that many bytes of `x` (a 1 MiB ConfigMap is generated, not
 *   committed); it must sit on one line so that line numbers stay put.
 */

const casesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases')

interface Case {
  name: string
  content: string
  expected: string[]
  crds: string[]
  targets: ExpectedVersion[]
}

function readCase(name: string): Case {
  const raw = fs.readFileSync(path.join(casesDir, name), 'utf8')
  const header = raw.split('\n').filter(l => l.startsWith('#'))
  const values = (directive: string) =>
    header.filter(l => l.startsWith(`# ${directive}:`)).map(l => l.slice(directive.length + 3).trim())
  const file = `corpus/${name}`
  let content = raw
  for (const fill of values('fill')) {
    const [token, bytes] = fill.split(/\s+/)
    content = content
      .split('\n')
      .map(l => (l.startsWith('#') ? l : l.replace(token, 'x'.repeat(Number(bytes)))))
      .join('\n')
  }
  return {
    name,
    content,
    expected: values('expect')
      .map(e => e.replace(/\s+/g, ' '))
      .sort(),
    crds: values('upgraded-crds'),
    targets: values('target').map(t => {
      const [component, version] = t.split(/\s+/)
      return { file, component: component as ExpectedVersion['component'], version }
    })
  }
}

const cases = fs
  .readdirSync(casesDir)
  .filter(f => f.endsWith('.yaml'))
  .sort()
  .map(readCase)

describe('invalid-object corpus', () => {
  it('has at least 40 cases, each declaring what it expects', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
    for (const c of cases) {
      const declared = c.expected.length > 0 || /^# expect-none$/m.test(c.content)
      expect({ case: c.name, declared }).toEqual({ case: c.name, declared: true })
    }
  })

  if (!haveFixtures)
    console.warn('corpus: ../shared/fixtures is absent; cases that need upstream CRDs are skipped')

  for (const c of cases) {
    const runnable = haveFixtures || c.crds.length === 0
    ;(runnable ? it : it.skip)(`${c.name} gives exactly its declared findings`, () => {
      const report = validateRepository({
        files: [{ path: `corpus/${c.name}`, content: c.content }],
        targets: c.targets,
        upgradedCrds: c.crds.flatMap(fixtureCrds)
      })
      const got = report.findings.map(f => `${f.rule} @ ${f.line}`).sort()
      expect(got).toEqual(c.expected)
      for (const f of report.findings) expect(f.file).toBe(`corpus/${c.name}`)
    })
  }
})
