import yaml from 'js-yaml'
import { parseDocument, isMap, isScalar, isSeq, type Node } from 'yaml'
import {
  knownPrefixReuse,
  loadFast,
  locateFast,
  SharedBlocks,
  UNSUPPORTED
} from '../../src/yaml/fast-load.js'
import { splitDocumentTexts } from '../../src/yaml/documents.js'
import { allFixtureFiles, haveFixtures } from '../validate/corpus/fixtures.js'

const jsYaml = (text: string): unknown => yaml.load(text, { json: true }) ?? null

/** Texts the fast loader must read exactly as js-yaml does. */
const SAME_AS_JS_YAML = [
  'a: 1\nb: -1.5e3\nc: 0x1F\nd: 0o17\ne: .inf\nf: .NaN\ng: ~\nh: Null\ni: TRUE\nj: yes\nk: on\nl: 2021-01-01\nm: 012',
  'a: "tab\\tsmile\\u263A \\x41"\nb: \'it\'\'s\'\nc: "folded\n  line\n\n  para"\nd: "joined\\\n  here"',
  'a: |\n  x\n\n  y\nb: |-\n  x\nc: |+\n  x\n\nd: >\n  one\n  two\n\n  three\n    kept\n  four\ne: |2\n    two more\n',
  'description: A long\n  plain text that\n\n  goes on.\ntype: string\nurl: http://x:80/y#z\nk: a#b',
  'list:\n- a\n- b: 1\n  c: 2\n- - x\n  - y\n-\n- "q"\nnested:\n  - k: v\n    l:\n    - 1\n',
  'flow: [a, "b", 1, {x: y, z: [1, 2]}]\nempty: {}\nnone: []\n"quoted key": 1\n\'single\': 2\n1: int key\ntrue: bool key',
  '# comment\na: 1 # trailing\n\n  # indented comment\nb:\n  # before\n  c: 2',
  'a:\n  b: |\n    ---\n    ...\n  c: "x\n    --- y"\n---x: 1\n...y: 2\nz: 3',
  'a: |\n  one\n\n   two\n  \n    \n  three\n\nb: |+\n\n  kept\n\n\nc: |\n\n\n  late\nd: |-\n    deep\n    e: no\n',
  'a: plain\n  continued\nb:\n  c: x\n\n  d: y\ne:\n- f\n-  g\n- h: i\n  j: k\nl: m'
]

/** Texts outside what the fast loader reads; js-yaml decides (and reports errors with positions). */
const LEFT_TO_JS_YAML = [
  'a: &x 1\nb: *x',
  'a: !!str 1',
  '? a\n: b',
  '<<: {a: 1}',
  'a:\tb',
  'a: b\r\n',
  '%YAML 1.2\n---\na: 1',
  'a: [1,\n  2]',
  'a: 1\n  b: 2',
  'a: b: c',
  'a: "unterminated',
  'just a scalar',
  'a: "x\n---\ny"',
  'a: 1\n---\nb: 2',
  'a: 1\n...\n',
  'a: |\n  x\n--- y\n',
  "a: 'x\n... y'",
  'a: b\n  c\n---',
  '---a: 1',
  '# first\n\n---a: 1\nb: 2',
  '- a:\n  - x\n  - # empty\n- b',
  '# only a comment,\t with a tab'
]

describe('loadFast', () => {
  it.each(SAME_AS_JS_YAML)('reads %j as js-yaml does', text => {
    const value = loadFast(text)
    expect(value).not.toBe(UNSUPPORTED)
    expect(value).toStrictEqual(jsYaml(text))
  })

  it.each(LEFT_TO_JS_YAML)('leaves %j to js-yaml', text => {
    expect(loadFast(text)).toBe(UNSUPPORTED)
  })

  it('reads a document of only comments as null', () => {
    expect(loadFast('# nothing\n\n')).toBeNull()
  })

  // Small excerpts of real documents, damaged at random: whatever the fast loader accepts, js-yaml must read
  // the same way; whatever js-yaml rejects, the fast loader must leave to it. FAST_LOAD_FUZZ raises the count
  // for a longer local run.
  ;(haveFixtures ? it : it.skip)('reads damaged documents as js-yaml does, or leaves them to it', () => {
    const random = seeded(20260128)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]
    const documents = allFixtureFiles().flatMap(f => splitDocumentTexts(f.content).map(d => d.text))
    const iterations = Number(process.env.FAST_LOAD_FUZZ ?? 4000)
    let handled = 0
    for (let i = 0; i < iterations; i++) {
      const lines = pick(documents).split('\n')
      const from = Math.floor(random() * lines.length)
      const excerpt = lines.slice(from, from + 1 + Math.floor(random() * 40))
      // Taken out of its document, the excerpt starts at column 0 so that it stays mostly readable.
      const indent = /^ */.exec(excerpt[0])?.[0].length ?? 0
      let text = excerpt.map(l => (l.startsWith(' '.repeat(indent)) ? l.slice(indent) : l)).join('\n')
      for (let m = 1 + Math.floor(random() * 3); m > 0; m--) text = mutate(text, random, pick)
      if (readsAsJsYaml(text, loadFast(text))) handled++
    }
    // The excerpts must mostly stay readable, or the comparison would prove little. (Flattened to column 0, an
    // excerpt often holds a key twice, which is left to js-yaml to refuse: about a fifth stay readable.)
    expect(handled).toBeGreaterThan(iterations / 5)
  })

  ;(haveFixtures ? it : it.skip)('points at every key and item where the yaml package puts it', () => {
    let compared = 0
    const texts = new Set(allFixtureFiles().flatMap(f => splitDocumentTexts(f.content).map(d => d.text)))
    // Documents of a few kilobytes: each lookup reads the document again.
    for (const text of [...texts].filter(t => t.length < 2500)) {
      const value = loadFast(text)
      if (value === UNSUPPORTED) continue
      const tree = (parseDocument(text).contents as Node | null) ?? null
      for (const path of everyPath(value, []))
        for (const at of ['key', 'value'] as const) {
          const fast = locateFast(text, path, at)
          if (fast === UNSUPPORTED) continue
          expect({ path, at, offset: fast }).toEqual({ path, at, offset: yamlOffset(tree, path, at) })
          compared++
        }
    }
    expect(compared).toBeGreaterThan(2000)
  })

  ;(haveFixtures ? it : it.skip)(
    'reads every document of the upstream fixtures, identically to js-yaml',
    () => {
      let documents = 0
      for (const f of allFixtureFiles()) {
        for (const d of splitDocumentTexts(f.content)) {
          const value = loadFast(d.text)
          expect({ file: f.path, line: d.startLine, handled: value !== UNSUPPORTED }).toEqual({
            file: f.path,
            line: d.startLine,
            handled: true
          })
          expect(value).toStrictEqual(jsYaml(d.text))
          documents++
        }
      }
      expect(documents).toBeGreaterThan(600)
    }
  )
})

describe('loadFast of long literal blocks that begin alike', () => {
  // A fleet's Flux ConfigMaps: the same install stream in every cluster's, then the cluster's own sync objects.
  const install = Array.from(
    { length: 40 },
    (_, i) =>
      `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: controller-${i}\n  namespace: flux-system\n  annotations:\n    note: ${'a long annotation value of this controller '.repeat(40)}\n`
  ).join('---\n')
  const configMap = (tail: string, after = 'kind: ConfigMap\nmetadata:\n  name: flux\n') =>
    `apiVersion: v1\ndata:\n  flux.yaml: |\n${`---\n${install}---\n${tail}`.replace(/^(?=.)/gm, '    ')}${after}`

  it('reads a block that begins with lines read before as js-yaml does, without reading those lines again', () => {
    loadFast(configMap('kind: Kustomization\nmetadata:\n  name: c0\nspec:\n  path: ./clusters/c0\n'))
    const before = knownPrefixReuse()
    for (const c of ['c1', 'c2']) {
      const text = configMap(`kind: Kustomization\nmetadata:\n  name: ${c}\nspec:\n  path: ./clusters/${c}\n`)
      expect(loadFast(text)).toStrictEqual(jsYaml(text))
    }
    expect(knownPrefixReuse().reused).toBe(before.reused + 2)
    expect(knownPrefixReuse().reusedChars - before.reusedChars).toBeGreaterThan(2 * 64 * 1024)
  })

  it.each([
    ['the separator is the last line of the block', '', 'kind: ConfigMap\n'],
    ['blank lines follow, clipped', 'kind: A\n\n\n', 'kind: ConfigMap\n'],
    ['a more-indented line follows', '  indented: true\nkind: B\n', 'kind: ConfigMap\n'],
    ['the document ends there', 'kind: C\n', ''],
    ['the document ends without a newline', 'kind: D', ''],
    ['a comment follows at the key', 'kind: E\n', '# done\nkind: ConfigMap\n'],
    ['the next key is at the same indentation as the block header', 'kind: F\n', '  other: x\n']
  ])('reads on from a known prefix as js-yaml does when %s', (_, tail, after) => {
    loadFast(configMap('kind: First\n'))
    const text = configMap(tail, after).replace(/\n$/, after === '' && !tail.endsWith('\n') ? '' : '\n')
    const before = knownPrefixReuse().reused
    expect(loadFast(text)).toStrictEqual(jsYaml(text))
    expect(knownPrefixReuse().reused).toBe(before + 1)
  })

  it('reads keep- and strip-chomped blocks that begin with a known prefix as js-yaml does', () => {
    for (const indicator of ['|+', '|-']) {
      const text = (tail: string) => configMap(tail).replace('flux.yaml: |', `flux.yaml: ${indicator}`)
      loadFast(text('kind: First\n\n'))
      for (const tail of ['kind: Second\n\n\n', 'kind: Third\n'])
        expect(loadFast(text(tail))).toStrictEqual(jsYaml(text(tail)))
    }
  })

  it('leaves a text to js-yaml when its prefix holds a character the loader does not read, every time', () => {
    const text = configMap('kind: Tabbed\n').replace('controller-3\n', 'controller-3\t\n')
    expect(loadFast(text)).toBe(UNSUPPORTED)
    expect(loadFast(text)).toBe(UNSUPPORTED)
  })
})

describe('loadFast with shared blocks', () => {
  const schema = (extra: string) =>
    `spec:\n  schema:\n    properties:\n${Array.from({ length: 12 }, (_, i) => `      field${i}:\n        description: The field number ${i} of this test schema.\n        type: string\n`).join('')}${extra}`

  it('reuses a block read before and returns what js-yaml returns', () => {
    const shared = new SharedBlocks()
    const first = schema('')
    const second = `kind: Other\n${schema('')}`
    expect(loadFast(first, shared)).toStrictEqual(jsYaml(first))
    const value = loadFast(second, shared) as { spec: unknown }
    expect(value).toStrictEqual(jsYaml(second))
    expect(shared.reused).toBeGreaterThan(0)
    // The same text gives the very same (read-only) value.
    expect(value.spec).toBe((loadFast(first, shared) as { spec: unknown }).spec)
  })

  it.each([
    ['a block that continues with a more-indented line', '      field12:\n        type: integer\n'],
    ['a block that continues with a line at its own indentation', '    required:\n    - field1\n'],
    ['a block followed by a comment and more of it', '      # note\n      field13: {}\n'],
    ['a block whose last line goes on', '      field99: x'],
    ['a block followed by a document marker', '---\n']
  ])('does not reuse a block when the text goes on differently: %s', (_, extra) => {
    const shared = new SharedBlocks()
    const base = schema('')
    loadFast(base, shared)
    const text = schema(extra)
    const value = loadFast(text, shared)
    if (value === UNSUPPORTED) expect(() => jsYaml(text)).toThrow()
    else expect(value).toStrictEqual(jsYaml(text))
  })

  it('does not reuse a block whose text ended its document mid-line where this one goes on', () => {
    const shared = new SharedBlocks()
    const base = schema('').replace(/\n$/, '')
    loadFast(base, shared)
    const text = `${base}suffix\n`
    expect(loadFast(text, shared)).toStrictEqual(jsYaml(text))
  })

  it('keeps trailing blank lines of a keep-chomped scalar (`|+`) inside the block they belong to', () => {
    const shared = new SharedBlocks()
    const block = (blank: string) =>
      `a:\n  b:\n    script: |+\n      ${'echo one two three four five six seven eight nine ten\n      '.repeat(6)}done\n${blank}c: 1\n`
    for (const text of [block('\n'), block('\n\n\n'), block('')]) {
      expect(loadFast(text, shared)).toStrictEqual(jsYaml(text))
    }
  })

  it('keeps a few blocks per opening, so that a fleet of alike blocks does not make every lookup longer', () => {
    const shared = new SharedBlocks()
    // 500 tenants: the same first lines, a different image further down.
    const tenant = (i: number) =>
      `spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    spec:\n      containers:\n      - name: web\n        image: ghcr.io/example/web:1.${i}.0\n        ports:\n        - containerPort: 8080\n        resources:\n          requests:\n            cpu: 100m\n            memory: 64Mi\n`
    for (let i = 0; i < 500; i++) expect(loadFast(tenant(i), shared)).toStrictEqual(jsYaml(tenant(i)))
    const longest = Math.max(...[...shared.byOpening.values()].map(list => list.length))
    expect(longest).toBe(8)
    // The latest ones are kept: the tenant read last is still reused.
    const before = shared.reused
    expect(loadFast(`kind: Again\n${tenant(499)}`, shared)).toStrictEqual(
      jsYaml(`kind: Again\n${tenant(499)}`)
    )
    expect(shared.reused).toBe(before + 1)
  })

  it('still leaves a reused block nested too deeply to js-yaml', () => {
    const shared = new SharedBlocks()
    const deep = (levels: number) =>
      Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}k${i}:\n`).join('') +
      `${'  '.repeat(levels)}leaf: ${'x'.repeat(300)}\n`
    const shallow = deep(60)
    expect(loadFast(shallow, shared)).toStrictEqual(jsYaml(shallow))
    // The same 60-level block, 40 levels further down: past the loader's depth limit.
    const inner = shallow
      .split('\n')
      .map(l => (l ? '  '.repeat(40) + l : l))
      .join('\n')
    const text = deep(40).replace(/ *leaf: x+\n$/, '') + inner
    expect(loadFast(text, shared)).toBe(UNSUPPORTED)
  })

  ;(haveFixtures ? it : it.skip)(
    'reads every document of the upstream fixtures through one memo, identically to js-yaml',
    () => {
      const shared = new SharedBlocks()
      let chars = 0
      for (const f of allFixtureFiles()) {
        for (const d of splitDocumentTexts(f.content)) {
          expect(loadFast(d.text, shared)).toStrictEqual(jsYaml(d.text))
          chars += d.text.length
        }
      }
      // The fixtures hold seven Flux and six Calico releases: most of their text is blocks seen before.
      expect(shared.reusedChars / chars).toBeGreaterThan(0.5)
    }
  )

  // Damaged variants of real documents read after the originals, through the same memo: a reused block must never
  // stand in for text that differs, however close.
  ;(haveFixtures ? it : it.skip)(
    'reads damaged documents and their originals, in either order, as js-yaml does',
    () => {
      const random = seeded(20261128)
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]
      // Whole documents, so that the damage sits among blocks the memo holds; large CRDs would only slow the test.
      const documents = allFixtureFiles()
        .flatMap(f => splitDocumentTexts(f.content).map(d => d.text))
        .filter(t => t.length > 1000 && t.length < 40_000)
      const shared = new SharedBlocks()
      const iterations = Number(process.env.FAST_LOAD_FUZZ ?? 1500)
      let handled = 0
      for (let i = 0; i < iterations; i++) {
        const original = pick(documents)
        let damaged = original
        for (let m = 1 + Math.floor(random() * 2); m > 0; m--) damaged = mutate(damaged, random, pick)
        // Half the time the damaged text fills the memo and the original is the one read from it.
        const [first, text] = i % 2 === 0 ? [original, damaged] : [damaged, original]
        loadFast(first, shared)
        if (readsAsJsYaml(text, loadFast(text, shared))) handled++
      }
      expect(handled).toBeGreaterThan(iterations / 2)
      expect(shared.reused).toBeGreaterThan(iterations)
    }
  )
})

/**
 * What the fast loader made of `text` against js-yaml: text js-yaml rejects must have been left to it; text both
 * read must read the same. True when a value was compared.
 */
function readsAsJsYaml(text: string, fast: unknown): boolean {
  let expected: unknown
  try {
    expected = jsYaml(text)
  } catch {
    expect({ text, fast }).toEqual({ text, fast: UNSUPPORTED })
    return false
  }
  if (fast === UNSUPPORTED) return false
  expect({ text, value: fast }).toStrictEqual({ text, value: expected })
  return true
}

/** A small deterministic generator (mulberry32): the same damage on every run. */
function seeded(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PIECES = [
  ' ',
  '  ',
  '\n',
  ':',
  ': ',
  '#',
  ' #',
  '-',
  '- ',
  "'",
  '"',
  '\\',
  '|',
  '>',
  '|-',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a',
  '*a',
  '!',
  '?',
  '.',
  '---',
  '...',
  '\t',
  '\r',
  'x',
  '0',
  '1e3',
  'null',
  '~',
  '<<',
  '\u00e9',
  '\ufeff'
]

/** One random edit: a character dropped, a piece inserted, a line doubled, dropped or re-indented. */
function mutate(text: string, random: () => number, pick: <T>(items: readonly T[]) => T): string {
  const at = Math.floor(random() * (text.length + 1))
  switch (Math.floor(random() * 6)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1)
    case 1:
    case 2:
      return text.slice(0, at) + pick(PIECES) + text.slice(at)
    default: {
      const lines = text.split('\n')
      const i = Math.floor(random() * lines.length)
      const r = random()
      if (r < 0.3) lines.splice(i, 0, lines[i])
      else if (r < 0.5) lines.splice(i, 1)
      else if (r < 0.8) lines[i] = ' '.repeat(1 + Math.floor(random() * 4)) + lines[i]
      else lines[i] = lines[i].replace(/^ {1,4}/, '')
      return lines.join('\n')
    }
  }
}

/** Every path into a value, plus one step past each end (a missing key, an index past the last, below a scalar). */
function everyPath(value: unknown, prefix: (string | number)[]): (string | number)[][] {
  const out = [prefix]
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...everyPath(v, [...prefix, i])))
    out.push([...prefix, value.length])
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...everyPath(v, [...prefix, k]))
    out.push([...prefix, 'missing'])
  } else out.push([...prefix, 'below'])
  return out
}

/** The offset positions are reported at, from the yaml package's node tree (what positionOf falls back to). */
function yamlOffset(tree: Node | null, path: (string | number)[], at: 'key' | 'value'): number {
  let node = tree
  let best = tree
  for (let i = 0; i < path.length; i++) {
    let next: Node | null = null
    let key: Node | null = null
    if (node && isMap(node)) {
      const pair = node.items.find(p => String(isScalar(p.key) ? p.key.value : p.key) === String(path[i]))
      if (pair) {
        key = pair.key as Node
        next = (pair.value as Node | null) ?? key
      }
    } else if (node && isSeq(node) && typeof path[i] === 'number')
      next = (node.items[path[i] as number] as Node) ?? null
    if (!next) break
    best = i === path.length - 1 && at === 'value' ? next : (key ?? next)
    node = next
  }
  return best?.range?.[0] ?? 0
}
