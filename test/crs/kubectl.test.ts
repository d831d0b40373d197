import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import jsyaml from 'js-yaml'
import { readConfigMap, renderConfigMap } from '../../src/crs/configmap.js'
import { fixturesDir } from '../flux/standin.js'
import { kubectlConfigMap, type FromFile } from '../helpers/kubectl-configmap.js'

/**
 * Differential: the test helper and the renderer against the real `kubectl create configmap --from-file
 * --dry-run=client -o yaml`, byte for byte.
 */
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0
if (!hasKubectl) console.log('kubectl differential tests skipped: kubectl is not on PATH')
const withKubectl = hasKubectl ? describe : describe.skip

const dir = mkdtempSync(path.join(os.tmpdir(), 'fcu-kubectl-'))

function kubectl(name: string, files: readonly FromFile[], namespace?: string): string {
  const args = ['create', 'configmap', name, '--dry-run=client', '-o', 'yaml']
  for (const [i, f] of files.entries()) {
    const file = path.join(dir, `${name}-${i}`)
    writeFileSync(file, f.content)
    args.push(`--from-file=${f.key}=${file}`)
  }
  if (namespace) args.push('-n', namespace)
  return execFileSync('kubectl', args, { encoding: 'utf8', maxBuffer: 64 << 20 })
}

const fixtureFiles = [
  'flux/v2.2.2/default/gotk-components.yaml',
  'flux/v2.9.3/image/gotk-components.yaml',
  'calico/v3.31.7/calico.yaml',
  'calico/v3.21.5-extracted/calico-v3.21.yaml',
  'calico/v3.30.7/custom-resources.yaml'
].filter(f => existsSync(path.join(fixturesDir, f)))
const read = (f: string) => readFileSync(path.join(fixturesDir, f), 'utf8')

const synthetic: [string, string][] = [
  ['plain lines', 'a\nb\n'],
  ['no final newline', 'a\nb'],
  ['several final newlines', 'a\n\n\n'],
  ['leading spaces', '  a\nb\n'],
  ['leading empty line', '\na\n'],
  ['a tab', 'a\n\tb\n'],
  ['a carriage return', 'a\r\nb\n'],
  ['a control character', 'a\x01b\n'],
  ['a line ending in a space', 'a \nb\n'],
  ['an emoji', '😀 x\ny\n'],
  ['one line', 'one line'],
  ['long lines with spaces and quotes', `${'say "hi" \\ '.repeat(30)}\n\t${'x '.repeat(60)}\n`]
]

const BLOCK_WHERE_KUBECTL_QUOTES = new Set(['a line ending in a space', 'an emoji'])

withKubectl('kubectl create configmap --from-file', () => {
  const withFixtures = fixtureFiles.length > 0 ? it.each(fixtureFiles.map(f => [f])) : it.skip.each([['']])
  withFixtures('the helper writes what kubectl writes for %s', f => {
    const files = [{ key: path.basename(f), content: read(f) }]
    expect(kubectlConfigMap('cm', files, 'fleet')).toBe(kubectl('cm', files, 'fleet'))
  })

  it.each(synthetic)('the helper writes what kubectl writes for %s', (_, content) => {
    const files = [{ key: 'data.yaml', content }]
    expect(kubectlConfigMap('cm', files)).toBe(kubectl('cm', files))
  })

  it('sorts several keys as kubectl does and quotes keys YAML would read as other types', () => {
    const files = [
      { key: 'z.yaml', content: 'z\n' },
      { key: 'B.yaml', content: 'b\n' },
      { key: 'a.yaml', content: 'a\n' },
      { key: 'true', content: 't\n' },
      { key: '1.5', content: 'n\n' }
    ]
    expect(kubectlConfigMap('cm', files)).toBe(kubectl('cm', files))
  })

  it('the renderer turns one kubectl ConfigMap into the kubectl ConfigMap of the new content', () => {
    const [from, to] =
      fixtureFiles.length >= 2 ? [read(fixtureFiles[0]), read(fixtureFiles[1])] : ['a\n', 'b\n']
    const before = kubectl('flux', [{ key: 'flux-2.2.2.yaml', content: from }])
    const out = renderConfigMap(readConfigMap(before, 'cm.yaml'), {
      name: 'flux-next',
      data: [{ from: 'flux-2.2.2.yaml', key: 'flux-2.9.3.yaml', value: to }]
    })
    expect(out.text).toBe(kubectl('flux-next', [{ key: 'flux-2.9.3.yaml', content: to }]))
  })

  it.each(synthetic)(
    'the renderer agrees with kubectl on %s: same bytes, or a block kubectl would quote',
    (name, content) => {
      const before = kubectl('cm', [{ key: 'data.yaml', content: 'old\n' }])
      const out = renderConfigMap(readConfigMap(before, 'cm.yaml'), {
        data: [{ key: 'data.yaml', value: content }]
      })
      const expected = kubectl('cm', [{ key: 'data.yaml', content }])
      const value = (t: string) => (jsyaml.load(t) as { data: Record<string, string> }).data['data.yaml']
      expect(value(out.text)).toBe(content)
      // Where kubectl quotes only because a line ends in a space or a character is outside the Basic Multilingual
      // Plane, the project writes a literal block (SPEC §2); everywhere else it writes kubectl's bytes.
      if (BLOCK_WHERE_KUBECTL_QUOTES.has(name)) {
        expect(expected).toMatch(/data\.yaml: "/)
        expect(out.text).toMatch(/data\.yaml: \|\n/)
        expect(out.notes).toEqual([])
      } else expect(out.text).toBe(expected)
    }
  )
})
