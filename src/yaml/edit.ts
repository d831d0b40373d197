import { isDeepStrictEqual } from 'node:util'
import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  parse,
  parseDocument,
  type Document,
  type Node,
  Scalar
} from 'yaml'
import { FcuError } from '../errors.js'
import { lineIndexOf, lineStarts, splitDocumentTexts, type YamlPath } from './documents.js'
import { pushAll } from '../arrays.js'

/**
 * Edits to files the user owns. The original text is spliced at node positions from the `yaml` package, so that
 * every byte outside an edited node stays as the user wrote it (a re-dump would re-format flow maps, indentation
 * and comments). Documents are numbered as `parseDocuments` numbers them; paths are inside one document.
 */

export type ScalarValue = string | number | boolean | null

export type Edit =
  /** Sets a scalar, keeping its quoting style where the value can be written in it. */
  | { op: 'set'; doc?: number; path: YamlPath; value: ScalarValue }
  /** Replaces a scalar by a literal block (`|`), or a double-quoted scalar where a block cannot hold the value. */
  | { op: 'block'; doc?: number; path: YamlPath; value: string }
  /** Inserts entries after entry `after` of the sequence at `path`, in the sequence's own style. */
  | { op: 'insert'; doc?: number; path: YamlPath; after: number; values: ScalarValue[] }
  /** Removes the sequence entry at `path` (its last element is the index). */
  | { op: 'remove'; doc?: number; path: YamlPath }
  /**
   * Inserts copies of the sequence entry at `path` after it, each with one scalar inside it (`at`, relative to the
   * entry) set: a ClusterResourceSet's `{name, kind}` entry for a ConfigMap split into parts.
   */
  | {
      op: 'duplicate'
      doc?: number
      path: YamlPath
      copies: ReadonlyArray<{ at: YamlPath; value: ScalarValue }>
    }

/** A scalar found by value: where it is, as an edit addresses it and as a person reads it. */
export interface ScalarRef {
  doc: number
  path: (string | number)[]
  /** 1-based file line and column. */
  line: number
  column: number
}

interface Splice {
  start: number
  end: number
  text: string
}

interface ParsedDoc {
  /** Offset of the document's text in the file: every node range is shifted by it. */
  base: number
  doc: Document.Parsed
}

interface Region {
  /** Where the replaced text ends: the end of the scalar's text, or of its line when a block replaces it. */
  end: number
  /** What follows the scalar on its line (a comment), kept after a new block header. */
  tail: string
  header?: string
  content?: string
}

interface Located {
  node: Node
  /** Column that block content indentation is counted from (the key's column, or the `-` of an entry). */
  column: number
  inFlow: boolean
}

/** Applies several edits to one file's text at once; the edited values are read back before returning. */
export function applyEdits(text: string, edits: readonly Edit[], file: string): string {
  const docs = parseAll(text, file)
  const splices = edits.map(e => spliceFor(text, docOf(docs, e.doc ?? 0, file), e, file))
  const out = join(text, splices, file)
  verify(docs, parseAll(out, file, 'internal'), edits, file)
  return out
}

/** Every string scalar (not a key) equal to `value`, in file order: to follow a reference from file to file. */
export function findScalars(text: string, value: string, file: string): ScalarRef[] {
  return findScalarsOf(text, new Set([value]), file).get(value) ?? []
}

/** `findScalars` for several values at once, by value: the file is parsed and walked once. */
export function findScalarsOf(
  text: string,
  values: ReadonlySet<string>,
  file: string
): Map<string, ScalarRef[]> {
  const out = new Map<string, ScalarRef[]>()
  const at = positions(text)
  parseAll(text, file).forEach(({ base, doc }, index) => {
    const walk = (node: unknown, path: (string | number)[]): void => {
      if (isScalar(node) && typeof node.value === 'string' && values.has(node.value) && node.range) {
        const refs = out.get(node.value) ?? []
        refs.push({ doc: index, path, ...at(base + node.range[0]) })
        out.set(node.value, refs)
      } else if (isMap(node)) {
        for (const pair of node.items) walk(pair.value, [...path, keyOf(pair.key)])
      } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]))
    }
    walk(doc.contents, [])
  })
  return out
}

/** The indexes of the entries of the sequence at `path` that equal `value` (the entries a rename sets). */
export function findEntries(
  text: string,
  doc: number,
  path: YamlPath,
  value: string,
  file: string
): number[] {
  return findScalars(text, value, file)
    .filter(r => r.doc === doc && r.path.length === path.length + 1 && path.every((k, i) => r.path[i] === k))
    .map(r => r.path[path.length] as number)
}

/**
 * The last few texts parsed, by text: following a rename reads a file's scalars, then edits it, parsing it for
 * each. The parsed documents are only read. Small texts only, so that the lookup stays cheaper than a parse.
 */
const recentlyParsed = new Map<string, ParsedDoc[]>()
const RECENT_MAX_CHARS = 1 << 16
const RECENT_COUNT = 8

function parseAll(text: string, file: string, code: 'manifest' | 'internal' = 'manifest'): ParsedDoc[] {
  const known = recentlyParsed.get(text)
  if (known) return known
  const docs = parseAllUncached(text, file, code)
  if (text.length <= RECENT_MAX_CHARS) {
    if (recentlyParsed.size >= RECENT_COUNT) recentlyParsed.delete(recentlyParsed.keys().next().value!)
    recentlyParsed.set(text, docs)
  }
  return docs
}

function parseAllUncached(text: string, file: string, code: 'manifest' | 'internal'): ParsedDoc[] {
  // Each document starts at the beginning of its first line: that line's offset is where its ranges count from.
  let line = 1
  let base = 0
  return splitDocumentTexts(text).map(d => {
    for (; line < d.startLine; line++) base = text.indexOf('\n', base) + 1
    const doc = parseDocument(d.text)
    const error = doc.errors[0]
    if (error) {
      throw new FcuError(
        code,
        `${file} does not parse as YAML${code === 'internal' ? ' after editing' : ''}`,
        {
          location: { file, ...position(text, base + error.pos[0]) },
          hint: code === 'internal' ? 'This is a bug in the editor.' : 'Fix the YAML syntax at that line.',
          cause: error
        }
      )
    }
    return { base, doc }
  })
}

function docOf(docs: ParsedDoc[], index: number, file: string): ParsedDoc {
  const d = docs[index]
  if (!d) throw bug(file, `no document ${index}`)
  return d
}

const keyOf = (key: unknown): string => String(isScalar(key) ? key.value : key)

function locate(text: string, { base, doc }: ParsedDoc, path: YamlPath, file: string): Located {
  let node = doc.contents as Node | null
  let column = 0
  let inFlow = false
  for (const k of path) {
    if (!node || isAlias(node)) break
    inFlow ||= (isMap(node) || isSeq(node)) && node.flow === true
    if (isMap(node)) {
      const pair = node.items.find(p => keyOf(p.key) === String(k))
      const key = pair?.key as Node | undefined
      if (key?.range) column = columnOf(text, base + key.range[0])
      node = (pair?.value as Node | null) ?? null
    } else if (isSeq(node) && typeof k === 'number') {
      node = (node.items[k] as Node | null) ?? null
      if (node?.range) column = columnOf(text, dashBefore(text, base + node.range[0]) ?? base + node.range[0])
    } else node = null
  }
  if (!node?.range || isAlias(node)) throw bug(file, `no editable node at ${JSON.stringify(path)}`)
  return { node, column, inFlow }
}

function spliceFor(text: string, d: ParsedDoc, edit: Edit, file: string): Splice {
  if (edit.op === 'set' || edit.op === 'block') return scalarSplice(text, d, edit, file)
  const seqPath = edit.op === 'insert' ? edit.path : edit.path.slice(0, -1)
  if (edit.op === 'duplicate') return duplicateSplice(text, d, edit, seqPath, file)
  const seq = locate(text, d, seqPath, file).node
  const i = edit.op === 'insert' ? edit.after : (edit.path[edit.path.length - 1] as number)
  if (!isSeq(seq) || !isNode(seq.items[i]))
    throw bug(file, `no list entry ${i} at ${JSON.stringify(seqPath)}`)
  const items = seq.items.map(n => (n as Node).range!.map(o => o + d.base))
  const [start, end] = items[i]
  if (seq.flow) {
    if (edit.op === 'insert') {
      const style = isScalar(seq.items[i]) ? seq.items[i].type : undefined
      return { start: end, end, text: edit.values.map(v => `, ${flowScalar(v, style, true)}`).join('') }
    }
    if (items[i + 1]) return { start, end: items[i + 1][0], text: '' }
    if (items[i - 1]) return { start: items[i - 1][1], end, text: '' }
    return { start, end, text: '' }
  }
  const dash = dashBefore(text, start)
  const lineBegin = text.lastIndexOf('\n', (dash ?? 0) - 1) + 1
  // An entry sharing its line (`- - a`) can have entries added after it, but not its line removed.
  if (dash === undefined || (edit.op === 'remove' && text.slice(lineBegin, dash).trim() !== '')) {
    throw bug(file, `entry ${i} at ${JSON.stringify(seqPath)} does not start its own line`)
  }
  const last = lastLineEnd(text, end)
  if (edit.op === 'insert') {
    const style = isScalar(seq.items[i]) ? seq.items[i].type : undefined
    const lines = edit.values.map(v => `${' '.repeat(dash - lineBegin)}- ${flowScalar(v, style, false)}`)
    return last.offset === text.length
      ? { start: last.offset, end: last.offset, text: lines.map(l => last.eol + l).join('') }
      : { start: last.next, end: last.next, text: lines.map(l => l + last.eol).join('') }
  }
  if (items.length > 1) return { start: lineBegin, end: last.next, text: '' }
  // The only entry of a block list: the list becomes `[]` right after its key.
  const colon = text.slice(0, dash).search(/:[ \t\r\n]*$/)
  if (colon < 0) throw bug(file, `cannot empty the list at ${JSON.stringify(seqPath)}`)
  return { start: colon + 1, end: last.offset, text: ' []' }
}

/** The entry's own text, copied after it once per copy, each with its scalar set (an edit of the copy alone). */
function duplicateSplice(
  text: string,
  d: ParsedDoc,
  edit: Extract<Edit, { op: 'duplicate' }>,
  seqPath: YamlPath,
  file: string
): Splice {
  const seq = locate(text, d, seqPath, file).node
  const i = edit.path[edit.path.length - 1] as number
  if (!isSeq(seq) || !isNode(seq.items[i]))
    throw bug(file, `no list entry ${i} at ${JSON.stringify(seqPath)}`)
  const [start, end] = (seq.items[i] as Node).range!.map(o => o + d.base)
  if (seq.flow) {
    const own = text.slice(start, end)
    const copies = edit.copies.map(
      c => `, ${applyEdits(own, [{ op: 'set', path: c.at, value: c.value }], file)}`
    )
    return { start: end, end, text: copies.join('') }
  }
  const dash = dashBefore(text, start)
  const lineBegin = text.lastIndexOf('\n', (dash ?? 0) - 1) + 1
  if (dash === undefined || text.slice(lineBegin, dash).trim() !== '') {
    throw bug(file, `entry ${i} at ${JSON.stringify(seqPath)} does not start its own line`)
  }
  const last = lastLineEnd(text, end)
  // The copy is a one-entry list at the entry's own indentation: a document of its own, edited like any file.
  const own = text.slice(lineBegin, last.offset)
  const copies = edit.copies.map(c =>
    applyEdits(own, [{ op: 'set', path: [0, ...c.at], value: c.value }], file)
  )
  return last.offset === text.length
    ? { start: last.offset, end: last.offset, text: copies.map(c => last.eol + c).join('') }
    : { start: last.next, end: last.next, text: copies.map(c => c + last.eol).join('') }
}

function scalarSplice(
  text: string,
  d: ParsedDoc,
  edit: Extract<Edit, { op: 'set' | 'block' }>,
  file: string
): Splice {
  const at = locate(text, d, edit.path, file)
  const [start, valueEnd] = at.node.range!.map(o => o + d.base)
  if (!isScalar(at.node)) throw bug(file, `no scalar at ${JSON.stringify(edit.path)}`)
  const type = at.node.type
  const isBlock = type === Scalar.BLOCK_LITERAL || type === Scalar.BLOCK_FOLDED
  const region = isBlock ? blockRegion(text, start, valueEnd) : lineRegion(text, valueEnd)
  const wantBlock = edit.op === 'block' || (isBlock && typeof edit.value === 'string')
  const block =
    wantBlock && !at.inFlow
      ? literalBlock(String(edit.value), indentOf(region, at.column), at.column, eolAt(text, region.end).eol)
      : undefined
  // Blank lines after a keep-chomped (`|+`) block would join its value.
  const after = text.slice(eolAt(text, region.end).next)
  const blankAfter = after !== '' && /^[ \t]*(\r?\n|$)/.test(after)
  // An empty value (`key:`, `key: # c`) sits against its indicator or a comment: spaces keep them apart.
  const lead = start === valueEnd && /[:-]/.test(text[start - 1] ?? '') ? ' ' : ''
  const tail = /^[^\s]/.test(region.tail) ? ` ${region.tail}` : region.tail
  if (block && !(block.keep && blankAfter))
    return { start, end: region.end, text: lead + block.header + tail + block.body }
  const flow = lead + flowScalar(edit.value, wantBlock ? Scalar.QUOTE_DOUBLE : type, at.inFlow)
  if (isBlock) return { start, end: region.end, text: flow + tail }
  return { start, end: valueEnd, text: start === valueEnd && text[start] === '#' ? `${flow} ` : flow }
}

/** A block scalar's header, the comment after it, its content, and where its text ends (before the last break). */
function blockRegion(text: string, start: number, end: number): Region {
  const header = /^[|>][0-9+-]*/.exec(text.slice(start, start + 4))![0]
  const headerEnd = eolAt(text, start)
  const contentEnd = text[end - 1] === '\n' ? end - (text[end - 2] === '\r' ? 2 : 1) : end
  const stop = Math.max(contentEnd, headerEnd.offset)
  const content = text.slice(headerEnd.next, stop)
  return { end: stop, tail: text.slice(start + header.length, headerEnd.offset), header, content }
}

/** A flow scalar's line: what follows it on the line (a comment) is kept after a block header. */
function lineRegion(text: string, valueEnd: number): Region {
  const end = eolAt(text, valueEnd).offset
  return { end, tail: text.slice(valueEnd, end) }
}

/** A block's content indentation: an existing block's own (a smaller diff), else two more than its key or `-`. */
function indentOf(region: Region, column: number): number {
  const explicit = /\d/.exec(region.header ?? '')
  if (explicit) return column + Number(explicit[0])
  const first = /^( *)[^ \r\n]/m.exec(region.content ?? '')
  return first && first[1].length > column ? first[1].length : column + 2
}

/** A literal block for `value`, or undefined when a block cannot hold it (line breaks other than \n, controls). */
function literalBlock(value: string, indent: number, column: number, eol: string) {
  if (/[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\u{10ffff}]/u.test(value)) return undefined
  const body = value.endsWith('\n') ? value.slice(0, -1) : value
  const chomp = !value.endsWith('\n') ? '-' : body === '' || body.endsWith('\n') ? '+' : ''
  const lines = value === '' ? [] : body.split('\n')
  // Content that starts with a space would be read as deeper indentation: the indicator says how deep.
  const first = lines.find(l => l !== '')
  const indicator = first?.startsWith(' ') ? String(indent - column) : ''
  if (indicator.length > 1) return literalBlock(value, column + 2, column, eol)
  const pad = ' '.repeat(indent)
  const text = lines.map(l => eol + (l === '' ? '' : pad + l)).join('')
  return { header: `|${indicator}${chomp}`, body: text, keep: chomp === '+' }
}

/** The scalar written in `style` if it reads back as itself there, else plain, single- or double-quoted. */
function flowScalar(value: ScalarValue, style: Scalar.Type | undefined, inFlow: boolean): string {
  if (typeof value !== 'string') return String(value)
  const order = [style, Scalar.PLAIN, Scalar.QUOTE_SINGLE, Scalar.QUOTE_DOUBLE]
  for (const s of order) {
    if (s === Scalar.PLAIN && plainReads(value, inFlow)) return value
    if (
      s === Scalar.QUOTE_SINGLE &&
      !/[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\u{10ffff}]/u.test(value)
    ) {
      return `'${value.replace(/'/g, "''")}'`
    }
    if (s === Scalar.QUOTE_DOUBLE) break
  }
  return JSON.stringify(value)
}

/** A plain scalar that YAML 1.2 and 1.1 readers (Kubernetes tools are 1.1) both read as this same string. */
function plainReads(value: string, inFlow: boolean): boolean {
  if (
    value === '' ||
    value.trim() !== value ||
    /[\n\r\t]/.test(value) ||
    (inFlow && /[,[\]{}]/.test(value))
  ) {
    return false
  }
  try {
    return parse(value) === value && parse(value, { version: '1.1' }) === value
  } catch {
    return false
  }
}

/** The `-` of a block sequence entry whose node starts at `offset`, if it is on the same line. */
function dashBefore(text: string, offset: number): number | undefined {
  let i = offset - 1
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--
  return text[i] === '-' ? i : undefined
}

/** The end of the last line of a node (comments on it included): its line break and the offset after it. */
function lastLineEnd(text: string, end: number): { offset: number; next: number; eol: string } {
  let i = end
  while (i > 0 && /\s/.test(text[i - 1])) i--
  return eolAt(text, i)
}

/** The line break at or after `offset` (its start, the offset after it, and the break itself). */
function eolAt(text: string, offset: number): { offset: number; next: number; eol: string } {
  const nl = text.indexOf('\n', offset)
  if (nl < 0) return { offset: text.length, next: text.length, eol: text.includes('\r\n') ? '\r\n' : '\n' }
  const cr = nl > 0 && text[nl - 1] === '\r'
  return { offset: cr ? nl - 1 : nl, next: nl + 1, eol: cr ? '\r\n' : '\n' }
}

const columnOf = (text: string, offset: number): number => offset - (text.lastIndexOf('\n', offset - 1) + 1)

/** 1-based line and column of offsets, from the file's line starts found once. */
function positions(text: string): (offset: number) => { line: number; column: number } {
  const starts = lineStarts(text)
  return offset => {
    const i = lineIndexOf(starts, offset)
    return { line: i + 1, column: offset - starts[i] + 1 }
  }
}

const position = (text: string, offset: number) => positions(text)(offset)

/** Splices in file order; edits that touch the same text (or insert at the same place) are an error. */
function join(text: string, splices: Splice[], file: string): string {
  const sorted = [...splices].sort((a, b) => a.start - b.start || a.end - b.end)
  let out = ''
  let cursor = 0
  sorted.forEach((s, i) => {
    const prev = sorted[i - 1]
    if (
      prev &&
      (s.start < prev.end || (s.start === prev.start && s.end === s.start && prev.end === prev.start))
    ) {
      throw new FcuError('internal', `${file}: two edits change the same text`, {
        location: { file, ...position(text, s.start) },
        hint: 'Edits applied together must not overlap; this is a bug in the caller.'
      })
    }
    out += text.slice(cursor, s.start) + s.text
    cursor = s.end
  })
  return out + text.slice(cursor)
}

/** The edited file must read as the original with exactly the intended changes: anything else is a splice bug. */
function verify(before: ParsedDoc[], after: ParsedDoc[], edits: readonly Edit[], file: string): void {
  const expected = before.map(d => d.doc.toJS() as unknown)
  const lists = new Map<unknown[], Map<number, { remove?: boolean; after: unknown[] }>>()
  const at = (doc: number, path: YamlPath) => path.reduce((v: any, k) => v?.[k], expected[doc]) // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const e of edits) {
    const doc = e.doc ?? 0
    if (e.op === 'set' || e.op === 'block') {
      if (e.path.length === 0) expected[doc] = e.value
      else at(doc, e.path.slice(0, -1))[e.path[e.path.length - 1]] = e.value
      continue
    }
    // Indexes are the original ones: entries change only once every edit is placed.
    const list = at(doc, e.op === 'insert' ? e.path : e.path.slice(0, -1)) as unknown[]
    const index = e.op === 'insert' ? e.after : (e.path[e.path.length - 1] as number)
    const marks = lists.get(list) ?? new Map<number, { remove?: boolean; after: unknown[] }>()
    const mark = marks.get(index) ?? { after: [] }
    if (e.op === 'insert') pushAll(mark.after, e.values)
    else if (e.op === 'duplicate') {
      for (const c of e.copies) {
        const copy = cloneValue(list[index])
        if (c.at.length === 0) mark.after.push(c.value)
        else {
          c.at.slice(0, -1).reduce((v: any, k) => v[k], copy)[c.at[c.at.length - 1]] = c.value // eslint-disable-line @typescript-eslint/no-explicit-any
          mark.after.push(copy)
        }
      }
    } else mark.remove = true
    lists.set(list, marks.set(index, mark))
  }
  for (const [list, marks] of lists) {
    const next = list.flatMap((v, i) => [
      ...(marks.get(i)?.remove ? [] : [v]),
      ...(marks.get(i)?.after ?? [])
    ])
    list.length = 0
    pushAll(list, next)
  }
  const actual = after.map(d => d.doc.toJS() as unknown)
  const wrong = expected.findIndex((v, i) => !isDeepStrictEqual(v, actual[i]))
  if (wrong >= 0 || actual.length !== expected.length) {
    throw bug(
      file,
      `the edited text does not read back as intended (document ${wrong < 0 ? expected.length : wrong})`
    )
  }
}

/** A copy in this realm (structuredClone's objects fail a deep-strict comparison under a test VM). */
const cloneValue = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(cloneValue)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneValue(x)]))
      : v

const bug = (file: string, message: string): FcuError =>
  new FcuError('internal', `editing ${file}: ${message}`, {
    location: { file },
    hint: 'This is a bug in flux-crs-upgrade; please report it with the file.'
  })
