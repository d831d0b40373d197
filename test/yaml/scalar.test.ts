import jsyaml from 'js-yaml'
import { parse } from 'yaml'
import {
  dataScalar,
  doubleQuoted,
  inlineScalar,
  isPlainSafe,
  literalBlock,
  literalBlockProblem
} from '../../src/yaml/scalar.js'

// A value under `  key: ` read back by both YAML libraries the project uses.
const readBack = (scalar: string): unknown[] => {
  const text = `data:\n  key: ${scalar.endsWith('\n') ? scalar : scalar + '\n'}next: 1\n`
  return [
    (jsyaml.load(text) as { data: { key: unknown } }).data.key,
    (parse(text) as { data: { key: unknown } }).data.key
  ]
}

const tricky = [
  'a\nb\n',
  'no final newline',
  'two\nlines',
  'keep\n\n\n',
  '\n',
  '\n\nleading empty lines\n',
  '  leading spaces\nthen text\n',
  'x\n  \n',
  'trailing space \nnext\n',
  'line ending in spaces   \n',
  '---\n# comment\nkind: X\n...\n',
  'a: "quoted"\n  b: |\n    nested block\n',
  'unicode é € 😀\n',
  '#not a comment\n',
  'x\n\n  indented after empty\n'
]

describe('literal blocks', () => {
  it.each(tricky.map(s => [JSON.stringify(s), s]))('%s reads back exactly', (_, s) => {
    const block = literalBlock(s, 2, 2)
    expect(block).toBeDefined()
    expect(readBack(block!)).toEqual([s, s])
  })

  it('reads back exactly at every indentation from 1 to 9', () => {
    for (let indent = 1; indent <= 9; indent++)
      for (const s of tricky) expect(readBack(literalBlock(s, 2, indent)!)).toEqual([s, s])
  })

  it('uses go-yaml indicators: `-` without a final newline, `+` for several, a digit for a leading space', () => {
    expect(literalBlock('a\n', 2, 2)).toBe('|\n    a\n')
    expect(literalBlock('a', 2, 2)).toBe('|-\n    a\n')
    expect(literalBlock('a\n\n', 2, 2)).toBe('|+\n    a\n\n')
    expect(literalBlock(' a\n', 2, 2)).toBe('|2\n     a\n')
    expect(literalBlock('\na', 0, 4)).toBe('|4-\n\n    a\n')
  })

  it('refuses text YAML cannot carry as a block, with the reason and line', () => {
    expect(literalBlockProblem('a\n\tb\n')).toBe('it holds a tab (line 2 of the value)')
    expect(literalBlockProblem('a\r\nb\n')).toBe('it holds a carriage return (line 1 of the value)')
    expect(literalBlockProblem('a\n\n\x01')).toBe(
      'it holds the control character U+0001 (line 3 of the value)'
    )
    expect(literalBlockProblem('a\u2028b')).toBe('it holds the line separator U+2028 (line 1 of the value)')
    expect(literalBlockProblem('a\u0085b')).toBe('it holds the line separator U+0085 (line 1 of the value)')
    expect(literalBlockProblem('plain text\nwith 😀 and trailing space \n')).toBeUndefined()
    expect(literalBlock('a\tb\n', 2, 2)).toBeUndefined()
    expect(literalBlock('', 2, 2)).toBeUndefined()
  })

  it('accepts printable text beyond ASCII, and finds a problem after it at its line', () => {
    expect(literalBlockProblem('description: it’s “quoted” — é, 中文, \u00a0 😀\n')).toBeUndefined()
    expect(literalBlockProblem('é\n😀\nok\n\u00a0\tb')).toBe('it holds a tab (line 4 of the value)')
    expect(literalBlockProblem('😀\n\ud800')).toBe(
      'it holds the control character U+D800 (line 2 of the value)'
    )
  })

  it('indents every line of a megabyte value but the empty ones, in time linear in its size', () => {
    const value = 'key: value ’\n\n  nested: x\n'.repeat(50_000)
    const start = performance.now()
    const block = literalBlock(value, 2, 2)!
    expect(performance.now() - start).toBeLessThan(1000)
    expect(block.startsWith('|\n    key: value ’\n\n      nested: x\n    key:')).toBe(true)
    expect(readBack(block)).toEqual([value, value])
  })
})

describe('data values', () => {
  it('are literal blocks, also where kubectl would quote (a line ending in a space)', () => {
    expect(dataScalar('a \nb\n', 2, 10)).toEqual({ text: '|\n    a \n    b\n', block: true })
  })

  it('stay double-quoted when they cannot be blocks, and say why', () => {
    const r = dataScalar('a\n\tb\n', 2, 10)
    expect(r).toEqual({
      text: '"a\\n\\tb\\n"',
      block: false,
      reason: 'kept as a double-quoted string: it holds a tab (line 2 of the value)'
    })
    expect(readBack(r.text)).toEqual(['a\n\tb\n', 'a\n\tb\n'])
  })
})

describe('double-quoted scalars', () => {
  it('fold past column 80 and read back exactly', () => {
    const s =
      Array.from({ length: 40 }, (_, i) => `word${i}  double  spaced\t\x01 é 😀 "q" \\`).join(' ') + '\n'
    const q = doubleQuoted(s, 7, 4)
    expect(q.split('\n').length).toBeGreaterThan(5)
    expect(readBack(q)).toEqual([s, s])
  })
})

describe('plain scalars', () => {
  it.each([
    ['calico-cni', true],
    ['3.31.7', true],
    ['https://example.com/a/b.yaml', true],
    ['2.9', false],
    ['123', false],
    ['1e3', false],
    ['0x1f', false],
    ['yes', false],
    ['on', false],
    ['null', false],
    ['~', false],
    ['2024-03-21', false],
    ['a: b', false],
    ['a #b', false],
    ['-x', true],
    ['- x', false],
    ['', false],
    [' lead', false],
    ['trail ', false],
    ['@x', false],
    ['é', false]
  ])('%s plain: %s', (s, plain) => {
    expect(isPlainSafe(s)).toBe(plain)
    const text = inlineScalar(s, 7)
    expect(readBack(text)).toEqual([s, s])
  })
})

describe('long data values', () => {
  it('render as a value of their own length would, wherever they are placed, however often', () => {
    const value = 'apiVersion: v1\nkind: ConfigMap\n# a long manifest\n'.repeat(2_000)
    const once = (parentIndent: number, column: number, indent: number) =>
      dataScalar(value, parentIndent, column, indent)
    // Rendered for one placing, then asked for others: each is the text for its own placing.
    const a = once(2, 15, 2)
    const b = once(4, 17, 2)
    const c = once(2, 15, 4)
    expect(b.text).toBe(a.text.replace(/^ {4}/gm, '      '))
    expect(c.text).toBe(a.text.replace(/^ {4}/gm, '      '))
    expect(once(2, 15, 2)).toEqual(a)
    // Another value of the same length is not the first one's rendering.
    const other = value.replace('# a long manifest', '# a lonG manifest')
    expect(dataScalar(other, 2, 15, 2).text).toContain('# a lonG manifest')
    // A value that cannot be a block keeps its reason.
    const tabbed = `${value}\tend\n`
    expect(dataScalar(tabbed, 2, 15, 2).reason).toMatch(/tab/)
    expect(dataScalar(tabbed, 2, 15, 2).block).toBe(false)
  })
})

describe('data values that start with a shared text', () => {
  const install = '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n\n'.repeat(1_000)
  const own = (cluster: string) => `---\nkind: Kustomization\nspec:\n  path: ./clusters/${cluster}\n`

  it('render as the whole value does, for each value and placing', () => {
    for (const [value, parentIndent, indent] of [
      [install + own('a'), 2, 2],
      [install + own('b'), 2, 2],
      [install + own('a'), 4, 2],
      [install + own('a'), 2, 4],
      [`${install}${own('a')}\n\n`, 2, 2],
      [`${install}${own('a').slice(0, -1)}`, 2, 2],
      [`${install}\n`, 2, 2]
    ] as const) {
      expect(dataScalar(value, parentIndent, 15, indent, install)).toEqual(
        dataScalar(value, parentIndent, 15, indent)
      )
    }
  })

  it('fall back to the whole value where the shared text is not its start, or a block cannot hold it', () => {
    const other = install.replace('flux-system', 'flux-other')
    const value = other + own('a')
    expect(dataScalar(value, 2, 15, 2, install)).toEqual(dataScalar(value, 2, 15, 2))
    const tabbed = `${install}${own('a')}\tx\n`
    const r = dataScalar(tabbed, 2, 15, 2, install)
    expect(r).toEqual(dataScalar(tabbed, 2, 15, 2))
    expect(r.reason).toMatch(/tab \(line \d+ of the value\)/)
  })
})
