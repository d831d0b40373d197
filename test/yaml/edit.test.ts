import yaml from 'js-yaml'
import { applyEdits, findEntries, findScalars, type Edit } from '../../src/yaml/edit.js'
import { parseDocuments, splitDocumentTexts } from '../../src/yaml/documents.js'
import { haveFixtures, readFixture } from '../validate/corpus/fixtures.js'
import { thrown } from '../helpers/errors.js'

const FILE = 'clusters/dev/kustomization.yaml'

// A kustomization as people write them: comments, blank lines, flow maps, 4-space and 0-indented lists, quoted
// and block scalars, a JSON6902 patch held in a block scalar.
const KUSTOMIZATION = `# Dev cluster overlay
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization   # trailing comment

namespace: "flux-system"
resources:
    - gotk-components.yaml   # regenerated
    - 'gotk-sync.yaml'

    # the Calico ConfigMap
    - "crs-cm-calico.yaml"
components:
- ../base
- ../../components/crs   # shared
patches:
  - path: patch.yaml
    target: {kind: ConfigMap, name: crs-cm-flux}
  - {path: x.yaml, target: {kind: ConfigMap}}
  - target:
      kind: ConfigMap
    patch: |-
      - op: replace
        path: /metadata/name
        value: crs-cm-flux-2.2.2
images: [flux, calico]  # flow list
configMapGenerator:
  - name: extra
    literals:
      - note=keep me
`

const edit = (text: string, ...edits: Edit[]): string => applyEdits(text, edits, FILE)

/** The lines of `after` that differ from `before`, as one hunk (common prefix and suffix removed). */
function hunk(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n')
  const b = after.split('\n')
  let p = 0
  while (p < a.length && p < b.length && a[p] === b[p]) p++
  let s = 0
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++
  return { removed: a.slice(p, a.length - s), added: b.slice(p, b.length - s) }
}

/** For edits that keep the line count: each changed line, before and after. */
function changedLines(before: string, after: string): [string, string][] {
  const a = before.split('\n')
  const b = after.split('\n')
  expect(b).toHaveLength(a.length)
  return a.flatMap((l, i) => (l === b[i] ? [] : [[l, b[i]] as [string, string]]))
}

describe('setting a scalar', () => {
  it.each([
    [['resources', 0], 'gotk-components-v2.yaml', '    - gotk-components-v2.yaml   # regenerated'],
    [['resources', 1], 'gotk-sync-v2.yaml', "    - 'gotk-sync-v2.yaml'"],
    [['resources', 2], 'crs-cm-calico-v3.yaml', '    - "crs-cm-calico-v3.yaml"'],
    [['components', 1], '../../components/crs-v2', '- ../../components/crs-v2   # shared'],
    [['namespace'], 'flux', 'namespace: "flux"'],
    [['kind'], 'Component', 'kind: Component   # trailing comment'],
    [
      ['patches', 0, 'target', 'name'],
      'crs-cm-flux-2.3.0',
      '    target: {kind: ConfigMap, name: crs-cm-flux-2.3.0}'
    ],
    [['images', 1], 'cilium', 'images: [flux, cilium]  # flow list']
  ])('changes only the line of %j, in the style it was written in', (path, value, line) => {
    const out = edit(KUSTOMIZATION, { op: 'set', path, value })
    expect(hunk(KUSTOMIZATION, out).added).toEqual([line])
    expect(hunk(KUSTOMIZATION, out).removed).toHaveLength(1)
  })

  it.each([
    ['yes', "'yes'"], // a YAML 1.1 boolean for Kubernetes tools
    ['3', "'3'"],
    ['a: b', "'a: b'"],
    ['x #y', "'x #y'"],
    ['', "''"],
    ["it's", "it's"],
    ["'q", "'''q'"],
    ['two\nlines', '"two\\nlines"'],
    ['2024-01-01', "'2024-01-01'"]
  ])('quotes a plain scalar only when the value needs it: %j', (value, written) => {
    const out = edit(KUSTOMIZATION, { op: 'set', path: ['resources', 0], value })
    expect(hunk(KUSTOMIZATION, out).added).toEqual([`    - ${written}   # regenerated`])
    expect((yaml.load(out) as { resources: string[] }).resources[0]).toBe(value)
  })

  it('writes a plain scalar inside a flow list only without flow indicators', () => {
    const out = edit(KUSTOMIZATION, { op: 'set', path: ['images', 0], value: 'a,b' })
    expect(hunk(KUSTOMIZATION, out).added).toEqual(["images: ['a,b', calico]  # flow list"])
  })

  it('writes numbers, booleans and null plain, even where a string was quoted', () => {
    const text = 'replicas: "2"\nsuspend: \'no\'\nx: 1\n'
    const out = edit(
      text,
      { op: 'set', path: ['replicas'], value: 3 },
      { op: 'set', path: ['suspend'], value: true },
      { op: 'set', path: ['x'], value: null }
    )
    expect(out).toBe('replicas: 3\nsuspend: true\nx: null\n')
  })

  it('keeps CRLF line endings and every other byte', () => {
    const crlf = KUSTOMIZATION.replace(/\n/g, '\r\n')
    const out = edit(crlf, { op: 'set', path: ['resources', 2], value: 'crs-cm-calico-v3.yaml' })
    expect(out).toBe(crlf.replace('"crs-cm-calico.yaml"', '"crs-cm-calico-v3.yaml"'))
  })

  it('addresses a document of a multi-document file by index, as parseDocuments numbers them', () => {
    const text = 'kind: A\nname: a\n...\n---\n# second\nkind: B\nname: b\n---\nkind: C\nname: c\n'
    const doc = parseDocuments(text, FILE).findIndex(d => (d.value as { kind?: string } | null)?.kind === 'C')
    expect(doc).toBe(3) // the empty document between `...` and `---` counts
    const out = edit(text, { op: 'set', doc, path: ['name'], value: 'c2' })
    expect(out).toBe(text.replace('name: c', 'name: c2'))
    expect(thrown(() => edit(text, { op: 'set', doc: 4, path: ['name'], value: 'x' })).code).toBe('internal')
  })

  it('edits a ClusterResourceSet: metadata.name, apiVersion and a resource name (1-space indentation)', () => {
    if (!haveFixtures) return console.warn('skipped: ../shared/fixtures is absent')
    const file = 'seed-repo/infrastructure/control-plane-cluster/capi/cluster.yaml'
    const text = readFixture(file)
    const doc = yaml.loadAll(text).findIndex(d => (d as { kind?: string })?.kind === 'ClusterResourceSet')
    const out = applyEdits(
      text,
      [
        { op: 'set', doc, path: ['apiVersion'], value: 'addons.cluster.x-k8s.io/v1beta2' },
        { op: 'set', doc, path: ['metadata', 'name'], value: 'crs-calico-v3' },
        { op: 'set', doc, path: ['spec', 'resources', 0, 'name'], value: 'calico-cni-v3.30.7' }
      ],
      file
    )
    expect(changedLines(text, out)).toEqual([
      ['apiVersion: addons.cluster.x-k8s.io/v1alpha3', 'apiVersion: addons.cluster.x-k8s.io/v1beta2'],
      [' name: crs-calico', ' name: crs-calico-v3'],
      ['   - name: calico-cni', '   - name: calico-cni-v3.30.7']
    ])
  })
})

describe('renaming list entries found by value', () => {
  it('finds entries of one list by value and renames them where they stand', () => {
    const text = 'resources:\n- a.yaml\n- b.yaml # b\n- a.yaml\nother: [a.yaml]\n'
    const found = findEntries(text, 0, ['resources'], 'a.yaml', FILE)
    expect(found).toEqual([0, 2])
    const out = applyEdits(
      text,
      found.map(i => ({ op: 'set', path: ['resources', i], value: 'a-v2.yaml' })),
      FILE
    )
    expect(out).toBe('resources:\n- a-v2.yaml\n- b.yaml # b\n- a-v2.yaml\nother: [a.yaml]\n')
  })

  it('finds every string scalar equal to a value, with its path and file line, keys excluded', () => {
    const text = 'a: x\n---\nx: [y, x]\nz:\n  - {k: "x"}\n'
    expect(findScalars(text, 'x', FILE)).toEqual([
      { doc: 0, path: ['a'], line: 1, column: 4 },
      { doc: 1, path: ['x', 1], line: 3, column: 8 },
      { doc: 1, path: ['z', 0, 'k'], line: 5, column: 9 }
    ])
  })
})

describe('inserting list entries after an entry', () => {
  it('adds lines at the entry indentation of a 4-space list, after the entry and its comment', () => {
    const out = edit(KUSTOMIZATION, {
      op: 'insert',
      path: ['resources'],
      after: 2,
      values: ['crs-cm-calico-part-2.yaml']
    })
    expect(hunk(KUSTOMIZATION, out).added).toEqual(['    - "crs-cm-calico-part-2.yaml"'])
    expect(hunk(KUSTOMIZATION, out).removed).toEqual([])
  })

  it('splits an entry into parts: rename plus insert, in a 0-indented list', () => {
    const out = edit(
      KUSTOMIZATION,
      { op: 'set', path: ['components', 0], value: '../base-part-1' },
      { op: 'insert', path: ['components'], after: 0, values: ['../base-part-2', '../base-part-3'] }
    )
    expect(hunk(KUSTOMIZATION, out)).toEqual({
      removed: ['- ../base'],
      added: ['- ../base-part-1', '- ../base-part-2', '- ../base-part-3']
    })
  })

  it('adds to a flow list in flow style', () => {
    const out = edit(KUSTOMIZATION, { op: 'insert', path: ['images'], after: 0, values: ['kustomize'] })
    expect(hunk(KUSTOMIZATION, out).added).toEqual(['images: [flux, kustomize, calico]  # flow list'])
  })

  it('adds after the last entry of a file with no final line break, and keeps CRLF', () => {
    expect(edit('r:\r\n  - a\r\n  - b', { op: 'insert', path: ['r'], after: 1, values: ['c'] })).toBe(
      'r:\r\n  - a\r\n  - b\r\n  - c'
    )
  })

  it("adds after the first entry of a nested list that shares its line, at that entry's column", () => {
    expect(edit('- - p\n  - q\n', { op: 'insert', path: [0], after: 0, values: ['n'] })).toBe(
      "- - p\n  - 'n'\n  - q\n" // `n` is a YAML 1.1 boolean
    )
  })

  it('adds after an entry that is a whole map', () => {
    const out = edit(KUSTOMIZATION, { op: 'insert', path: ['patches'], after: 0, values: ['p.yaml'] })
    expect(hunk(KUSTOMIZATION, out)).toEqual({ removed: [], added: ['  - p.yaml'] })
  })
})

describe('removing list entries', () => {
  it('removes the lines of a block entry and nothing else', () => {
    const out = edit(KUSTOMIZATION, { op: 'remove', path: ['resources', 0] })
    expect(hunk(KUSTOMIZATION, out)).toEqual({
      removed: ['    - gotk-components.yaml   # regenerated'],
      added: []
    })
  })

  it.each([
    [0, 'images: [calico]  # flow list'],
    [1, 'images: [flux]  # flow list']
  ])('removes entry %d of a flow list with its comma', (i, line) => {
    expect(hunk(KUSTOMIZATION, edit(KUSTOMIZATION, { op: 'remove', path: ['images', i] })).added).toEqual([
      line
    ])
  })

  it('empties a list whose only entry goes', () => {
    expect(
      edit('a: [x]\nb:\n- y # c\nc: 1\n', { op: 'remove', path: ['a', 0] }, { op: 'remove', path: ['b', 0] })
    ).toBe('a: []\nb: []\nc: 1\n')
  })
})

describe('replacing a value by a literal block', () => {
  it('replaces the patch held in a block scalar: one line changes', () => {
    const patch = '- op: replace\n  path: /metadata/name\n  value: crs-cm-flux-2.3.0'
    const out = edit(KUSTOMIZATION, { op: 'block', path: ['patches', 2, 'patch'], value: patch })
    expect(hunk(KUSTOMIZATION, out)).toEqual({
      removed: ['        value: crs-cm-flux-2.2.2'],
      added: ['        value: crs-cm-flux-2.3.0']
    })
  })

  it.each([
    ['a\nb', '|-', ['    a', '    b']],
    ['a\nb\n', '|', ['    a', '    b']],
    ['a\n\n', '|+', ['    a', '']],
    ['  indented\nx\n', '|2', ['      indented', '    x']],
    ['\n  after an empty line', '|2-', ['', '      after an empty line']],
    ['', '|-', []]
  ])('chooses chomping and the indentation indicator so that %j round-trips', (value, header, lines) => {
    const text = 'data:\n  k: "old" # why\nnext: 1\n'
    const out = edit(text, { op: 'block', path: ['data', 'k'], value })
    expect(out).toBe(['data:', `  k: ${header} # why`, ...lines, 'next: 1', ''].join('\n'))
    expect((yaml.load(out) as { data: { k: string } }).data.k).toBe(value)
  })

  it('keeps an existing block indentation, so a regenerated value shows as the lines that changed', () => {
    const text = 'data:\n  k: |\n        one\n        two\nz: 0\n'
    expect(edit(text, { op: 'block', path: ['data', 'k'], value: 'one\n2\n' })).toBe(
      'data:\n  k: |\n        one\n        2\nz: 0\n'
    )
  })

  it('indents a block in a 0-indented list entry past its dash, and keeps CRLF', () => {
    const out = edit('l:\r\n- "a"\r\n- b\r\n', { op: 'block', path: ['l', 0], value: ' x\ny\n' })
    expect(out).toBe('l:\r\n- |2\r\n   x\r\n  y\r\n- b\r\n')
    expect(yaml.load(out)).toEqual({ l: [' x\ny\n', 'b'] })
  })

  it('writes double quotes where a block cannot hold the value (a flow map, a carriage return, kept blank lines)', () => {
    expect(edit('a: {k: v}\n', { op: 'block', path: ['a', 'k'], value: 'x\ny' })).toBe('a: {k: "x\\ny"}\n')
    expect(edit('k: v\n', { op: 'block', path: ['k'], value: 'x\r\n' })).toBe('k: "x\\r\\n"\n')
    // A `|+` block would take the blank line after it into its value.
    expect(edit('k: v\n\nz: 1\n', { op: 'block', path: ['k'], value: 'x\n\n' })).toBe(
      'k: "x\\n\\n"\n\nz: 1\n'
    )
  })

  it("turns kubectl's one double-quoted ConfigMap value into a literal block that reads as the same string", () => {
    if (!haveFixtures) return console.warn('skipped: ../shared/fixtures is absent')
    const file = 'seed-repo/infrastructure/control-plane-cluster/capi/cm-calico-v3.21.yaml'
    const text = readFixture(file)
    const before = yaml.load(text) as { data: Record<string, string> }
    const key = 'calico-v3.21.yaml'
    const out = applyEdits(text, [{ op: 'block', path: ['data', key], value: before.data[key] }], file)
    expect(yaml.load(out)).toEqual(before)
    const lines = out.split('\n')
    expect(lines.slice(0, 3)).toEqual(['apiVersion: v1', 'data:', `  ${key}: |+`])
    // Every line outside the value is as kubectl wrote it.
    const after = text.slice(text.indexOf('\nkind: ConfigMap\n'))
    expect(out.endsWith(after)).toBe(true)
    expect(lines.slice(3, -after.split('\n').length + 1).every(l => l === '' || l.startsWith('    '))).toBe(
      true
    )
  })
})

describe('refusing edits', () => {
  it('refuses overlapping edits', () => {
    const e = thrown(() =>
      edit(
        KUSTOMIZATION,
        { op: 'set', path: ['images', 0], value: 'a' },
        { op: 'remove', path: ['images', 0] }
      )
    )
    expect(e.code).toBe('internal')
    expect(e.location).toEqual({ file: FILE, line: 25, column: 10 })
  })

  it('refuses a path that is not there, or not a scalar', () => {
    expect(thrown(() => edit(KUSTOMIZATION, { op: 'set', path: ['nope'], value: 'a' })).message).toMatch(
      /nope/
    )
    expect(thrown(() => edit(KUSTOMIZATION, { op: 'set', path: ['images'], value: 'a' })).code).toBe(
      'internal'
    )
  })

  it('reports a file that does not parse as a manifest error at its line', () => {
    const e = thrown(() => edit('a: 1\n---\nb: [\n', { op: 'set', path: ['a'], value: 2 }))
    expect(e.code).toBe('manifest')
    expect(e.location.file).toBe(FILE)
    expect(e.location.line).toBeGreaterThanOrEqual(3)
  })

  it('refuses, as a bug naming the file, a splice that would not read back as intended', () => {
    // The alias would follow the anchored value: the editor notices instead of writing it.
    const e = thrown(() => edit('a: &v one\nb: *v\n', { op: 'set', path: ['a'], value: 'two' }))
    expect(e.code).toBe('internal')
    expect(e.message).toMatch(/read back/)
    expect(e.location.file).toBe(FILE)
  })
})

describe('random edits on the fixtures (differential against js-yaml)', () => {
  const files = [
    'crs/capa-e2e-cluster-resource-set-cni.yaml',
    'crs/capi-e2e-docker-crs.yaml',
    'crs/capz-calico-resource-set.yaml',
    'calico/v3.30.7/custom-resources.yaml',
    'calico/v3.30.7/tigera-operator.yaml',
    'seed-repo/infrastructure/control-plane-cluster/capi/cluster.yaml',
    'seed-repo/infrastructure/control-plane-cluster/capi/kustomization.yaml',
    'seed-repo/infrastructure/control-plane-cluster/capi/namespace.yaml'
  ]
  const strings = [
    'plain',
    'yes',
    'No',
    '3',
    '0755',
    '1e3',
    '-1',
    '',
    ' lead',
    'trail ',
    'a: b',
    'x # y',
    '#c',
    '- d',
    '[x]',
    '{y}',
    'a,b',
    "it's",
    '"dq"',
    "'sq'",
    'two\nlines',
    'end\n',
    'keep\n\n',
    '\n lead blank',
    '  indented\nx',
    'tab\there',
    'null',
    '~',
    '*x',
    '&y',
    '!t',
    '%p',
    '@a',
    '`b',
    '...',
    '---',
    'ünïcødé',
    'emoji 😀',
    '${VAR}',
    'a\r\nb',
    'x\n  ---\n  y: 1\n'
  ]
  const scalars = [...strings, 0, 42, -3.5, true, false, null]

  // A small seeded generator: the same cases on every run, so a failure can be replayed.
  let seed = 0x2f6e2b1
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
  const pick = <T>(xs: readonly T[]): T => xs[random(xs.length)]

  type Leaf = { doc: number; path: (string | number)[] }
  const leaves = (value: unknown, doc: number, path: (string | number)[] = []): Leaf[] =>
    Array.isArray(value)
      ? value.flatMap((v, i) => leaves(v, doc, [...path, i]))
      : value !== null && typeof value === 'object' && !(value instanceof Date)
        ? Object.entries(value).flatMap(([k, v]) => leaves(v, doc, [...path, k]))
        : [{ doc, path }]

  const load = (text: string): unknown[] => splitDocumentTexts(text).map(d => yaml.load(d.text) ?? null)

  it('reads every edited file as the original with exactly that value changed', () => {
    if (!haveFixtures) console.warn('../shared/fixtures is absent: random edits on the inline files only')
    const texts = [
      { file: FILE, text: KUSTOMIZATION },
      { file: FILE, text: KUSTOMIZATION.replace(/\n/g, '\r\n') },
      {
        file: FILE,
        text: `a: 1\n...\n---\nl: [x, 'y', "z"]\nm: {k: v, n: [1, 2]}\n---\n- - p\n  - q\n- r: |+\n    s\n\n`
      },
      ...(haveFixtures ? files.map(f => ({ file: f, text: readFixture(f) })) : [])
    ]
    for (let n = 0; n < 150; n++) {
      const { file, text } = pick(texts)
      const docs = load(text)
      // An empty document has no node to edit.
      const leaf = pick(docs.flatMap((d, i) => (d === null ? [] : leaves(d, i))))
      const parentPath = leaf.path.slice(0, -1)
      const expected = structuredClone(docs)
      const parent = parentPath.reduce((v: any, k) => v[k], expected[leaf.doc]) // eslint-disable-line @typescript-eslint/no-explicit-any
      const last = leaf.path[leaf.path.length - 1]
      const kind = Array.isArray(parent) ? pick(['set', 'block', 'insert', 'remove']) : pick(['set', 'block'])
      let e: Edit
      if (kind === 'insert') {
        const values = [pick(scalars), pick(scalars)]
        e = { op: 'insert', doc: leaf.doc, path: parentPath, after: last as number, values }
        parent.splice((last as number) + 1, 0, ...values)
      } else if (kind === 'remove') {
        e = { op: 'remove', doc: leaf.doc, path: leaf.path }
        parent.splice(last as number, 1)
      } else {
        const value = kind === 'block' ? pick(strings) : pick(scalars)
        e =
          kind === 'block'
            ? { op: 'block', doc: leaf.doc, path: leaf.path, value: value as string }
            : { op: 'set', doc: leaf.doc, path: leaf.path, value }
        if (leaf.path.length === 0) expected[leaf.doc] = value
        else parent[last] = value
      }
      const out = applyEdits(text, [e], file)
      expect({ case: n, edit: e, docs: load(out) }).toEqual({ case: n, edit: e, docs: expected })
    }
  })
})
