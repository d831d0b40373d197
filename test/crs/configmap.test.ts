import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import jsyaml from 'js-yaml'
import { FcuError } from '../../src/errors.js'
import {
  PROVENANCE_PREFIX,
  readConfigMap,
  readConfigMaps,
  releaseValues,
  renderConfigMap
} from '../../src/crs/configmap.js'
import { fixturesDir } from '../flux/standin.js'
import { kubectlConfigMap } from '../helpers/kubectl-configmap.js'

const seedPath = path.join(
  fixturesDir,
  'seed-repo/infrastructure/control-plane-cluster/capi/cm-calico-v3.21.yaml'
)
const gotkPath = path.join(fixturesDir, 'flux/v2.2.2/default/gotk-components.yaml')
const hasFixtures = existsSync(seedPath) && existsSync(gotkPath)
if (!hasFixtures) console.log(`ConfigMap fixture tests skipped: ${fixturesDir} is absent`)
const withFixtures = hasFixtures ? describe : describe.skip

type CM = { data: Record<string, string>; metadata: Record<string, unknown> }
const load = (text: string) => jsyaml.load(text) as CM

/** The lines that differ between two texts of the same line count, as [line, before, after]. */
function changedLines(a: string, b: string): [number, string, string][] {
  const x = a.split('\n')
  const y = b.split('\n')
  expect(y.length).toBe(x.length)
  return x.flatMap((l, i) => (l === y[i] ? [] : [[i + 1, l, y[i]] as [number, string, string]]))
}

const provenance = {
  component: 'calico',
  version: '3.31.7',
  source: 'https://github.com/projectcalico/calico/raw/v3.31.7/manifests/calico.yaml',
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
}

withFixtures('the seed layout (kubectl output, one double-quoted value)', () => {
  const seed = () => readFileSync(seedPath, 'utf8')

  it('reads the name and namespace at the end of the file and the data key at the top', () => {
    const cm = readConfigMap(seed(), 'cm-calico-v3.21.yaml')
    expect(cm.name).toMatchObject({ value: 'calico-cni', line: 2572, style: 'plain' })
    expect(cm.namespace).toMatchObject({ value: 'cluster-dev', line: 2573 })
    expect(cm.data.map(d => [d.key, d.style, d.line])).toEqual([['calico-v3.21.yaml', 'double-quoted', 3]])
  })

  it('knows the file line of every line of the value, through escapes and folds', () => {
    const text = seed()
    const [entry] = readConfigMap(text, 'cm.yaml').data
    const valueLines = entry.value.split('\n')
    expect(entry.exactLines).toBe(true)
    expect(entry.lineStarts).toHaveLength(valueLines.length - 1)
    const fileLines = text.split('\n')
    // Each value line's first word (escaped as go-yaml escapes it; a fold may follow it) is on the line given.
    for (const i of [0, 5, 10, 100, 1000, 3000, valueLines.length - 2]) {
      const start = valueLines[i].trim().split(' ')[0].slice(0, 12).replace(/"/g, '\\"')
      expect(fileLines[entry.lineStarts[i] - 1]).toContain(start)
    }
    expect(entry.lineStarts[5]).toBe(5)
    expect(entry.lineStarts.every((l, i) => i === 0 || l >= entry.lineStarts[i - 1])).toBe(true)
  })

  it('re-renders the value as a literal block that parses to exactly the same string', () => {
    const text = seed()
    const cm = readConfigMap(text, 'cm.yaml')
    const value = cm.data[0].value
    // A changed value is written as a block; the upstream text that has a line ending in a space stays exact.
    const next = value.replace('calico_backend: "bird"', 'calico_backend: "vxlan"')
    const out = renderConfigMap(cm, { data: [{ key: 'calico-v3.21.yaml', value: next }] })
    expect(out.notes).toEqual([])
    // The manifest ends in blank lines, which keep chomping (`|+`) preserves.
    expect(out.text).toContain(
      '  calico-v3.21.yaml: |+\n    ---\n    # Source: calico/templates/calico-config.yaml\n'
    )
    expect(load(out.text).data['calico-v3.21.yaml']).toBe(next)
    expect(value.split('\n').some(l => l.endsWith(' '))).toBe(true)
    // Everything outside the value is untouched.
    expect(out.text.slice(out.text.indexOf('\nkind: ConfigMap'))).toBe(
      text.slice(text.indexOf('\nkind: ConfigMap'))
    )
    expect(out.text.startsWith('apiVersion: v1\ndata:\n')).toBe(true)
  })

  it('renames the key and the ConfigMap and records provenance; a rerun changes nothing', () => {
    const cm = readConfigMap(seed(), 'cm.yaml')
    const change = {
      name: 'calico-cni-v3.31',
      data: [{ from: 'calico-v3.21.yaml', key: 'calico-v3.31.yaml', value: 'kind: Upgraded\n' }],
      provenance
    }
    const out = renderConfigMap(cm, change)
    expect(out.text).toBe(
      'apiVersion: v1\ndata:\n  calico-v3.31.yaml: |\n    kind: Upgraded\nkind: ConfigMap\nmetadata:\n' +
        '  annotations:\n' +
        `    ${PROVENANCE_PREFIX}/component: calico\n` +
        `    ${PROVENANCE_PREFIX}/version: 3.31.7\n` +
        `    ${PROVENANCE_PREFIX}/source: ${provenance.source}\n` +
        `    ${PROVENANCE_PREFIX}/sha256: ${provenance.sha256}\n` +
        '  creationTimestamp: null\n  name: calico-cni-v3.31\n  namespace: cluster-dev\n'
    )
    const again = renderConfigMap(readConfigMap(out.text, 'cm.yaml'), change)
    expect(again).toEqual({ text: out.text, changed: false, notes: [] })
  })

  it('changes nothing, provenance included, when the data is the same', () => {
    const text = seed()
    const cm = readConfigMap(text, 'cm.yaml')
    const out = renderConfigMap(cm, {
      data: [{ key: 'calico-v3.21.yaml', value: cm.data[0].value }],
      provenance
    })
    expect(out).toEqual({ text, changed: false, notes: [] })
  })
})

withFixtures('a kubectl-made Flux ConfigMap (metadata last)', () => {
  const gotk = () => readFileSync(gotkPath, 'utf8')

  it('changes only the name line at the end of a long file when only the name changes', () => {
    const text = kubectlConfigMap('crs-cm-flux-2.2.2-mgmt', [
      { key: 'gotk-components.yaml', content: gotk() }
    ])
    expect(text.split('\n').length).toBeGreaterThan(5000)
    const cm = readConfigMap(text, 'cm.yaml')
    expect(cm.data[0]).toMatchObject({
      key: 'gotk-components.yaml',
      style: 'literal',
      line: 3,
      exactLines: true
    })
    expect(cm.data[0].lineStarts.slice(0, 3)).toEqual([4, 5, 6])
    const out = renderConfigMap(cm, { name: 'crs-cm-flux-2.9.3-mgmt' })
    const last = text.split('\n').length - 1
    expect(changedLines(text, out.text)).toEqual([
      [last, '  name: crs-cm-flux-2.2.2-mgmt', '  name: crs-cm-flux-2.9.3-mgmt']
    ])
  })

  it('replaces the value in place and keeps kubectl output byte for byte', () => {
    const text = kubectlConfigMap('flux', [{ key: 'gotk-components.yaml', content: gotk() }])
    const next = readFileSync(path.join(fixturesDir, 'flux/v2.9.3/default/gotk-components.yaml'), 'utf8')
    const out = renderConfigMap(readConfigMap(text, 'cm.yaml'), {
      data: [{ key: 'gotk-components.yaml', value: next }]
    })
    expect(out.text).toBe(kubectlConfigMap('flux', [{ key: 'gotk-components.yaml', content: next }]))
  })
})

describe('several data keys', () => {
  const text = kubectlConfigMap('calico-parts', [
    { key: 'a-crds-v3.21.yaml', content: 'kind: A\n' },
    { key: 'b-rest-v3.21.yaml', content: 'kind: B\nx: 1\n' }
  ])

  it('reads each key with its own lines', () => {
    const cm = readConfigMap(text, 'cm.yaml')
    expect(cm.data.map(d => [d.key, d.value, d.line, d.lineStarts])).toEqual([
      ['a-crds-v3.21.yaml', 'kind: A\n', 3, [4]],
      ['b-rest-v3.21.yaml', 'kind: B\nx: 1\n', 5, [6, 7]]
    ])
  })

  it('renames and rewrites each in place, removes unlisted keys and appends new ones', () => {
    const cm = readConfigMap(text, 'cm.yaml')
    const out = renderConfigMap(cm, {
      data: [
        { from: 'b-rest-v3.21.yaml', key: 'b-rest-v3.31.yaml', value: 'kind: B2\n' },
        { key: 'c-new.yaml', value: 'tab\there\n' }
      ]
    })
    expect(out.text).toBe(
      'apiVersion: v1\ndata:\n  b-rest-v3.31.yaml: |\n    kind: B2\n  c-new.yaml: "tab\\there\\n"\n' +
        'kind: ConfigMap\nmetadata:\n  creationTimestamp: null\n  name: calico-parts\n'
    )
    expect(out.notes).toEqual([
      { key: 'c-new.yaml', reason: 'kept as a double-quoted string: it holds a tab (line 1 of the value)' }
    ])
    expect(load(out.text).data).toEqual({ 'b-rest-v3.31.yaml': 'kind: B2\n', 'c-new.yaml': 'tab\there\n' })
  })
})

describe('a ConfigMap written by hand', () => {
  const text = [
    '# Calico for the workload clusters',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '    name: "calico-v3-21"   # keep in step with the CRS',
    '    namespace: fleet',
    '    labels:',
    '        app: calico',
    '    annotations:',
    '        owner: platform-team',
    `        ${PROVENANCE_PREFIX}/version: 3.21.5`,
    `        ${PROVENANCE_PREFIX}/source: https://old.example/calico.yaml`,
    'data:',
    '    # the manifest',
    '    calico.yaml: |  # from upstream',
    '        kind: Old',
    '        spec: {}',
    '',
    '    extra: keep-me',
    ''
  ].join('\n')

  it('reads quoted names and 8-column blocks', () => {
    const cm = readConfigMap(text, 'cm.yaml')
    expect(cm.name).toMatchObject({ value: 'calico-v3-21', style: 'double-quoted', line: 5 })
    expect(cm.annotations).toMatchObject({ owner: 'platform-team' })
    expect(cm.data.map(d => [d.key, d.value, d.lineStarts])).toEqual([
      ['calico.yaml', 'kind: Old\nspec: {}\n', [16, 17]],
      ['extra', 'keep-me', [19]]
    ])
  })

  it('keeps comments, quoting, indentation, labels and other keys; provenance is updated in place', () => {
    const cm = readConfigMap(text, 'cm.yaml')
    const out = renderConfigMap(cm, {
      name: 'calico-v3-31',
      data: [
        { key: 'calico.yaml', value: 'kind: New\n' },
        { key: 'extra', value: 'keep-me' }
      ],
      provenance: { component: 'calico', version: '3.31.7' }
    })
    expect(out.text).toBe(
      [
        '# Calico for the workload clusters',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '    name: "calico-v3-31"   # keep in step with the CRS',
        '    namespace: fleet',
        '    labels:',
        '        app: calico',
        '    annotations:',
        '        owner: platform-team',
        `        ${PROVENANCE_PREFIX}/version: 3.31.7`,
        `        ${PROVENANCE_PREFIX}/component: calico`,
        'data:',
        '    # the manifest',
        '    calico.yaml: |  # from upstream',
        '        kind: New',
        '',
        '    extra: keep-me',
        ''
      ].join('\n')
    )
    expect(renderConfigMap(readConfigMap(out.text, 'x'), { data: [] }).text).not.toContain('calico.yaml')
  })

  it('turns a one-line quoted value into a block on its own line, keeping a trailing comment', () => {
    const src =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "one\\ntwo\\n" # c\n  b: x\n'
    const out = renderConfigMap(readConfigMap(src, 'x'), {
      data: [
        { key: 'a', value: 'one\nthree\n' },
        { key: 'b', value: 'x' }
      ]
    })
    expect(out.text).toBe(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: | # c\n    one\n    three\n  b: x\n'
    )
  })
})

describe('kustomize generator output and other files', () => {
  it('reads a generated ConfigMap among other documents', () => {
    const text =
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fleet\n---\napiVersion: v1\ndata:\n  calico.yaml: |\n' +
      '    kind: X\nkind: ConfigMap\nmetadata:\n  name: calico-5g2h8k9d7c\n  namespace: fleet\n'
    const [cm] = readConfigMaps(text, 'all.yaml')
    expect(cm).toMatchObject({ document: 1, name: { value: 'calico-5g2h8k9d7c', line: 12 } })
    const out = renderConfigMap(cm, { data: [{ key: 'calico.yaml', value: 'kind: Y\n' }] })
    expect(out.text).toBe(text.replace('kind: X', 'kind: Y'))
  })

  it('refuses a file without exactly one ConfigMap, and YAML that does not parse, with the line', () => {
    expect(() => readConfigMap('apiVersion: v1\nkind: Secret\n', 'a.yaml')).toThrow(
      'a.yaml holds no v1 ConfigMaps'
    )
    const bad = (() => {
      try {
        readConfigMap('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n', 'b.yaml')
      } catch (e) {
        return e
      }
    })()
    expect(bad).toBeInstanceOf(FcuError)
    expect((bad as FcuError).location.file).toBe('b.yaml')
    expect((bad as FcuError).location.line).toBeGreaterThanOrEqual(4)
  })
})

describe('a ConfigMap read with its big values let go', () => {
  // A value long enough to be read from the envelope (src/crs/stream.ts), and a small one beside it.
  const big = (word: string) => Array.from({ length: 2000 }, (_, i) => `${word}: ${i}`).join('\n') + '\n'
  const file = kubectlConfigMap('crs-cm-x', [
    { key: 'a.yaml', content: big('alpha') },
    { key: 'b.yaml', content: 'small: value\n' }
  ])
  const fresh = () => readConfigMap(file, 'cm.yaml')
  const released = () => {
    const cm = readConfigMap(file, 'cm.yaml')
    releaseValues(cm, [cm.data[0]])
    return cm
  }

  it.each([
    ['a value of another length', big('alphas')],
    ['a value of the same length that differs', big('gamma')],
    ['the same value (a rerun)', big('alpha')]
  ])('renders %s as the reading that kept it does', (_, value) => {
    const change = {
      name: 'crs-cm-y',
      data: [
        { key: 'a.yaml', value },
        { key: 'b.yaml', value: 'small: value\n' }
      ],
      provenance
    }
    const expected = renderConfigMap(fresh(), change)
    expect(renderConfigMap(released(), change)).toEqual(expected)
    // The same data renders no provenance: only a data change does.
    expect(renderConfigMap(released(), { data: change.data, provenance }).changed).toBe(
      value !== big('alpha')
    )
  })

  it('still gives the value when asked, read again from the file', () => {
    const cm = released()
    expect(cm.data[0].value).toBe(fresh().data[0].value)
    expect(cm.data[1].value).toBe('small: value\n')
  })
})
