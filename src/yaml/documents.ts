import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml'
import { FcuError } from '../errors.js'
import { loadFast, locateFast, UNSUPPORTED } from './fast-load.js'
import { loadBounded, YAML_MAX_DEPTH, YamlLimitError } from './load.js'
import { sealParsed, type ParsedValue } from './readonly.js'
import { textKey } from './text-key.js'
import { ownCopy } from './text-memo.js'
import { pushAll } from '../arrays.js'

/**
 * A multi-document YAML file split into documents that remember where they stand in the file.
 *
 * Parsing uses the fast loader for the block style Kubernetes tools write, js-yaml for anything else (both without
 * positions); positions are recovered lazily with the `yaml` CST only for the
 * documents that have a finding. A healthy file therefore pays for one fast parse and nothing else.
 */
export interface YamlDocument {
  /** Path relative to the repository root; every position below is in this file. */
  file: string
  /** 0-based index of the document in its stream. */
  index: number
  /** 1-based file line of the document's first line of text (the line after its `---`). */
  startLine: number
  /** The document's own text, separators excluded. */
  text: string
  /** The parsed value; null for an empty document (only comments or nothing). Shared: read-only. */
  readonly value: ParsedValue
}

export type YamlPath = ReadonlyArray<string | number>

const SEPARATOR = /^---(?:[ \t].*)?$/
const END_MARKER = /^\.\.\.(?:[ \t].*)?$/

/** A document's text and the file line it starts on. */
export interface DocumentText {
  /** 1-based line of the document's first line of text (the line after its `---`). */
  readonly startLine: number
  /** 0-based offset of `text` in the stream. */
  readonly offset: number
  readonly text: string
}

/**
 * The line of any offset of a text, from an index of its line starts built on first use: most files never need
 * one (a line is only asked for when something is reported), and counting lines was a visible share of reading
 * a repository.
 */
class LineIndex {
  private starts: number[] | undefined

  constructor(private readonly text: string) {}

  lineAt(offset: number): number {
    // The first document of a file (most files hold one) needs no index of a long text.
    if (this.starts === undefined && offset <= NEAR_START) return countLines(this.text, offset)
    return lineIndexOf((this.starts ??= lineStarts(this.text)), offset) + 1
  }
}

/** Offsets up to this far into a text have their line counted rather than looked up in an index. */
const NEAR_START = 4096

/** The 1-based line of `offset`, by the line breaks before it. */
export function countLines(text: string, offset: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++
  return line
}

export function lineStarts(text: string): number[] {
  const out = [0]
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1)
  return out
}

/** The 0-based index of the line holding `offset`, given the offsets where lines start (ascending, from 0). */
export function lineIndexOf(starts: readonly number[], offset: number): number {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid] <= offset) lo = mid
    else hi = mid - 1
  }
  return lo
}

/** (A class, not an object literal with a getter: those are built through a slow path, one per document.) */
class Piece implements DocumentText {
  constructor(
    private readonly lines: LineIndex,
    readonly offset: number,
    readonly text: string
  ) {}

  get startLine(): number {
    return this.lines.lineAt(this.offset)
  }
}

/** The offsets of the lines that start with `marker` (`---` or `...`), in order. */
function markerLines(text: string, marker: string): number[] {
  const out: number[] = []
  for (let i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + 3)) {
    if (i === 0 || text.charCodeAt(i - 1) === 0x0a) out.push(i)
  }
  return out
}

/**
 * Splits a stream at column-0 `---` lines (and `...` end markers); separators inside block scalars are indented
 * and stay in. Looks only at the lines that start like a marker and slices the original text; line numbers are
 * worked out when asked for.
 */
export function splitDocumentTexts(text: string): DocumentText[] {
  const lines = new LineIndex(text)
  const out: DocumentText[] = []
  const piece = (offset: number, body: string): DocumentText => new Piece(lines, offset, body)
  let startOffset = 0
  let sawSeparator = false
  const flush = (end: number) => {
    const body = end > startOffset ? text.slice(startOffset, end - 1) : ''
    // The empty text before a leading `---` is not a document.
    if (!(end === 0 && body === '')) out.push(piece(startOffset, body))
  }
  const dashes = markerLines(text, '---')
  const dots = markerLines(text, '...')
  for (let d = 0, o = 0; d < dashes.length || o < dots.length;) {
    const isDash = o >= dots.length || (d < dashes.length && dashes[d] < dots[o])
    const p = isDash ? dashes[d++] : dots[o++]
    const nl = text.indexOf('\n', p)
    const e = nl === -1 ? text.length : nl
    const l = text.slice(p, e).replace(/\r$/, '')
    if (isDash ? !SEPARATOR.test(l) : !END_MARKER.test(l)) continue
    if (!isDash || p > 0 || sawSeparator) flush(p)
    if (isDash) sawSeparator = true
    startOffset = e + 1
  }
  // A trailing newline or trailing comments after the last separator still form an (empty) document upstream;
  // we keep them so that re-joining reproduces the file.
  if (startOffset <= text.length) out.push(piece(startOffset, text.slice(startOffset)))
  return out
}

/** A document with the separator lines before it: the chunks of a stream join back to the stream exactly. */
export interface DocumentChunk {
  document: DocumentText
  /** `---` (or `...`) lines before the document's text, the text, and the newline that ends it. */
  raw: string
}

/** The stream cut into chunks, one per document of `splitDocumentTexts`, to move whole documents byte for byte. */
export function splitDocumentChunks(text: string): DocumentChunk[] {
  const docs = splitDocumentTexts(text)
  return docs.map((document, i) => {
    const start = i === 0 ? 0 : Math.min(text.length, docs[i - 1].offset + docs[i - 1].text.length + 1)
    const end = i === docs.length - 1 ? text.length : document.offset + document.text.length + 1
    return { document, raw: text.slice(start, end) }
  })
}

/** Whether a chunk's first line is a document marker (`---` or `...`). */
export const startsWithMarker = (raw: string): boolean => {
  const nl = raw.indexOf('\n')
  const first = (nl === -1 ? raw : raw.slice(0, nl)).replace(/\r$/, '')
  return SEPARATOR.test(first) || END_MARKER.test(first)
}

/**
 * Chunks (or whole streams) joined into one stream in which each still starts its own document: a chunk that
 * follows another gets a `---` line if it has none, and a chunk that is followed a final newline.
 */
export function joinDocuments(raws: readonly string[]): string {
  // Pieces joined once: `endsWith` on a growing concatenation flattens it each time (quadratic in the chunks).
  const out: string[] = []
  let endsWithNewline = false
  for (const [i, raw] of raws.entries()) {
    if (i > 0 && !endsWithNewline) out.push('\n')
    const separator = i > 0 && !startsWithMarker(raw)
    if (separator) out.push('---\n')
    out.push(raw)
    if (raw !== '') endsWithNewline = raw.endsWith('\n')
    else if (i > 0) endsWithNewline = true
  }
  return out.join('')
}

/** Only comments and white space: scans to the first content character instead of splitting into lines. */
const isBlank = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue
    if (c !== 0x23 /* # */) return false
    const nl = text.indexOf('\n', i)
    if (nl === -1) return true
    i = nl
  }
  return true
}

/**
 * Document values by text, for the stages that read the same documents again and again: a fleet's Flux ConfigMaps
 * each hold the same install, read once to find it and once more to migrate the objects beside it. A value is a
 * function of its text and read-only (see `readonly.ts`), so equal texts share one. Bounded by the text it holds:
 * past that it starts over, so a long-lived process (the test suite) keeps no more than that.
 */
class ValueMemo {
  private readonly values = new Map<string, ParsedValue>()
  private chars = 0

  constructor(private readonly maxChars: number) {}

  /** The key of `text` for `get` and `put`: computed once, a long text's costs a digest. */
  readonly key = textKey

  get(key: string): ParsedValue | undefined {
    return this.values.get(key)
  }

  put(key: string, text: string, value: ParsedValue): ParsedValue {
    if (text.length > this.maxChars) return value
    if (this.chars + text.length > this.maxChars) {
      this.values.clear()
      this.chars = 0
    }
    this.values.set(key, value)
    this.chars += text.length
    return value
  }
}

const parsedValues = new ValueMemo(16 << 20)

/**
 * Parses every document of a stream. A document that does not parse throws a `manifest` error with the file line;
 * `lineOffset` shifts positions for streams embedded in another file (a ConfigMap's data value).
 */
export function parseDocuments(text: string, file: string, lineOffset = 0): YamlDocument[] {
  return splitDocumentTexts(text).map((d, index) => {
    const startLine = d.startLine + lineOffset
    if (isBlank(d.text)) return { file, index, startLine, text: d.text, value: null }
    const key = parsedValues.key(d.text)
    const known = parsedValues.get(key)
    if (known !== undefined) return { file, index, startLine, text: d.text, value: known }
    // The memo keeps what it is given for the run: a value (and a short key) read from a text of its own, not from
    // a slice of a whole (a cluster's ConfigMap data) that each string in the value would keep alive. The copy
    // costs less than the parse it goes with.
    const own = ownCopy(d.text)
    const ownKey = key === d.text ? own : key
    const fast = loadFast(own)
    if (fast !== UNSUPPORTED)
      return { file, index, startLine, text: d.text, value: parsedValues.put(ownKey, own, fast) }
    try {
      const value = sealParsed(loadBounded(own) ?? null)
      return { file, index, startLine, text: d.text, value: parsedValues.put(ownKey, own, value) }
    } catch (e) {
      if (e instanceof YamlLimitError)
        throw new FcuError('manifest', `${file}: a YAML document is refused: ${e.reason}`, {
          location: { file, line: startLine + e.line },
          hint: e.hint,
          cause: e
        })
      const mark = (e as { mark?: { line: number; column: number } }).mark
      const reason = (e as { reason?: string }).reason ?? (e as Error).message
      const duplicate = reason === 'duplicated mapping key' && mark ? duplicateKey(d.text, mark) : undefined
      if (duplicate)
        throw new FcuError(
          'manifest',
          `${file}: key "${duplicate.key}" appears twice in one mapping` +
            (duplicate.firstLine === undefined
              ? ''
              : `, at lines ${startLine + duplicate.firstLine} and ${startLine + mark!.line}`),
          {
            location: { file, line: startLine + mark!.line, column: mark!.column + 1 },
            hint: 'Keep one of them: kubectl and the API server refuse a key given twice, and which value a tool keeps differs.',
            cause: e
          }
        )
      throw new FcuError('manifest', `${file} does not parse as YAML: ${reason}`, {
        location: { file, line: startLine + (mark?.line ?? 0), column: mark ? mark.column + 1 : undefined },
        hint: /maxDepth/.test(reason)
          ? `Nest the document at most ${YAML_MAX_DEPTH} levels deep: deeper nesting is refused so that no reader's recursion depends on the input.`
          : 'Fix the YAML syntax at that line (indentation, a missing colon, an unquoted special character).',
        cause: e
      })
    }
  })
}

/**
 * The key js-yaml found twice (at `mark`, 0-based), and the 0-based line of its first occurrence in a block
 * mapping: the nearest line above at the same column with the same key, before the mapping ends (a line that
 * starts left of it). Flow mappings (`{a: 1, a: 2}`) get the second position only.
 */
function duplicateKey(
  text: string,
  mark: { line: number; column: number }
): { key: string; firstLine?: number } | undefined {
  const lines = text.split('\n')
  const at = lines[mark.line]?.slice(mark.column)
  const m = at === undefined ? null : /^(?:"([^"]*)"|'([^']*)'|([^:#]+?))[ \t]*:/.exec(at)
  if (!m) return undefined
  const key = m[1] ?? m[2] ?? m[3]
  const col = mark.column
  for (let i = mark.line - 1; i >= 0; i--) {
    const line = lines[i].replace(/\r$/, '')
    const content = line.search(/\S/)
    if (content === -1 || line[content] === '#') continue
    const prefix = line.slice(0, col)
    if (/^[ -]*$/.test(prefix) && line.length > col) {
      if (line.slice(col).startsWith(m[0])) return { key, firstLine: i }
      // A sequence entry's first line at this column: the mapping starts here.
      if (prefix.includes('-')) break
      continue
    }
    if (line.search(/\S/) < col) break
  }
  return { key }
}

/** Parses, and returns findings-friendly errors instead of throwing: for validation that reports everything. */
export function tryParseDocuments(
  text: string,
  file: string,
  lineOffset = 0
): { documents: YamlDocument[]; error?: FcuError } {
  try {
    return { documents: parseDocuments(text, file, lineOffset) }
  } catch (e) {
    if (e instanceof FcuError) {
      // Keep the documents before the broken one so the rest of the file can still be checked.
      const docs: YamlDocument[] = []
      for (const [index, d] of splitDocumentTexts(text).entries()) {
        try {
          pushAll(
            docs,
            parseDocuments(d.text, file, lineOffset + d.startLine - 1).map(x => ({ ...x, index }))
          )
        } catch {
          break
        }
      }
      return { documents: docs, error: e }
    }
    throw e
  }
}

interface Located {
  lineCounter: LineCounter
  contents: Node | null
}

const located = new WeakMap<YamlDocument, Located>()
const fastLookups = new WeakMap<YamlDocument, number>()
/** Characters read again by fast lookups in one document before its node tree is worth building. */
const FAST_LOOKUP_BUDGET = 1 << 20

function locate(doc: YamlDocument): Located {
  let l = located.get(doc)
  if (!l) {
    const lineCounter = new LineCounter()
    const parsed = parseDocument(doc.text, { lineCounter, keepSourceTokens: false })
    l = { lineCounter, contents: (parsed.contents as Node | null) ?? null }
    located.set(doc, l)
  }
  return l
}

function child(node: Node | null, key: string | number): Node | null {
  if (!node) return null
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? pair.key.value : pair.key
      if (String(k) === String(key)) return (pair.value as Node | null) ?? (pair.key as Node)
    }
    return null
  }
  if (isSeq(node) && typeof key === 'number') return (node.items[key] as Node | null) ?? null
  return null
}

function keyNode(node: Node | null, key: string | number): Node | null {
  if (node && isMap(node)) {
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? pair.key.value : pair.key
      if (String(k) === String(key)) return pair.key as Node
    }
  }
  return null
}

/**
 * The file position of a path in a document: the deepest node of the path that exists. For a key the position of
 * the key is returned (what an annotation should point at); with `at: 'value'`, the value's.
 */
export function positionOf(
  doc: YamlDocument,
  path: YamlPath,
  at: 'key' | 'value' = 'key'
): { line: number; column: number } {
  // A document read once serves every validation of a run (see `CollectCache`): each asks the same positions.
  let known = positions.get(doc)
  if (!known) positions.set(doc, (known = new Map()))
  const key = `${at}\u0000${JSON.stringify(path)}`
  const found = known.get(key) ?? locateIn(doc, path, at)
  known.set(key, found)
  return { ...found }
}

const positions = new WeakMap<YamlDocument, Map<string, { line: number; column: number }>>()

/**
 * The line of a key of a document's root mapping written at column 0, read off the lines that start at column 0
 * (the keys before it must be there, in the order the parsed value has them): a ConfigMap whose data holds a whole
 * install is 600 KB that a full locate would read again for a finding at `data`. Undefined when the text is not
 * laid out that way (quoted or complex keys, a flow mapping), for the general way.
 */
function rootKeyLine(doc: YamlDocument, key: string): number | undefined {
  const value = doc.value
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined
  const keys = Object.keys(value)
  const text = doc.text
  let next = 0
  let line = 0
  for (let p = 0; p < text.length; line++) {
    const e = text.indexOf('\n', p)
    const end = e < 0 ? text.length : e
    const c = text.charCodeAt(p)
    // Indented lines, blank lines, comments and compact sequence entries under a root key.
    const skip =
      c === 0x20 ||
      c === 0x0a ||
      c === 0x23 ||
      (c === 0x2d && (p + 1 === end || text.charCodeAt(p + 1) === 0x20))
    if (!skip) {
      const colon = text.indexOf(':', p)
      if (colon < 0 || colon >= end || !/^[A-Za-z0-9_][-A-Za-z0-9_./]*$/.test(text.slice(p, colon)))
        return undefined
      const after = text.charCodeAt(colon + 1)
      if (colon + 1 < end && after !== 0x20) return undefined
      const name = text.slice(p, colon)
      if (keys[next] !== name) return undefined
      if (name === key) return doc.startLine + line
      next++
    }
    if (e < 0) break
    p = e + 1
  }
  return undefined
}

function locateIn(doc: YamlDocument, path: YamlPath, at: 'key' | 'value'): { line: number; column: number } {
  if (path.length === 1 && at === 'key' && typeof path[0] === 'string') {
    const line = rootKeyLine(doc, path[0])
    if (line !== undefined) return { line, column: 1 }
  }
  // Building the \`yaml\` package's node tree costs far more than reading a small document again with the fast
  // loader, which gives the same position; a document asked about often gets the tree, built once.
  const asked = (fastLookups.get(doc) ?? 0) + 1
  fastLookups.set(doc, asked)
  if (!located.has(doc) && asked * doc.text.length <= FAST_LOOKUP_BUDGET) {
    const offset = locateFast(doc.text, path, at)
    if (offset !== UNSUPPORTED) {
      const lineStart = doc.text.lastIndexOf('\n', offset - 1) + 1
      let lines = 0
      for (let i = doc.text.indexOf('\n'); i >= 0 && i < offset; i = doc.text.indexOf('\n', i + 1)) lines++
      return { line: doc.startLine + lines, column: offset - lineStart + 1 }
    }
  }
  const { lineCounter, contents } = locate(doc)
  let node: Node | null = contents
  let best: Node | null = contents
  for (let i = 0; i < path.length; i++) {
    const next = child(node, path[i])
    // A path that stops short points at the key of the deepest part that exists (where the field belongs).
    const key = keyNode(node, path[i])
    if (!next) break
    const isLast = i === path.length - 1
    best = isLast && at === 'value' ? next : (key ?? next)
    node = next
  }
  const offset = best?.range?.[0] ?? 0
  const pos = lineCounter.linePos(offset)
  return { line: doc.startLine + pos.line - 1, column: pos.col }
}

/**
 * Where the content of a string value starts, for values that hold a whole YAML stream (ConfigMap data). For a
 * block scalar (`|`) content lines map one to one onto file lines, so `exact` is true; for a quoted or folded
 * scalar they do not, and positions inside fall back to the key's line.
 */
export function embeddedOffset(doc: YamlDocument, path: YamlPath): { lineOffset: number; exact: boolean } {
  const { lineCounter, contents } = locate(doc)
  let node: Node | null = contents
  for (const k of path) node = child(node, k)
  const keyPos = positionOf(doc, path, 'key')
  if (
    node &&
    isScalar(node) &&
    (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') &&
    node.range
  ) {
    // The range starts at the header (`|`); content begins on the next line.
    const header = lineCounter.linePos(node.range[0])
    return { lineOffset: doc.startLine + header.line - 1, exact: node.type === 'BLOCK_LITERAL' }
  }
  return { lineOffset: keyPos.line - 1, exact: false }
}
