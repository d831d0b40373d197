import {
  embeddedOffset,
  joinDocuments,
  parseDocuments,
  positionOf,
  splitDocumentChunks,
  splitDocumentTexts,
  startsWithMarker
} from '../../src/yaml/documents.js'
import { FcuError } from '../../src/errors.js'
import { LineCounter, parseDocument, isMap, isScalar, type Node } from 'yaml'
import { allFixtureFiles, haveFixtures } from '../validate/corpus/fixtures.js'

describe('splitDocumentTexts', () => {
  it('splits at column-0 separators and keeps file line numbers', () => {
    const text = '---\na: 1\n---\nb: 2\nc: |\n  ---\n  inner: 1\n'
    const docs = splitDocumentTexts(text)
    expect(docs.map(d => d.startLine)).toEqual([2, 4])
    expect(docs[1].text).toContain('  ---')
  })

  it('treats a stream without a leading separator as starting at line 1', () => {
    expect(splitDocumentTexts('a: 1\n---\nb: 2').map(d => [d.startLine, d.text])).toEqual([
      [1, 'a: 1'],
      [3, 'b: 2']
    ])
  })

  // The reading YAML gives a stream, line by line: what the marker search must reproduce.
  const byLines = (text: string): [number, string][] => {
    const lines = text.split('\n')
    const out: [number, string][] = []
    let start = 0
    let sawSeparator = false
    lines.forEach((raw, i) => {
      const l = raw.replace(/\r$/, '')
      const dash = /^---(?:[ \t].*)?$/.test(l)
      if (!dash && !/^\.\.\.(?:[ \t].*)?$/.test(l)) return
      const body = lines.slice(start, i).join('\n')
      if ((!dash || i > 0 || sawSeparator) && !(i === 0 && body === '')) out.push([start + 1, body])
      if (dash) sawSeparator = true
      start = i + 1
    })
    if (start < lines.length) out.push([start + 1, lines.slice(start).join('\n')])
    return out
  }

  it.each([
    '',
    '---',
    '---\n',
    'a: 1\n...\n---\nb: 2\n',
    '... \n--- # comment\na: 1\n----\nb: 2\n--- |\n  x\n',
    '---\r\na: 1\r\n---\r\nb: 2\r\n',
    'a: |\n  ---\n  ...\nb: x---\n---\n---\n...\n...',
    '#c\n---a: 1\n---\t\n.... \n--- \n'
  ])('finds the same documents and lines as a line-by-line reading: %j', text => {
    expect(splitDocumentTexts(text).map(d => [d.startLine, d.text])).toEqual(byLines(text))
  })

  ;(haveFixtures ? it : it.skip)('finds the same documents and lines in every fixture', () => {
    for (const f of allFixtureFiles()) {
      expect(splitDocumentTexts(f.content).map(d => [d.startLine, d.text])).toEqual(byLines(f.content))
    }
  })
})

describe('splitDocumentChunks', () => {
  const streams = [
    '',
    'a: 1\n---\nb: 2',
    '---\na: 1\n---\nb: 2\n',
    'a: 1\n...\n--- # c\nb: 2\n\n',
    '---\r\na: 1\r\n---\r\nb: 2\r\n'
  ]

  it.each(streams)('cuts %j into chunks that join back exactly, one per document', text => {
    const chunks = splitDocumentChunks(text)
    expect(chunks.map(c => c.raw).join('')).toBe(text)
    expect(chunks.map(c => c.document.text)).toEqual(splitDocumentTexts(text).map(d => d.text))
    for (const c of chunks) expect(c.raw).toContain(c.document.text)
  })

  ;(haveFixtures ? it : it.skip)('joins every fixture back exactly', () => {
    for (const f of allFixtureFiles())
      expect(
        splitDocumentChunks(f.content)
          .map(c => c.raw)
          .join('')
      ).toBe(f.content)
  })

  it('gives no chunk for a stream that is only a separator: it has no document', () => {
    expect(splitDocumentChunks('---')).toEqual([])
  })

  it('joins moved chunks so that each still starts its own document', () => {
    const [a, b] = splitDocumentChunks('a: 1\n---\nb: 2').map(c => c.raw)
    expect(joinDocuments([b, a])).toBe('---\nb: 2\n---\na: 1\n')
    expect(joinDocuments([a, b])).toBe('a: 1\n---\nb: 2')
    expect(parseDocuments(joinDocuments([b, a]), 'f').map(d => d.value)).toEqual([{ b: 2 }, { a: 1 }])
    expect([startsWithMarker('--- # x\n'), startsWithMarker('...\n'), startsWithMarker('----\n')]).toEqual([
      true,
      true,
      false
    ])
  })
})

describe('parseDocuments', () => {
  it('reports the file line of a syntax error in a later document', () => {
    const text = 'a: 1\n---\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: indent\n'
    let err: unknown
    try {
      parseDocuments(text, 'clusters/x.yaml')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(FcuError)
    expect((err as FcuError).location.file).toBe('clusters/x.yaml')
    expect((err as FcuError).location.line).toBe(6)
  })

  it('returns null for documents holding only comments', () => {
    const docs = parseDocuments('# just a comment\n---\na: 1\n', 'f.yaml')
    expect(docs.map(d => d.value)).toEqual([null, { a: 1 }])
  })
})

describe('positionOf', () => {
  const text = [
    'apiVersion: apps/v1', // 1
    'kind: Deployment', // 2
    '---', // 3
    'apiVersion: v1', // 4
    'kind: ConfigMap', // 5
    'metadata:', // 6
    '  name: cm', // 7
    'data:', // 8
    '  manifest.yaml: |', // 9
    '    apiVersion: v1', // 10
    '    kind: Namespace', // 11
    '    metadata:', // 12
    '      nme: x' // 13
  ].join('\n')
  const docs = parseDocuments(text, 'f.yaml')

  it('finds the line of a key in the second document', () => {
    expect(positionOf(docs[1], ['metadata', 'name'])).toEqual({ line: 7, column: 3 })
  })

  it('falls back to the deepest existing node for a missing path', () => {
    expect(positionOf(docs[1], ['metadata', 'labels', 'x']).line).toBe(6)
  })

  it('maps documents embedded in a literal block onto file lines', () => {
    const { lineOffset, exact } = embeddedOffset(docs[1], ['data', 'manifest.yaml'])
    expect(exact).toBe(true)
    const inner = parseDocuments(
      (docs[1].value as { data: Record<string, string> }).data['manifest.yaml'],
      'f.yaml',
      lineOffset
    )
    expect(positionOf(inner[0], ['metadata', 'nme'])).toEqual({ line: 13, column: 3 })
  })
})

describe('positionOf a key of the root mapping', () => {
  /** Where the yaml package's node tree puts the key (what positionOf falls back to), a line below the `---`. */
  const treePosition = (text: string, key: string): { line: number; column: number } => {
    const lineCounter = new LineCounter()
    const root = parseDocument(text, { lineCounter }).contents as Node | null
    const pair =
      root && isMap(root) ? root.items.find(p => isScalar(p.key) && String(p.key.value) === key) : undefined
    const offset = (pair?.key as Node | undefined)?.range?.[0] ?? root?.range?.[0] ?? 0
    const { line, col } = lineCounter.linePos(offset)
    return { line: line + 1, column: col }
  }
  const big = `    ${'x'.repeat(70)}\n`.repeat(2000)
  it.each([
    ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: |\n' + big, 'data'],
    ['# comment\n\napiVersion: v1\nkind: ConfigMap\ndata:\n  k: v\n', 'data'],
    ['items:\n- a\n- b\ndata: 1\n', 'data'],
    ['a: 1\n"data": 2\n', 'data'],
    ['a: 1\n? data\n: 2\n', 'data'],
    ['2: x\n1: y\ndata: z\n', 'data'],
    ['a: "two\n  lines"\ndata: z\n', 'data'],
    ['a: b\ndata:\tz\n', 'a'],
    ['a: b\ndata: z', 'data'],
    ['a: b\ndata: z\n', 'missing']
  ])('%j: the position the node tree gives', (text, key) => {
    const [doc] = parseDocuments(`---\n${text}`, 'f.yaml')
    expect(positionOf(doc, [key])).toEqual(treePosition(text, key))
  })
})
