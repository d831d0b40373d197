import { collectObjects, lineOf, newParseMemo, parseStream } from '../../src/validate/objects.js'

const names = (c: ReturnType<typeof collectObjects>) =>
  c.objects.map(
    o => `${String(o.value.kind)}/${String((o.value.metadata as { name?: string } | undefined)?.name)}`
  )

describe('collectObjects', () => {
  it('reads the documents of YAML files and the items of a v1 List as objects', () => {
    const c = collectObjects([
      { path: 'a.yaml', content: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n# empty\n' },
      {
        path: 'list.yml',
        content:
          'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Namespace\n    metadata:\n      name: b\n'
      },
      { path: 'Chart.yaml', content: 'apiVersion: v2\nname: chart\nversion: 1.0.0\n' }
    ])
    expect(names(c)).toEqual(['Namespace/a', 'Namespace/b'])
    expect(c.objects.map(o => o.bundle)).toEqual(['a.yaml', 'list.yml'])
    expect(lineOf(c.objects[1], ['metadata', 'name'])).toBe(7)
  })

  it('expands the manifests of a ConfigMap data value into objects of their own bundle', () => {
    const content = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: addons',
      '  namespace: fleet',
      'data:',
      '  cni_network_config: |-',
      '    {"name": "k8s-pod-network"}',
      '  addons.yaml: |',
      '    apiVersion: v1',
      '    kind: Namespace',
      '    metadata:',
      '      name: inner',
      ''
    ].join('\n')
    const c = collectObjects([{ path: 'cm.yaml', content }])
    expect(names(c)).toEqual(['ConfigMap/addons', 'Namespace/inner'])
    const inner = c.objects[1]
    expect(inner.bundle).toBe('cm.yaml#fleet/addons/addons.yaml')
    expect(inner.file).toBe('cm.yaml')
    expect(lineOf(inner, ['metadata', 'name'])).toBe(13)
  })

  it('maps positions in a quoted data value to the data key line', () => {
    const content =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: addons\ndata:\n  "addons.yaml": "apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: inner\\n"\n'
    const c = collectObjects([{ path: 'cm.yaml', content }])
    expect(lineOf(c.objects[1], ['metadata', 'name'])).toBe(6)
  })

  it('reports a data value that does not parse at its file line and keeps the file objects', () => {
    const content =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: addons\ndata:\n  a.yaml: |\n    apiVersion: v1\n    kind: [x\n'
    const c = collectObjects([{ path: 'cm.yaml', content }])
    expect(names(c)).toEqual(['ConfigMap/addons'])
    expect(c.failures.map(f => [f.file, f.line])).toEqual([['cm.yaml', 9]])
  })

  it('points a missing field at the deepest part of its path the object has', () => {
    const c = collectObjects([
      {
        path: 'd.yaml',
        content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 1\n'
      }
    ])
    expect(lineOf(c.objects[0], ['spec', 'selector', 'matchLabels'])).toBe(5)
  })

  it('leaves kustomize patches and generator inputs out of the objects but keeps their documents', () => {
    const c = collectObjects([
      {
        path: 'k/kustomization.yaml',
        content: 'patches:\n  - path: p.yaml\nconfigMapGenerator:\n  - name: v\n    files: [values.yaml]\n'
      },
      { path: 'k/p.yaml', content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n' },
      { path: 'k/values.yaml', content: 'kind: DaemonSet\nmetadata: {}\n' }
    ])
    expect(c.objects).toEqual([])
    expect([...c.documents.keys()].sort()).toEqual(['k/kustomization.yaml', 'k/p.yaml', 'k/values.yaml'])
  })
})

describe('parseStream with the memo of a run', () => {
  // Long streams (past the length texts are their own key) are looked up whole.
  const stream = (name: string, filler: string) =>
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      `  name: ${name}`,
      'data:',
      `  a: ${filler.repeat(20_000)}`,
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      `  name: ${name}`,
      ''
    ].join('\n')

  it('reads a stream of the same length with other text as its own', () => {
    const memo = newParseMemo()
    const one = parseStream(stream('one', 'x'), 'a.yaml', memo)
    const two = parseStream(stream('two', 'x'), 'a.yaml', memo)
    const other = parseStream(stream('one', 'y'), 'a.yaml', memo)
    expect(stream('one', 'x').length).toBe(stream('two', 'x').length)
    const names = (r: ReturnType<typeof parseStream>) =>
      r.documents.map(d => (d.value as { metadata: { name: string } }).metadata.name)
    expect([names(one), names(two), names(other)]).toEqual([
      ['one', 'one'],
      ['two', 'two'],
      ['one', 'one']
    ])
    expect((other.documents[0].value as { data: { a: string } }).data.a.startsWith('y')).toBe(true)
  })

  it('knows a stored stream by the digest given with it, and reads a stream of another digest as its own', () => {
    const memo = newParseMemo()
    const names = (r: ReturnType<typeof parseStream>) =>
      r.documents.map(d => (d.value as { metadata: { name: string } }).metadata.name)
    const one = parseStream(stream('one', 'x'), 'a.yaml', memo, 'digest-one')
    const two = parseStream(stream('two', 'x'), 'b.yaml', memo, 'digest-two')
    const again = parseStream(stream('one', 'x'), 'c.yaml', memo, 'digest-one')
    expect([names(one), names(two), names(again)]).toEqual([
      ['one', 'one'],
      ['two', 'two'],
      ['one', 'one']
    ])
    // Found again, not read again: the values are those read the first time.
    expect(again.documents[0].value).toBe(one.documents[0].value)
    expect(again.documents.map(d => d.file)).toEqual(['c.yaml', 'c.yaml'])
    // Without a digest, the text itself is compared.
    expect(names(parseStream(stream('two', 'x'), 'd.yaml', memo))).toEqual(['two', 'two'])
  })

  it('gives the same text in another file that file, and its errors each time', () => {
    const memo = newParseMemo()
    const text = stream('one', 'x')
    parseStream(text, 'a.yaml', memo)
    const again = parseStream(text, 'b.yaml', memo)
    expect(again.documents.map(d => [d.file, d.index, d.startLine])).toEqual([
      ['b.yaml', 0, 1],
      ['b.yaml', 1, 8]
    ])
    const broken = `${text}---\nkind: [\n`
    expect(parseStream(broken, 'a.yaml', memo).errors[0].message).toContain('a.yaml')
    expect(parseStream(broken, 'b.yaml', memo).errors[0].message).toContain('b.yaml')
  })
})
