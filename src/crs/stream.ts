import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node
} from 'yaml'
import { ownCopy, TextMemo } from '../yaml/text-memo.js'
import { lineIndexOf } from '../yaml/documents.js'

/**
 * A ConfigMap file parsed with the `yaml` package's node tree, without the parser reading the data. A fleet's
 * ConfigMaps are a few lines of envelope around a literal block of hundreds of kilobytes, the same block (or nearly)
 * in every cluster: the parser reads the envelope with each big block cut down to one line, and each block's value
 * is its lines with the indentation removed, worked out once per distinct block. Node positions are those of the
 * whole text, as if the parser had read it.
 */

/** Literal blocks shorter than this are read by the parser: cutting them out saves less than it costs. */
const CUT_MIN = 4096

/** A block scalar header at the end of a mapping entry's line, with clip, strip or keep chomping and nothing after. */
const HEADER = /: \|[-+]?\n/g

interface Cut {
  /** Offset of the block's `|`. */
  header: number
  /** The block's content lines that are cut out: from the first to the last with text, newline included. */
  start: number
  end: number
  /** The content indentation. */
  indent: number
}

const SPACE = 0x20
const NEWLINE = 0x0a
const TAB = 0x09

/**
 * The big literal blocks of a text, found by a scan of their lines, or undefined when a block is one the scan may
 * not read exactly as YAML does (a carriage return, a tab where a line's indentation ends, a last line without a
 * newline): the parser reads those. Blocks whose indentation the parser would work out from leading empty lines
 * are left in.
 */
function findCuts(text: string): Cut[] | undefined {
  if (text.includes('\r')) return undefined
  const cuts: Cut[] = []
  HEADER.lastIndex = 0
  for (let m = HEADER.exec(text); m !== null; m = HEADER.exec(text)) {
    const start = m.index + m[0].length
    const lineStart = text.lastIndexOf('\n', m.index) + 1
    let keyIndent = 0
    while (text.charCodeAt(lineStart + keyIndent) === SPACE) keyIndent++
    let indent = 0
    while (text.charCodeAt(start + indent) === SPACE) indent++
    const first = text.charCodeAt(start + indent)
    // The first content line sets the indentation: no empty lines before it, deeper than its key.
    if (indent <= keyIndent || Number.isNaN(first) || first === NEWLINE || first === TAB) continue
    const stop = stopOf(indent)
    // Lines of a block met before hold no line that ends it: the scan starts after them.
    const known = blockValues.knownAt(text, start, indent)
    stop.lastIndex = (known ? start + known.raw.length : start) - 1
    const found = stop.exec(text)
    if (!found && !text.endsWith('\n')) return undefined
    const stopAt = found ? found.index + 1 : text.length
    // A tab where the indentation ends is left to the parser (YAML indents with spaces only).
    let s = 0
    while (text.charCodeAt(stopAt + s) === SPACE) s++
    if (text.charCodeAt(stopAt + s) === TAB) return undefined
    // Empty lines before it are the parser's to place (chomping): the cut ends after the last line with text.
    let end = stopAt
    for (;;) {
      const previous = text.lastIndexOf('\n', end - 2) + 1
      if (previous <= start || !/^ *\n$/.test(text.slice(previous, end))) break
      end = previous
    }
    HEADER.lastIndex = end
    if (end - start >= CUT_MIN) cuts.push({ header: m.index + 2, start, end, indent })
  }
  return cuts
}

const stops = new Map<number, RegExp>()

/**
 * The newline before the first line that starts left of the content with text (a line of spaces only is an empty
 * line of the block, whatever its length): a native scan, where a loop over the lines was most of the reading.
 */
function stopOf(indent: number): RegExp {
  let r = stops.get(indent)
  if (!r) stops.set(indent, (r = new RegExp(`\\n {0,${indent - 1}}[^ \\n]`, 'g')))
  return r
}

/**
 * Block values by their text: equal blocks (a fleet's) give one string, computed once. Bounded by the characters it
 * holds: past that it starts over, so a long-lived process keeps no more than that.
 */
class BlockValues {
  /** By indentation, then by the block's text (compared, not digested: see `TextMemo`). */
  private blocks = new Map<number, TextMemo<BlockEntry>>()
  /** By indentation, oldest first: blocks read, up to their last document separator. */
  private prefixes = new Map<number, Prefix[]>()
  private chars = 0

  constructor(private readonly maxChars: number) {}

  /** A cut's content: its lines unindented, and how many lines the cut spans. Asked once a cut. */
  of(text: string, cut: Cut): BlockEntry {
    const block = text.slice(cut.start, cut.end)
    let known = this.blocks.get(cut.indent)?.get(block)
    if (known === undefined) {
      // Each cluster's Flux ConfigMap: the install read before, then the cluster's own sync objects.
      const prefix = this.knownAt(text, cut.start, cut.indent)
      const content =
        prefix && prefix.raw.length < block.length
          ? joinBlocks(prefix.content, unindent(block.slice(prefix.raw.length), cut.indent))
          : unindent(block, cut.indent)
      known = { content, byEnding: new Map() }
      if (this.chars + 3 * block.length > this.maxChars) {
        this.blocks = new Map()
        this.prefixes = new Map()
        this.chars = 0
      }
      let memo = this.blocks.get(cut.indent)
      if (memo === undefined) this.blocks.set(cut.indent, (memo = new TextMemo()))
      // The key is a copy: a slice would keep the whole ConfigMap it was cut from alive.
      const own = ownCopy(block)
      memo.set(own, known)
      this.chars += 2 * block.length
      // What a later block may begin with: this one's lines up to its last document separator.
      const separator = block.lastIndexOf(`\n${' '.repeat(cut.indent)}---\n`) + 1
      if (separator >= CUT_MIN && prefix?.raw.length !== separator) {
        const raw = own.slice(0, separator)
        this.addPrefix(cut.indent, ownCopy(raw), unindent(raw, cut.indent))
        this.chars += 2 * raw.length
      }
    }
    return known
  }

  /** A block read before whose lines, up to its last document separator, the text at `start` begins with. */
  knownAt(text: string, start: number, indent: number): Prefix | undefined {
    for (const p of this.prefixes.get(indent) ?? []) {
      const end = start + p.raw.length
      if (end <= text.length && text.slice(start, end) === p.raw) return p
    }
    return undefined
  }

  private addPrefix(indent: number, raw: string, content: Block): void {
    const list = this.prefixes.get(indent) ?? []
    if (list.some(p => p.raw.length === raw.length && p.raw === raw)) return
    if (list.length >= PREFIXES_KEPT) list.shift()
    list.push({ raw, content })
    this.prefixes.set(indent, list)
  }

  /**
   * The value of a cut block whose ending the parser read as `rest` (what follows the placeholder's `x`). The
   * whole value is kept, one string for every ConfigMap with this block (a value joined per ConfigMap would be
   * copied again by the first search through it).
   */
  get(entry: BlockEntry, rest: string): Block {
    const { content, byEnding } = entry
    let value = byEnding.get(rest)
    if (value === undefined) {
      let newlines = 0
      for (let i = rest.indexOf('\n'); i !== -1; i = rest.indexOf('\n', i + 1)) newlines++
      value = {
        text: content.text + rest,
        lines: content.lines + newlines - (rest.endsWith('\n') ? 1 : 0)
      }
      byEnding.set(rest, value)
      this.chars += value.text.length
    }
    return value
  }
}

/** Lines of a block read before, up to a document separator (the last newline included), and their content. */
interface Prefix {
  raw: string
  content: Block
}

/** Prefixes kept per indentation: a fleet's few distinct manifests. */
const PREFIXES_KEPT = 8

/** The content of a block's lines followed by more of its lines. */
const joinBlocks = (first: Block, rest: Block): Block => ({
  text: `${first.text}\n${rest.text}`,
  lines: first.lines + rest.lines
})

interface BlockEntry {
  content: Block
  byEnding: Map<string, Block>
}

interface Block {
  /** The value. */
  text: string
  /** How many lines it has, counted as `valueLines` in configmap.ts counts them. */
  lines: number
}

const blockValues = new BlockValues(64 << 20)

/** The content lines with their indentation removed, without the last newline (the parser decides the ending). */
function unindent(block: string, indent: number): Block {
  const out: string[] = []
  for (let p = 0; p < block.length;) {
    const nl = block.indexOf('\n', p)
    out.push(nl - p <= indent ? '' : block.slice(p + indent, nl))
    p = nl + 1
  }
  return { text: out.join('\n'), lines: out.length }
}

const lineCounts = new WeakMap<object, number>()

/**
 * How many lines the value of a block scalar read from a cut has, as counted from its text (the last line counts
 * without a final newline): known without counting a megabyte again.
 */
export const cutValueLines = (node: unknown): number | undefined =>
  typeof node === 'object' && node !== null ? lineCounts.get(node) : undefined

/** The 1-based line and column of an offset, as the `yaml` package's `LineCounter.linePos` gives them. */
export interface LinePositions {
  linePos(offset: number): { line: number; col: number }
}

export interface ParsedStream {
  docs: Document.Parsed[]
  lines: LinePositions
}

/** Every document of `text`, as `parseAllDocuments` gives them, with a line counter of the whole text. */
export function parseStream(text: string): ParsedStream {
  const cuts = findCuts(text)
  if (cuts && cuts.length > 0) {
    const fast = parseCut(text, cuts)
    if (fast) return fast
  }
  return parseWhole(text)
}

function parseWhole(text: string): ParsedStream {
  const lines = new LineCounter()
  const docs = parseAllDocuments(text, { lineCounter: lines, keepSourceTokens: false })
  return { docs: Array.isArray(docs) ? docs : [], lines }
}

function parseCut(text: string, cuts: readonly Cut[]): ParsedStream | undefined {
  // Each block's content becomes one line `x` at its indentation: the parser sees the same structure around it.
  const pieces: string[] = []
  const shifts: { at: number; by: number }[] = []
  let from = 0
  let by = 0
  for (const cut of cuts) {
    pieces.push(text.slice(from, cut.start))
    const line = `${' '.repeat(cut.indent)}x\n`
    pieces.push(line)
    const at = cut.start - by + line.length
    by += cut.end - cut.start - line.length
    shifts.push({ at, by })
    from = cut.end
  }
  pieces.push(text.slice(from))
  const envelope = pieces.join('')
  const envelopeLines = new LineCounter()
  const docs = parseAllDocuments(envelope, { lineCounter: envelopeLines, keepSourceTokens: false })
  if (!Array.isArray(docs) || docs.some(d => d.errors.length > 0)) return undefined

  const original = (offset: number): number => {
    let shift = 0
    for (const s of shifts) {
      if (offset < s.at) break
      shift = s.by
    }
    return offset + shift
  }
  const entries = new Map(cuts.map(c => [c, blockValues.of(text, c)]))
  const headers = new Map(cuts.map(c => [c.header, c]))
  let restored = 0
  const visit = (node: unknown): void => {
    if (isPair(node)) {
      visit(node.key)
      visit(node.value)
      return
    }
    const n = node as Node | null
    if (!n || !n.range) return
    n.range = [original(n.range[0]), original(n.range[1]), original(n.range[2])]
    if (isMap(n) || isSeq(n)) for (const item of n.items) visit(item)
    else if (isScalar(n)) {
      const cut = headers.get(n.range[0])
      if (!cut) return
      if (n.type !== 'BLOCK_LITERAL' || typeof n.value !== 'string' || !n.value.startsWith('x')) return
      const value = blockValues.get(entries.get(cut)!, n.value.slice(1))
      n.value = value.text
      lineCounts.set(n, value.lines)
      restored++
    }
  }
  for (const doc of docs) visit(doc.contents)
  // A cut that is not a block scalar of the tree (inside a comment or another scalar): the parser reads it all.
  if (restored !== cuts.length) return undefined

  return {
    docs,
    lines: new CutLines(
      text,
      envelopeLines,
      cuts.map(c => ({ ...c, lines: entries.get(c)!.content.lines }))
    )
  }
}

/**
 * Line positions in the whole text from the envelope's: a cut replaced whole lines by one, so a line outside the
 * cuts keeps its columns and moves down by the lines the cuts before it had. Counting the lines of the whole text
 * instead was a visible share of reading a fleet.
 */
class CutLines implements LinePositions {
  constructor(
    private readonly text: string,
    private readonly envelope: LineCounter,
    private readonly cuts: readonly (Cut & { lines: number })[]
  ) {}

  linePos(offset: number): { line: number; col: number } {
    let shift = 0
    let extra = 0
    for (const cut of this.cuts) {
      if (offset <= cut.start) break
      if (offset < cut.end) {
        // Inside a cut (nothing reading a ConfigMap asks): its first line's position, and its lines from there.
        const starts = this.startsOf(cut)
        const lo = lineIndexOf(starts, offset)
        return { line: this.linePos(cut.start).line + lo, col: offset - starts[lo] + 1 }
      }
      shift += cut.end - cut.start - (cut.indent + 2)
      extra += cut.lines - 1
    }
    const p = this.envelope.linePos(offset - shift)
    return { line: p.line + extra, col: p.col }
  }

  private readonly starts = new Map<Cut, number[]>()

  private startsOf(cut: Cut): number[] {
    let starts = this.starts.get(cut)
    if (!starts) {
      starts = [cut.start]
      for (
        let i = this.text.indexOf('\n', cut.start);
        i !== -1 && i < cut.end - 1;
        i = this.text.indexOf('\n', i + 1)
      )
        starts.push(i + 1)
      this.starts.set(cut, starts)
    }
    return starts
  }
}
