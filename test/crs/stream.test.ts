import { readFileSync } from 'node:fs'
import path from 'node:path'
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml'
import { readConfigMaps } from '../../src/crs/configmap.js'
import { parseStream } from '../../src/crs/stream.js'
import { createConfigMap } from '../../src/crs/configmap.js'
import { calicoYaml, describeIfFixtures, fixturesDir, replaceOnce } from '../calico/fixtures.js'

/**
 * ConfigMap files are read with their big literal blocks cut out of what the parser sees, each block's value worked
 * out once per distinct block: the node tree (positions, values, styles) and the line counter must be exactly the
 * parser's, for every way people and tools write such a file.
 */

/** The whole node tree of a stream, as positions, types and values, in order. */
function shape(docs: ReturnType<typeof parseAllDocuments>): unknown[] {
  const out: unknown[] = []
  const walk = (node: unknown): void => {
    if (isPair(node)) {
      walk(node.key)
      walk(node.value)
      return
    }
    if (!node || typeof node !== 'object') return out.push(node ?? null) as unknown as void
    const n = node as { range?: number[]; type?: string }
    out.push([n.range, n.type, isScalar(node) ? node.value : undefined])
    if (isMap(node) || isSeq(node)) node.items.forEach(walk)
  }
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    out.push(d.errors.length)
    walk(d.contents)
  }
  return out
}

function expectAsParsed(text: string): void {
  const lines = new LineCounter()
  const whole = parseAllDocuments(text, { lineCounter: lines, keepSourceTokens: false })
  const cut = parseStream(text)
  expect(shape(cut.docs as never)).toEqual(shape(whole))
  // Every line's first, second and last character, and the end of the text.
  const offsets = [0, text.length]
  for (const start of lines.lineStarts) offsets.push(start, start + 1, start - 1)
  const at = (l: { linePos(o: number): { line: number; col: number } }) =>
    offsets.filter(o => o >= 0 && o <= text.length).map(o => l.linePos(o))
  expect(at(cut.lines)).toEqual(at(lines))
}

const provenance = { component: 'calico', version: '3.30.7' }

/** The file with its data block's content indented two more columns (the same value). */
function deeperBlock(file: string): string {
  const start = file.indexOf(': |\n') + 4
  const end = file.indexOf('\nkind: ConfigMap')
  const block = file
    .slice(start, end)
    .split('\n')
    .map(l => (l === '' ? l : `  ${l}`))
    .join('\n')
  return file.slice(0, start) + block + file.slice(end)
}

describeIfFixtures('ConfigMap files read without the parser reading their big blocks', () => {
  const manifest = () => calicoYaml('v3.30.7')
  const kubectl = (name: string, value: string) =>
    createConfigMap(name, 'fleet', [{ key: 'calico.yaml', value }], provenance).text

  it('gives the tree and lines the parser gives, for the ways such files are written', () => {
    const file = kubectl('crs-cm-calico-c0', manifest())
    const header = '  calico.yaml: |\n'
    expect(file).toContain(header)
    const variants = [
      file,
      file.replace(header, '  calico.yaml: |-\n'),
      file.replace(header, '  calico.yaml: |+\n').replace('\nkind: ConfigMap', '\n\n\nkind: ConfigMap'),
      file.replace('\nkind: ConfigMap', '\n  \n\n# a comment\nkind: ConfigMap'),
      file.replace('\nkind: ConfigMap', '\n      \nkind: ConfigMap'),
      file.replace('\nkind: ConfigMap', '\n  # left of the content\nkind: ConfigMap'),
      file.replace('\nkind: ConfigMap', '\n\t\nkind: ConfigMap'),
      file.replace(header, `${header}\n`),
      file.replace(header, '  calico.yaml: | # a comment\n'),
      // Lines of white space inside the content, deeper than it, as deep, and a tab after short indentation.
      replaceOnce(file, '\n    kind: PodDisruptionBudget', '\n        \n    kind: PodDisruptionBudget'),
      replaceOnce(file, '\n    kind: PodDisruptionBudget', '\n    \t\n    kind: PodDisruptionBudget'),
      replaceOnce(file, '\n    kind: PodDisruptionBudget', '\n  \t\n    kind: PodDisruptionBudget'),
      // Content indented by 4, a file without a final newline, carriage returns, two ConfigMaps in one file.
      deeperBlock(file),
      file.replace(/\n$/, ''),
      file.replace(/\n/g, '\r\n'),
      `${file}---\n${kubectl('crs-cm-calico-c1', manifest())}`,
      // A block that is not a data value: in a comment, and inside another scalar.
      `# data: |\n${file}`,
      file.replace('data:\n', 'data:\n  note: "a: |\n    quoted"\n')
    ]
    for (const v of variants) expectAsParsed(v)
  })

  it("reads each cluster's ConfigMap as the parser does when its block begins with lines read before", () => {
    // A Flux ConfigMap per cluster: the same install, then the cluster's own sync objects.
    const sync = (c: string) =>
      `---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${c}\nspec:\n  path: ./clusters/${c}\n`
    const flux = (c: string, tail = sync(c)) => kubectl(`crs-cm-flux-${c}`, `${manifest()}${tail}`)
    readConfigMaps(flux('c0'), 'c0.yaml')
    for (const [c, tail] of [
      ['c1', sync('c1')],
      ['c22', `${sync('c22')}\n\n`],
      ['c3', `${sync('c3')}---\nkind: Second\n`],
      // The install alone: the block ends where the lines read before end.
      ['c4', ''],
      ['c5', '  more-indented: true\n']
    ]) {
      const file = flux(c, tail)
      expectAsParsed(file)
      const [cm] = readConfigMaps(file, `${c}.yaml`)
      expect(cm.name.value).toBe(`crs-cm-flux-${c}`)
      expect(cm.data[0].value).toBe(`${manifest()}${tail}`)
    }
  })

  it('reads every line of a ConfigMap the same as a whole parse does', () => {
    const seed = readFileSync(
      path.join(fixturesDir, 'seed-repo/infrastructure/control-plane-cluster/capi/cm-calico-v3.21.yaml'),
      'utf8'
    )
    expectAsParsed(seed)
  })

  it('shares one value between ConfigMaps holding the same block, and tells blocks apart by text and indentation', () => {
    const a = readConfigMaps(kubectl('crs-cm-calico-c0', manifest()), 'a.yaml')[0]
    const b = readConfigMaps(kubectl('crs-cm-calico-c1', manifest()), 'b.yaml')[0]
    expect(b.name.value).toBe('crs-cm-calico-c1')
    expect(b.data[0].value).toBe(manifest())
    expect(a.data[0].value).toBe(b.data[0].value)

    // The same value indented deeper: a different block text, the same value, other positions.
    const deeper = deeperBlock(kubectl('crs-cm-calico-c2', manifest()))
    const c = readConfigMaps(deeper, 'c.yaml')[0]
    expect(c.data[0].value).toBe(manifest())
    expect(c.data[0].span.end).toBeGreaterThan(a.data[0].span.end)

    // One character more in the block: not the cached value.
    const changed = replaceOnce(manifest(), 'kind: PodDisruptionBudget', 'kind: PodDisruptionBudgeT')
    const d = readConfigMaps(kubectl('crs-cm-calico-c3', changed), 'd.yaml')[0]
    expect(d.data[0].value).toBe(changed)
    // The same block under a key at another indentation reads as the parser reads it there.
    const shifted = `list:\n- ${kubectl('x', manifest()).replace(/\n/g, '\n  ').trimEnd()}\n`
    expectAsParsed(shifted)
  })

  it('numbers the lines of a literal block when asked, as the file has them', () => {
    const text = kubectl('crs-cm-calico-c0', manifest())
    const entry = readConfigMaps(text, 'a.yaml')[0].data[0]
    const lines = text.split('\n')
    expect(entry.lineStarts).toHaveLength(manifest().split('\n').length - 1)
    expect(lines[entry.lineStarts[0] - 1]).toBe(`    ${manifest().split('\n')[0]}`)
    expect(entry.lineStarts[entry.lineStarts.length - 1]).toBe(entry.line + entry.lineStarts.length)
  })
})
