import yaml from 'js-yaml'
import { sealParsed, type ParsedValue } from './readonly.js'
import { intern, INTERNED_MIN, ownCopy } from './text-memo.js'

/**
 * A fast loader for the block-style YAML that Kubernetes tools write (`flux install --export`, `kubectl ...
 * -o yaml`, Helm and kustomize output, hand-written manifests): block mappings and sequences, plain, quoted and
 * block scalars, one-line flow collections. It returns exactly what `js-yaml` (default schema, `json: true`)
 * returns for the same text, and gives up with `UNSUPPORTED` on anything else (anchors, tags, explicit keys,
 * multi-line flow collections, tabs, CRs, odd indentation, syntax errors), leaving that document to js-yaml.
 *
 * Why it exists: CRDs make up most of the bytes of a Flux or Calico install, and js-yaml's general machinery
 * spends most of its time on them; validation must keep up with fleets of hundreds of ConfigMaps (SPEC §9).
 * Scalars resolve through js-yaml's own implicit types, so `yes`, `0x1F`, `1e3` or a date mean the same here.
 *
 * Why it stays although its shared blocks make parsed values shared: js-yaml with only a memo of whole documents
 * (same text, same value) was measured in its place (`npm run bench`, 3 runs each way, best and median of the
 * runs' best times): the fixtures validated in 488 / 507 ms instead of 81 / 112 ms, the 500-tenant fleet in 371 /
 * 415 ms (2.2 / 2.4 x the parse baseline) instead of 136 / 162 ms (1.6 / 1.7 x). The values are read-only
 * instead, deep-frozen in the test suite (`readonly.ts`).
 */

export const UNSUPPORTED: unique symbol = Symbol('unsupported')

type YamlPath = ReadonlyArray<string | number>

class Unsupported extends Error {}
const bail = (): never => {
  throw new Unsupported()
}

interface ImplicitType {
  resolve(data: string): boolean
  construct(data: string): unknown
}
const COMPILED_IMPLICIT = (yaml.DEFAULT_SCHEMA as unknown as { compiledImplicit?: ImplicitType[] })
  .compiledImplicit

/** A plain scalar that may be a number, a date or the merge key, resolved exactly as js-yaml resolves it. */
const resolveTyped: (text: string) => unknown = COMPILED_IMPLICIT
  ? text => {
      for (const t of COMPILED_IMPLICIT) if (t.resolve(text)) return t.construct(text)
      return text
    }
  : // Without js-yaml's internals (another major version), ask js-yaml itself: slower, same answer.
    text => yaml.load(text)

const NL = 0x0a
const SP = 0x20
const HASH = 0x23
const COLON = 0x3a
const DASH = 0x2d
const DQ = 0x22
const SQ = 0x27
const BACKSLASH = 0x5c
const DOT = 0x2e

// Tabs and CRs change how YAML reads indentation and line ends, and js-yaml rejects control characters and lone
// surrogates in scalars: text with any of them is left to js-yaml rather than tracked here.
// eslint-disable-next-line no-control-regex
const AWKWARD = /[\t\r\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFEFF\uFFFE\uFFFF\uD800-\uDFFF]/
const NOT_PLAIN_ASCII = /[^\n\x20-\x7e]/
const KEYWORDS = new Map<string, unknown>([
  ['null', null],
  ['Null', null],
  ['NULL', null],
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false]
])
const MAX_DEPTH = 90
/** Nested blocks shorter than this are parsed again rather than looked up: the lookup would cost about as much. */
const MIN_SHARED_BLOCK = 256
/** Blocks kept per opening (first two lines). */
const MAX_SHARED_ALIKE = 8

interface SharedBlock {
  /** The block's text from the start of its first line up to the next content line (trailing comments included). */
  text: string
  value: object
  /** How many nesting levels the block spans: an occurrence deeper down must still respect `MAX_DEPTH`. */
  height: number
}

/** Whether the last characters before `end` in `s` are those `text` ends with. */
function endsAlike(s: string, end: number, text: string): boolean {
  for (let i = 1; i <= 24 && i <= text.length; i++) {
    if (s.charCodeAt(end - i) !== text.charCodeAt(text.length - i)) return false
  }
  return true
}

/**
 * Nested blocks already parsed in this run, by their first two lines. Manifests repeat themselves at every
 * scale: the same `conditions` schema sits in every status of every CRD, and a repository holds the same CRDs at
 * several releases where most versions' schemas did not change. A block whose text was read before gets the
 * value read then, so each distinct block is parsed (and allocated) once per run. Values are therefore shared
 * between documents and within one: read-only, as every value from this loader (see `readonly.ts`).
 *
 * A block's value depends only on its text (its indentation included) and on where it ends; a hit is taken only
 * when the line after the cached text ends the block the same way.
 */
export class SharedBlocks {
  /** Keyed by a hash of the block's first two lines: one line alone (`properties:`) opens too many blocks. */
  readonly byOpening = new Map<number, SharedBlock[]>()
  /** Blocks taken from here instead of parsed, and their characters: what the sharing saved. */
  reused = 0
  reusedChars = 0
}

/** A line break, or the end of the text (where `charCodeAt` gives NaN): the text need not end with a newline. */
const isBreak = (c: number): boolean => c === NL || c !== c

/** `---` or `...` at `p`, followed by a space or a line end. */
function isMarker(s: string, p: number): boolean {
  const c = s.charCodeAt(p)
  if ((c !== DASH && c !== DOT) || s.charCodeAt(p + 1) !== c || s.charCodeAt(p + 2) !== c) return false
  const after = s.charCodeAt(p + 3)
  return after === SP || isBreak(after)
}

const isLetter = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)

/** `---` alone on its line at `p`: a document separator inside a literal block holding a stream. */
function isSeparatorLine(s: string, p: number): boolean {
  return s.startsWith('---', p) && (s.charCodeAt(p + 3) === NL || p + 3 >= s.length)
}

/** Literal blocks whose lines up to their last separator are this long are offered to `KnownPrefixes`. */
const KNOWN_PREFIX_MIN = INTERNED_MIN
/** Characters of block lines the prefixes keep; past that they start over. */
const KNOWN_PREFIX_CHARS = 32 * 1024 * 1024
/** Prefixes kept per header (indentation). */
const KNOWN_PER_HEADER = 4

interface KnownPrefix {
  /** The block's lines as written, from its first up to a separator line (excluded). */
  raw: string
  /** What reading those lines made of them: the value so far, the indentation, the empty lines at the end. */
  value: string
  indent: number
  emptyLines: number
}

/**
 * The lines literal blocks began with, up to their last document separator, and what reading them gave. A fleet's
 * ConfigMaps hold the same Flux install in every cluster's file, followed by the cluster's own sync objects: one
 * comparison of the install's lines replaces reading them one by one, and the block is read on from there.
 */
class KnownPrefixes {
  private byHeader = new Map<string, KnownPrefix[]>()
  private chars = 0
  /** Blocks that began with a known prefix, and the characters not read again: what the lookup saved. */
  reused = 0
  reusedChars = 0

  find(s: string, start: number, header: string): KnownPrefix | undefined {
    const alike = this.byHeader.get(header)
    if (!alike) return undefined
    for (const k of alike) {
      const end = start + k.raw.length
      // A cheap look at the line before the separator first; slice and === compare memory at once.
      if (end > s.length || !endsAlike(s, end, k.raw) || s.slice(start, end) !== k.raw) continue
      this.reused++
      this.reusedChars += k.raw.length
      return k
    }
    return undefined
  }

  add(header: string, raw: string, value: string, indent: number, emptyLines: number): void {
    if (this.byHeader.get(header)?.some(k => k.raw.length === raw.length && k.raw === raw)) return
    if (this.chars + raw.length > KNOWN_PREFIX_CHARS) {
      this.byHeader = new Map()
      this.chars = 0
    }
    const alike = this.byHeader.get(header) ?? []
    if (alike.length >= KNOWN_PER_HEADER) this.chars -= alike.shift()!.raw.length
    // Copies: slices would keep the whole documents they were cut from alive.
    alike.push({ raw: ownCopy(raw), value: ownCopy(value), indent, emptyLines })
    this.byHeader.set(header, alike)
    this.chars += raw.length
  }
}

const knownPrefixes = new KnownPrefixes()

/** How many block scalars of this process began with a known prefix, and the characters that were not read again. */
export const knownPrefixReuse = (): { reused: number; reusedChars: number } => ({
  reused: knownPrefixes.reused,
  reusedChars: knownPrefixes.reusedChars
})

/** What a plain scalar means: most start with a letter and are strings; the rest go through js-yaml's types. */
function resolvePlain(text: string): unknown {
  const c = text.charCodeAt(0)
  const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)
  if (letter) {
    // Only null and booleans are spelled with letters; everything else that starts with one is a string.
    if (c !== 0x6e && c !== 0x74 && c !== 0x66 && c !== 0x4e && c !== 0x54 && c !== 0x46) return text
    if (text.length !== 4 && text.length !== 5) return text
    const k = KEYWORDS.get(text)
    return k === undefined ? text : k
  }
  if (c === 0x7e) return text === '~' ? null : text
  if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === DASH || c === 0x2e || c === 0x3c)
    return resolveTyped(text)
  return text
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\x00',
  a: '\x07',
  b: '\x08',
  t: '\x09',
  n: '\x0A',
  v: '\x0B',
  f: '\x0C',
  r: '\x0D',
  e: '\x1B',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xA0',
  L: '\u2028',
  P: '\u2029'
}

class Loader {
  private readonly s: string
  private readonly n: number
  /** Start of the line the parser stands at, between nodes. */
  private pos = 0
  private depth = 0

  constructor(
    text: string,
    private readonly shared?: SharedBlocks
  ) {
    this.s = text
    this.n = text.length
  }

  /** The deepest nesting level reached so far, for the height of shared blocks. */
  private deepest = 0

  // The last line end found: most lookups are for the line just looked up.
  private lineFrom = Infinity
  private lineTo = -1

  private lineEnd(p: number): number {
    if (p >= this.lineFrom && p <= this.lineTo) return this.lineTo
    const e = this.s.indexOf('\n', p)
    this.lineFrom = p
    this.lineTo = e < 0 ? this.n : e
    return this.lineTo
  }

  // The indentation of the line that starts at `indentLine`: a line's indentation is looked at by the node that
  // ends before it and again by each parent it returns to, and counting spaces is a visible share of the work.
  private indentLine = -1
  private indentOf = 0

  /** Skips blank and comment lines from `pos`; returns the indent of the next content line, or -1 at the end. */
  private nextContent(): number {
    const { s, n } = this
    let p = this.pos
    while (p < n) {
      let q = p
      if (p === this.indentLine) q += this.indentOf
      else while (s.charCodeAt(q) === SP) q++
      const c = s.charCodeAt(q)
      // Document markers belong to the stream (`splitDocumentTexts` cuts the text at them); inside one
      // document they are an error for js-yaml. Every line at column 0 passes here or through `separation`.
      if (q === p && (c === DASH || c === DOT) && isMarker(s, p)) bail()
      if (c === NL) {
        p = q + 1
        continue
      }
      if (c === HASH) {
        p = this.lineEnd(q) + 1
        continue
      }
      if (q >= n) break
      this.pos = p
      this.indentLine = p
      this.indentOf = q - p
      return q - p
    }
    this.pos = n
    return -1
  }

  /** After a node that ended mid-line: only spaces and a comment may follow; moves to the next line. */
  private endLine(p: number): void {
    const { s } = this
    let q = p
    while (s.charCodeAt(q) === SP) q++
    const c = s.charCodeAt(q)
    if (c === NL || q >= this.n) {
      this.pos = q + 1
      return
    }
    if (c === HASH && q > p) {
      this.pos = this.lineEnd(q) + 1
      return
    }
    bail()
  }

  /** Where the root node starts, once `load` has read it. */
  rootAt = -1

  /** Reads the document again, noting where the entries along `path` are (see `locateFast`). */
  locate(path: YamlPath): void {
    this.route = path
    this.onRoute = 0
    this.load()
  }

  load(): unknown {
    const indent = this.nextContent()
    if (indent < 0) {
      this.verify(this.n)
      return null
    }
    const at = this.pos + indent
    this.rootAt = at
    const c = this.s.charCodeAt(at)
    // js-yaml takes `---` at the start of a document as its marker even without a space after it (`---a: 1`
    // reads as `a: 1`).
    if (indent === 0 && this.s.startsWith('---', at)) bail()
    if (c === 0x25 /* % */ || c === 0x7c || c === 0x3e || c === 0x5b || c === 0x7b) bail()
    const value = this.block(at, indent)
    if (value === null || typeof value !== 'object') bail()
    if (this.nextContent() >= 0) bail()
    this.verify(this.n)
    return value
  }

  /** Text before this offset holds none of the characters left to js-yaml (or was a shared block, which can't). */
  private checked = 0

  /**
   * Bails if the text up to `upTo` not checked yet holds a character left to js-yaml. Checked as the parse goes
   * (rather than once for the whole text) so that shared blocks are not scanned again: scanning was a sixth of the
   * time spent reading a repository.
   */
  private verify(upTo: number): void {
    if (upTo <= this.checked) return
    const region = this.s.slice(this.checked, upTo)
    if (NOT_PLAIN_ASCII.test(region) && AWKWARD.test(region)) bail()
    this.checked = upTo
  }

  /** A node that starts at `at` (first content of a line or after `- `), inside a parent at `parentIndent`. */
  private block(at: number, parentIndent: number): unknown {
    if (++this.depth > MAX_DEPTH) bail()
    if (this.depth > this.deepest) this.deepest = this.depth
    const s = this.s
    const c = s.charCodeAt(at)
    const next = s.charCodeAt(at + 1)
    let value: unknown
    if (c === DASH && (next === SP || isBreak(next))) value = this.sequence(at)
    else {
      const colon = this.keyColon(at)
      value = colon >= 0 ? this.mapping(at, colon) : this.inline(at, parentIndent)
    }
    this.depth--
    return value
  }

  /**
   * Where the `:` of an implicit key on this line is, or -1 when the text at `at` is not a mapping key. Bails on
   * constructs left to js-yaml (anchors, tags, aliases, explicit keys, flow keys).
   */
  private keyColon(at: number): number {
    const s = this.s
    const c = s.charCodeAt(at)
    if (c === DQ || c === SQ) {
      const close = this.closingQuote(at)
      if (close < 0) return -1
      let q = close + 1
      while (s.charCodeAt(q) === SP) q++
      if (s.charCodeAt(q) !== COLON) return -1
      const f = s.charCodeAt(q + 1)
      return f === SP || isBreak(f) ? q : -1
    }
    switch (c) {
      case 0x26: // &
      case 0x2a: // *
      case 0x21: // !
      case 0x25: // %
      case 0x40: // @
      case 0x60: // `
      case 0x2c: // ,
      case 0x5d: // ]
      case 0x7d: // }
        return bail()
      case 0x5b: // [
      case 0x7b: // {
      case 0x7c: // |
      case 0x3e: // >
        return -1
      case 0x3f: // ?
      case COLON: {
        const f = s.charCodeAt(at + 1)
        if (f === SP || isBreak(f)) bail()
      }
    }
    const e = this.lineEnd(at)
    const colon = this.indicator(at, e)
    return colon >= 0 && colon < this.comment(at, e) ? colon : -1
  }

  // `:` and `#` are found with indexOf and the last hit is kept: positions only move forward, so the text is
  // scanned about once per mark, whereas a search per line would rescan to the next (maybe distant) hit.
  private colonFrom = Infinity
  private colonAt = -1
  private hashFrom = Infinity
  private hashAt = -1

  private nextColon(from: number): number {
    if (from < this.colonFrom || (this.colonAt >= 0 && this.colonAt < from)) {
      this.colonFrom = from
      this.colonAt = this.s.indexOf(':', from)
    }
    return this.colonAt < 0 ? this.n : this.colonAt
  }

  /** The first mapping indicator (`: ` or `:` at the end of the line) in [from, end), or -1. */
  private indicator(from: number, end: number): number {
    for (let i = this.nextColon(from); i < end; i = this.nextColon(i + 1)) {
      const f = this.s.charCodeAt(i + 1)
      if (f === SP || isBreak(f)) return i
    }
    return -1
  }

  /** The `#` of the first comment in [from, end), or `end`: a `#` after a space, or at `from` after a break. */
  private comment(from: number, end: number): number {
    for (;;) {
      if (from < this.hashFrom || (this.hashAt >= 0 && this.hashAt < from)) {
        this.hashFrom = from
        this.hashAt = this.s.indexOf('#', from)
      }
      const i = this.hashAt < 0 ? this.n : this.hashAt
      if (i >= end) return end
      const before = this.s.charCodeAt(i - 1)
      if (before === SP || isBreak(before)) return i
      from = i + 1
    }
  }

  /** The closing quote of a one-line quoted scalar starting at `at`, or -1 if it continues on another line. */
  private closingQuote(at: number): number {
    const s = this.s
    const quote = s.charCodeAt(at)
    for (let q = at + 1; q < this.n; q++) {
      const ch = s.charCodeAt(q)
      if (ch === NL) return -1
      if (quote === DQ && ch === BACKSLASH) q++
      else if (ch === quote) {
        if (quote === SQ && s.charCodeAt(q + 1) === SQ) q++
        else return q
      }
    }
    return -1
  }

  private key(at: number, colon: number): string {
    const c = this.s.charCodeAt(at)
    let key: string
    if (c === DQ || c === SQ) {
      key = c === DQ ? this.doubleQuoted(at).value : this.singleQuoted(at).value
    } else {
      let end = colon
      while (this.s.charCodeAt(end - 1) === SP) end--
      const text = this.s.slice(at, end)
      if (text === '<<') bail()
      const value = resolvePlain(text)
      // While locating, a key must read the same in YAML 1.2 (the \`yaml\` package) as here: only plain keys that
      // cannot be numbers, booleans or null.
      if (this.onRoute >= 0 && (value !== text || !isLetter(c))) bail()
      key = String(value)
    }
    if (key === '__proto__') bail()
    return key
  }

  // Locating (`locateFast`): the path looked for, how much of it the node being read stands on (-1: off the
  // path), and the offsets of the keys and values found along it.
  private route: YamlPath = []
  private onRoute = -1
  readonly keyAt: number[] = []
  readonly valueAt: number[] = []

  /** Whether the entry at `at` with this key or index continues the route; records where its key starts. */
  private follow(level: number, key: string | number, at: number): boolean {
    const want = this.route[level]
    if (level >= this.route.length || this.valueAt[level] !== undefined) return false
    if (typeof key === 'number' ? want !== key : String(want) !== key) return false
    this.keyAt[level] = typeof key === 'number' ? -1 : at
    return true
  }

  private mapping(at: number, colon: number): Record<string, unknown> {
    const s = this.s
    // Nodes that start a block are on the line the parser stands at.
    const indent = at - this.pos
    const level = this.onRoute
    const out: Record<string, unknown> = {}
    for (;;) {
      const key = this.key(at, colon)
      const onRoute = level >= 0 && this.follow(level, key, at)
      this.onRoute = onRoute ? level + 1 : -1
      let p = colon + 1
      while (s.charCodeAt(p) === SP) p++
      const c = s.charCodeAt(p)
      let value: unknown = null
      let start = p
      if (c === NL || c === HASH || p >= this.n) {
        this.pos = this.lineEnd(p) + 1
        const m = this.nextContent()
        start = -1
        if (m > indent) value = this.nested((start = this.pos + m), m, indent)
        else if (m === indent && this.isEntry(this.pos + m)) value = this.sequence((start = this.pos + m))
      } else value = this.inline(p, indent)
      if (onRoute) this.valueAt[level] = start
      this.onRoute = level
      // A key twice is an error for Kubernetes' decoders; js-yaml reports it with its position.
      if (Object.hasOwn(out, key)) bail()
      out[key] = value
      const m = this.nextContent()
      if (m < indent) return out
      if (m > indent) bail()
      at = this.pos + m
      colon = this.isEntry(at) ? -1 : this.keyColon(at)
      if (colon < 0) bail()
    }
  }

  /**
   * A block that starts on a line of its own at `at`, indented `indent` (deeper than its parent's): taken from the
   * shared blocks when its text was read before, read and offered to them otherwise.
   */
  private nested(at: number, indent: number, parentIndent: number): unknown {
    const shared = this.shared
    // Locating follows offsets inside the text: it reads everything.
    if (shared === undefined || this.onRoute >= 0) return this.block(at, parentIndent)
    const s = this.s
    const lineStart = at - indent
    // No block this close to the end is long enough to have been kept, or to be kept.
    if (this.n - lineStart < MIN_SHARED_BLOCK) return this.block(at, parentIndent)
    const lineOne = this.lineEnd(at)
    let lineTwo = s.indexOf('\n', lineOne + 1)
    if (lineTwo < 0) lineTwo = this.n
    // A number, not the text, is the key: hashing a fresh slice for a Map cost several times more. The lengths
    // of both lines, the start of the first and the end of the second tell most blocks apart; the rest is
    // compared anyway.
    let opening = Math.imul(lineOne - lineStart, 0x9e3779b1) ^ (lineTwo - lineOne)
    for (let i = at, e = Math.min(lineOne, at + 24); i < e; i++)
      opening = Math.imul(opening ^ s.charCodeAt(i), 16777619)
    for (let i = Math.max(lineOne, lineTwo - 16); i < lineTwo; i++)
      opening = Math.imul(opening ^ s.charCodeAt(i), 16777619)
    opening &= 0x3fffffff
    const known = shared.byOpening.get(opening)
    if (known !== undefined) {
      for (const b of known) {
        const end = lineStart + b.text.length
        // Most candidates differ in length or near their end: rule those out before comparing whole texts
        // (slice and === compare memory at once; startsWith walks characters, about 30 times slower).
        if (end > this.n || this.depth + b.height > MAX_DEPTH || !endsAlike(s, end, b.text)) continue
        if (s.slice(lineStart, end) !== b.text) continue
        // A text that ended its document without a line break may continue on the same line here.
        if (end < this.n && s.charCodeAt(end - 1) !== NL) continue
        this.pos = end
        // The block ends where it ended before only if its text is followed at once (blank lines would belong to
        // a `|+` scalar at its end) by a line indented less, or by nothing.
        const next = this.nextContent()
        if (next < indent && this.pos === end) {
          this.verify(lineStart)
          this.checked = end
          if (this.depth + b.height > this.deepest) this.deepest = this.depth + b.height
          shared.reused++
          shared.reusedChars += b.text.length
          return b.value
        }
        this.pos = lineStart
      }
    }
    const outer = this.deepest
    this.deepest = this.depth
    const value = this.block(at, parentIndent)
    const height = this.deepest - this.depth
    if (outer > this.deepest) this.deepest = outer
    if (value !== null && typeof value === 'object' && this.pos - lineStart >= MIN_SHARED_BLOCK) {
      // Only text without characters left to js-yaml may stand in for a later parse.
      this.verify(this.pos)
      const block: SharedBlock = { text: s.slice(lineStart, this.pos), value, height }
      if (known === undefined) shared.byOpening.set(opening, [block])
      else {
        // A fleet repeats blocks that open alike and differ further down (each tenant's Deployment spec with its
        // own image): only the latest few are kept, or every lookup would compare against all of them.
        if (known.length >= MAX_SHARED_ALIKE) known.shift()
        known.push(block)
      }
    }
    return value
  }

  private isEntry(p: number): boolean {
    const next = this.s.charCodeAt(p + 1)
    return this.s.charCodeAt(p) === DASH && (next === SP || isBreak(next))
  }

  private sequence(at: number): unknown[] {
    const s = this.s
    // Nodes that start a block are on the line the parser stands at.
    const indent = at - this.pos
    const level = this.onRoute
    const out: unknown[] = []
    for (;;) {
      const onRoute = level >= 0 && this.follow(level, out.length, at)
      this.onRoute = onRoute ? level + 1 : -1
      let p = at + 1
      while (s.charCodeAt(p) === SP) p++
      const c = s.charCodeAt(p)
      let start = p
      if (c === NL || c === HASH || p >= this.n) {
        this.pos = this.lineEnd(p) + 1
        const m = this.nextContent()
        // After an empty entry js-yaml takes the next `- ` as an entry of this sequence whatever its indentation.
        if (m >= 0 && m < indent && this.isEntry(this.pos + m)) bail()
        start = m > indent ? this.pos + m : -1
        out.push(m > indent ? this.block(this.pos + m, indent) : null)
      } else {
        out.push(this.block(p, indent))
      }
      if (onRoute) this.valueAt[level] = start
      this.onRoute = level
      const m = this.nextContent()
      if (m < indent) return out
      if (m > indent) bail()
      at = this.pos + m
      if (!this.isEntry(at)) return out
    }
  }

  /** A node that starts mid-line (after `key: ` or `- `, or alone on a line): a scalar or a flow collection. */
  private inline(p: number, parentIndent: number): unknown {
    const s = this.s
    const c = s.charCodeAt(p)
    const nodeIndent = parentIndent + 1
    switch (c) {
      case 0x7c: // |
      case 0x3e: // >
        return this.blockScalar(p, nodeIndent)
      case DQ: {
        const r = this.doubleQuoted(p)
        this.endLine(r.end)
        return r.value
      }
      case SQ: {
        const r = this.singleQuoted(p)
        this.endLine(r.end)
        return r.value
      }
      case 0x5b: // [
      case 0x7b: {
        // {
        const r = this.flow(p)
        this.endLine(r.end)
        return r.value
      }
      case 0x26:
      case 0x2a:
      case 0x21:
      case 0x25:
      case 0x40:
      case 0x60:
      case 0x2c:
      case 0x5d:
      case 0x7d:
      case HASH:
        return bail()
      case 0x3f:
      case COLON:
      case DASH: {
        const f = s.charCodeAt(p + 1)
        if (f === SP || isBreak(f)) bail()
      }
    }
    return this.plain(p, nodeIndent)
  }

  /** A plain scalar in block context, possibly continued on more-indented lines (folded with spaces). */
  private plain(p: number, nodeIndent: number): unknown {
    const { s, n } = this
    let result = ''
    let q = p
    for (;;) {
      const e = this.lineEnd(q)
      const hash = this.comment(q, e)
      const colon = this.indicator(q, hash)
      if (colon >= 0) bail()
      let end = hash
      while (end > q && s.charCodeAt(end - 1) === SP) end--
      result += s.slice(q, end)
      if (hash < e) {
        // A comment ends the scalar; js-yaml rejects more-indented text after it, and so does the caller.
        this.pos = e + 1
        return resolvePlain(result)
      }
      // Look for a continuation line: blank lines become newlines, a single break a space.
      let r = e + 1
      let breaks = 1
      let indent = 0
      for (;;) {
        indent = 0
        while (s.charCodeAt(r + indent) === SP) indent++
        if (s.charCodeAt(r + indent) === NL) {
          r += indent + 1
          breaks++
          continue
        }
        break
      }
      if (r + indent >= n || indent < nodeIndent || s.charCodeAt(r + indent) === HASH) {
        this.indentLine = r
        this.indentOf = indent
        this.pos = e + 1
        return resolvePlain(result)
      }
      result += breaks === 1 ? ' ' : '\n'.repeat(breaks - 1)
      q = r + indent
    }
  }

  private doubleQuoted(p: number): { value: string; end: number } {
    const s = this.s
    let result = ''
    let q = p + 1
    let start = q
    let end = q
    while (q < this.n) {
      const ch = s.charCodeAt(q)
      if (ch === DQ) {
        result += s.slice(start, q)
        return { value: result, end: q + 1 }
      }
      if (ch === BACKSLASH) {
        result += s.slice(start, q)
        const e = s[q + 1]
        if (e === '\n') {
          q = this.separation(q + 1).next
        } else if (e in SIMPLE_ESCAPES) {
          result += SIMPLE_ESCAPES[e]
          q += 2
        } else if (e === 'x' || e === 'u' || e === 'U') {
          const len = e === 'x' ? 2 : e === 'u' ? 4 : 8
          const hex = s.slice(q + 2, q + 2 + len)
          const code = parseInt(hex, 16)
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len || code > 0x10ffff) bail()
          result += String.fromCodePoint(code)
          q += 2 + len
        } else bail()
        start = end = q
      } else if (ch === NL) {
        result += s.slice(start, end)
        const sep = this.separation(q)
        result += sep.breaks === 1 ? ' ' : '\n'.repeat(sep.breaks - 1)
        q = start = end = sep.next
      } else {
        q++
        if (ch !== SP) end = q
      }
    }
    return bail()
  }

  private singleQuoted(p: number): { value: string; end: number } {
    const s = this.s
    let result = ''
    let q = p + 1
    let start = q
    let end = q
    while (q < this.n) {
      const ch = s.charCodeAt(q)
      if (ch === SQ) {
        result += s.slice(start, q)
        if (s.charCodeAt(q + 1) === SQ) {
          result += "'"
          q += 2
          start = end = q
          continue
        }
        return { value: result, end: q + 1 }
      }
      if (ch === NL) {
        result += s.slice(start, end)
        const sep = this.separation(q)
        result += sep.breaks === 1 ? ' ' : '\n'.repeat(sep.breaks - 1)
        q = start = end = sep.next
      } else {
        q++
        if (ch !== SP) end = q
      }
    }
    return bail()
  }

  /** Line breaks and leading spaces inside a quoted scalar, from the break at `q` (js-yaml does not hold its
   * continuation lines to any indentation). */
  private separation(q: number): { breaks: number; next: number } {
    const s = this.s
    let breaks = 0
    let r = q
    while (s.charCodeAt(r) === NL) {
      breaks++
      r++
      if (isMarker(s, r)) bail()
      while (s.charCodeAt(r) === SP) r++
    }
    // A document marker inside a quoted scalar is an error for js-yaml.
    if (r >= this.n) bail()
    return { breaks, next: r }
  }

  /** `|` and `>` scalars, following js-yaml's reading of indentation, folding and chomping. */
  private blockScalar(p: number, nodeIndent: number): string {
    const { s, n } = this
    const folding = s.charCodeAt(p) === 0x3e
    let chomping: 'clip' | 'strip' | 'keep' = 'clip'
    let textIndent = nodeIndent
    let detectedIndent = false
    let q = p + 1
    for (;;) {
      const ch = s.charCodeAt(q)
      if (ch === 0x2b || ch === DASH) {
        if (chomping !== 'clip') bail()
        chomping = ch === 0x2b ? 'keep' : 'strip'
      } else if (ch >= 0x31 && ch <= 0x39) {
        if (detectedIndent) bail()
        textIndent = nodeIndent + (ch - 0x30) - 1
        detectedIndent = true
      } else break
      q++
    }
    this.endLine(q)
    const start = this.pos
    const header = `${textIndent}${detectedIndent ? '' : '~'}`
    let result = ''
    let didReadContent = false
    let emptyLines = 0
    let atMoreIndented = false
    let line = start
    const known = folding ? undefined : knownPrefixes.find(s, start, header)
    if (known) {
      // Read as the lines of the known prefix were read before: its characters were checked then.
      this.verify(start)
      line = start + known.raw.length
      this.checked = Math.max(this.checked, line)
      result = known.value
      didReadContent = true
      detectedIndent = true
      textIndent = known.indent
      emptyLines = known.emptyLines
    }
    // The block up to its last document separator, as read so far: what a later block may start with.
    let prefix: { end: number; value: string; emptyLines: number } | undefined
    while (line < n) {
      let indent = 0
      while ((!detectedIndent || indent < textIndent) && s.charCodeAt(line + indent) === SP) indent++
      if (!detectedIndent && indent > textIndent) textIndent = indent
      const ch = s.charCodeAt(line + indent)
      if (ch === NL) {
        emptyLines++
        line += indent + 1
        continue
      }
      if (line + indent >= n) break
      if (!detectedIndent && textIndent === 0) bail()
      if (indent < textIndent) break
      if (!folding && didReadContent && ch === DASH && isSeparatorLine(s, line + indent))
        prefix = { end: line, value: result, emptyLines }
      if (folding) {
        if (ch === SP) {
          atMoreIndented = true
          result += '\n'.repeat(didReadContent ? 1 + emptyLines : emptyLines)
        } else if (atMoreIndented) {
          atMoreIndented = false
          result += '\n'.repeat(emptyLines + 1)
        } else if (emptyLines === 0) {
          if (didReadContent) result += ' '
        } else {
          result += '\n'.repeat(emptyLines)
        }
      } else {
        result += '\n'.repeat(didReadContent ? 1 + emptyLines : emptyLines)
      }
      didReadContent = true
      detectedIndent = true
      emptyLines = 0
      const e = this.lineEnd(line + indent)
      result += s.slice(line + indent, e)
      line = e + 1
    }
    // A block read on from a known prefix meets that prefix's separator first: nothing new to keep.
    if (
      prefix &&
      prefix.end - start >= KNOWN_PREFIX_MIN &&
      prefix.end !== start + (known?.raw.length ?? -1)
    ) {
      // Only lines whose characters are all the loader's own may stand in for reading them.
      this.verify(prefix.end)
      knownPrefixes.add(header, s.slice(start, prefix.end), prefix.value, textIndent, prefix.emptyLines)
    }
    if (chomping === 'keep') result += '\n'.repeat(didReadContent ? 1 + emptyLines : emptyLines)
    else if (chomping === 'clip' && didReadContent) result += '\n'
    // The parent resumes at the first line the scalar did not take; blank lines before it are skipped anyway.
    this.pos = Math.min(line, n)
    // A ConfigMap's manifest, the same in every cluster's: one string for all of them.
    return intern(result)
  }

  /** A flow collection that closes on the same line (`[]`, `{}`, `[a, "b"]`, `{a: 1}`). */
  private flow(p: number): { value: unknown; end: number } {
    if (++this.depth > MAX_DEPTH) bail()
    const s = this.s
    const isMap = s.charCodeAt(p) === 0x7b
    const close = isMap ? 0x7d : 0x5d
    const outMap: Record<string, unknown> = {}
    const outSeq: unknown[] = []
    let q = p + 1
    const skip = () => {
      while (s.charCodeAt(q) === SP) q++
    }
    skip()
    if (s.charCodeAt(q) === close) {
      this.depth--
      return { value: isMap ? outMap : outSeq, end: q + 1 }
    }
    for (;;) {
      skip()
      const first = this.flowScalarOrCollection(q)
      q = first.end
      skip()
      if (isMap) {
        if (s.charCodeAt(q) !== COLON || s.charCodeAt(q + 1) !== SP || typeof first.key !== 'string') bail()
        q += 2
        skip()
        const v = this.flowScalarOrCollection(q)
        q = v.end
        if (first.key === '__proto__' || Object.hasOwn(outMap, first.key as string)) bail()
        outMap[first.key as string] = v.value
        skip()
      } else {
        if (s.charCodeAt(q) === COLON) bail()
        outSeq.push(first.value)
      }
      const c = s.charCodeAt(q)
      if (c === 0x2c) {
        q++
        skip()
        if (s.charCodeAt(q) === close) bail()
        continue
      }
      if (c === close) {
        this.depth--
        return { value: isMap ? outMap : outSeq, end: q + 1 }
      }
      return bail()
    }
  }

  /** One flow item; `key` is its text as a mapping key would read it. */
  private flowScalarOrCollection(q: number): { value: unknown; key?: string; end: number } {
    const s = this.s
    const c = s.charCodeAt(q)
    if (c === 0x5b || c === 0x7b) return this.flow(q)
    if (c === DQ || c === SQ) {
      if (this.closingQuote(q) < 0) bail()
      const r = c === DQ ? this.doubleQuoted(q) : this.singleQuoted(q)
      return { value: r.value, key: r.value, end: r.end }
    }
    switch (c) {
      case NL:
      case HASH:
      case 0x2c:
      case 0x5d:
      case 0x7d:
      case 0x26:
      case 0x2a:
      case 0x21:
      case 0x25:
      case 0x40:
      case 0x60:
      case 0x7c:
      case 0x3e:
      case 0x3f:
      case COLON:
        return bail()
      case DASH: {
        const f = s.charCodeAt(q + 1)
        if (f === SP || f === 0x2c || f === 0x5d || f === 0x7d) bail()
      }
    }
    let e = q
    let end = q
    for (;;) {
      const ch = s.charCodeAt(e)
      if (isBreak(ch) || ch === 0x2c || ch === 0x5b || ch === 0x5d || ch === 0x7b || ch === 0x7d) break
      if (ch === COLON) {
        const f = s.charCodeAt(e + 1)
        if (f === SP || f === 0x2c || f === 0x5b || f === 0x5d || f === 0x7b || f === 0x7d || isBreak(f))
          break
      }
      if (ch === HASH && s.charCodeAt(e - 1) === SP) bail()
      e++
      if (ch !== SP) end = e
    }
    if (isBreak(s.charCodeAt(e))) bail()
    const text = s.slice(q, end)
    if (text === '<<') bail()
    const value = resolvePlain(text)
    return { value, key: String(value), end }
  }
}

/**
 * Parses one YAML document's text; `UNSUPPORTED` means "ask js-yaml" (which also reports syntax errors). With
 * `shared`, blocks read before in the same run are reused (see `SharedBlocks`).
 */
export function loadFast(text: string, shared?: SharedBlocks): ParsedValue | typeof UNSUPPORTED {
  try {
    return sealParsed(new Loader(text, shared).load())
  } catch (e) {
    if (e instanceof Unsupported) return UNSUPPORTED
    throw e
  }
}

/**
 * Where `positionOf` (in `documents.ts`) points for `path` in a document the fast loader reads: the offset of the
 * deepest key on the path that exists (its value's offset with `at: 'value'` for the last one, an item's own offset
 * in a sequence), as the \`yaml\` package's nodes give it; `UNSUPPORTED` leaves the question to that package.
 * Reading a small document again is much cheaper than building the package's node tree for it.
 */
export function locateFast(text: string, path: YamlPath, at: 'key' | 'value'): number | typeof UNSUPPORTED {
  if (NOT_PLAIN_ASCII.test(text) && AWKWARD.test(text)) return UNSUPPORTED
  const loader = new Loader(text)
  try {
    loader.locate(path)
  } catch (e) {
    if (e instanceof Unsupported) return UNSUPPORTED
    throw e
  }
  let best = loader.rootAt
  for (let i = 0; i < path.length; i++) {
    const value = loader.valueAt[i]
    if (value === undefined) break
    const key = loader.keyAt[i]
    // An empty value has no node of its own: the key stands for it, and nothing lies below it.
    if (value < 0) {
      if (key < 0 || (i === path.length - 1 && at === 'value')) return UNSUPPORTED
      best = key
      break
    }
    best = i === path.length - 1 && at === 'value' ? value : key >= 0 ? key : value
    // The entries of flow collections (`[a, b]`, `{a: 1}`) are not followed.
    const c = text.charCodeAt(value)
    if (i < path.length - 1 && (c === 0x5b || c === 0x7b)) return UNSUPPORTED
  }
  return best < 0 ? 0 : best
}
