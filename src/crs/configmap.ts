import { isMap, isScalar, type Node, type Pair, type YAMLMap } from 'yaml'
import { FcuError } from '../errors.js'
import { dataScalar, doubleQuoted, inlineScalar } from '../yaml/scalar.js'
import { pushAll } from '../arrays.js'
import { cutValueLines, parseStream, type LinePositions } from './stream.js'

/**
 * A ConfigMap file as people really have it (issue 9 item 1): `kubectl create configmap --from-file
 * --dry-run=client -o yaml` output (`metadata` last, so the name sits at the end of a 5,000-line file), files
 * written by hand (metadata first, labels, annotations, comments) and kustomize generator output. Reading gives
 * every position a change or a finding needs; rendering splices the original text, so only the data values, the
 * names that carry the version and the provenance annotations change.
 */

/** Offsets into the file's text, end exclusive. */
export interface Span {
  start: number
  end: number
}

export type ScalarStyle = 'plain' | 'single-quoted' | 'double-quoted' | 'literal' | 'folded'

export interface ScalarField {
  value: string
  span: Span
  /** 1-based file line of the value. */
  line: number
  style: ScalarStyle
}

export interface DataEntry {
  key: string
  keySpan: Span
  /** 1-based file line of the key. */
  line: number
  value: string
  /** The value's text: a block's header through its last content line (and newline), or a flow scalar. */
  span: Span
  style: ScalarStyle
  /**
   * The 1-based file line where each line of the value starts: one to one for a literal block, worked out from
   * the escapes and folds of a double-quoted scalar; the value's first line for every line of other styles
   * (`exactLines` false).
   */
  lineStarts: number[]
  exactLines: boolean
}

export interface ConfigMapSource {
  file: string
  text: string
  /** 0-based index of the ConfigMap's document in the file. */
  document: number
  name: ScalarField
  namespace?: ScalarField
  /** In file order. */
  data: DataEntry[]
  /** The ConfigMap's annotations as parsed (string values only). */
  annotations: Record<string, string>
}

/** Where an upstream manifest came from, recorded on the ConfigMaps made from it (SPEC §2, issue 9 item 6). */
export interface Provenance {
  component: string
  version: string
  /** The URL the manifest was downloaded from. */
  source?: string
  /** sha256 of the upstream manifest, hex. */
  sha256?: string
}

export const PROVENANCE_PREFIX = 'flux-crs-upgrade'
const PROVENANCE_KEYS = ['component', 'version', 'source', 'sha256'] as const

/** The annotation keys and values a provenance is recorded as, in the order they are written. */
export function provenanceAnnotations(p: Provenance): [string, string][] {
  return PROVENANCE_KEYS.flatMap(k => (p[k] === undefined ? [] : [[`${PROVENANCE_PREFIX}/${k}`, p[k]]]))
}

/** One data key of the result; `from` names the key it replaces (a renamed key), default the same key. */
export interface DataChange {
  key: string
  value: string
  from?: string
  /** A text the value starts with that many values share (a Flux install): its rendering is shared too. */
  shared?: string
}

export interface ConfigMapChange {
  /** A new `metadata.name`. */
  name?: string
  /**
   * The whole data of the result, in order. Existing keys keep their place (renamed in place through `from`),
   * keys not listed are removed, new keys go after the last existing one.
   */
  data?: readonly DataChange[]
  /** Written only when the data changes, so a rerun over unchanged output changes nothing. */
  provenance?: Provenance
}

export interface RenderedConfigMap {
  text: string
  changed: boolean
  /** Data values that could not be literal blocks, and why (for the summary). */
  notes: { key: string; reason: string }[]
}

const STYLES: Readonly<Record<string, ScalarStyle>> = {
  PLAIN: 'plain',
  QUOTE_SINGLE: 'single-quoted',
  QUOTE_DOUBLE: 'double-quoted',
  BLOCK_LITERAL: 'literal',
  BLOCK_FOLDED: 'folded'
}

const isBlock = (s: ScalarStyle): boolean => s === 'literal' || s === 'folded'

interface Context {
  file: string
  text: string
  lines: LinePositions
}

const lineOf = (c: Context, offset: number): number => c.lines.linePos(offset).line
/** 0-based column. */
const columnOf = (c: Context, offset: number): number => c.lines.linePos(offset).col - 1
const lineStart = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset)
  return nl === -1 ? text.length : nl + 1
}
/** Where the text after a node starts: block nodes end at a line start already, flow scalars end mid-line. */
const afterNode = (text: string, end: number): number => (text[end - 1] === '\n' ? end : lineEnd(text, end))

const pairOf = (map: YAMLMap, key: string): Pair | undefined =>
  map.items.find(p => isScalar(p.key) && String(p.key.value) === key)

function scalarField(c: Context, node: unknown, what: string): ScalarField {
  if (!isScalar(node) || !node.range) {
    throw new FcuError('manifest', `${c.file}: ${what} is not a string`, {
      location: { file: c.file },
      hint: `Give the ConfigMap's ${what} a plain string value.`
    })
  }
  return {
    value: String(node.value),
    span: { start: node.range[0], end: node.range[1] },
    line: lineOf(c, node.range[0]),
    style: STYLES[node.type ?? 'PLAIN'] ?? 'plain'
  }
}

function valueLines(value: string): number {
  if (value === '') return 0
  let lines = 1
  for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) lines++
  return lines - (value.endsWith('\n') ? 1 : 0)
}

/**
 * Decodes a double-quoted scalar's source and notes the file line on which each line of the value starts; the
 * decoded text is checked against the parser's value by the caller.
 */
function doubleQuotedLines(raw: string, firstLine: number): { value: string; lineStarts: number[] } {
  const simple: Record<string, string> = {
    '0': '\0',
    a: '\x07',
    b: '\b',
    t: '\t',
    '\t': '\t',
    n: '\n',
    v: '\v',
    f: '\f',
    r: '\r',
    e: '\x1b',
    ' ': ' ',
    '"': '"',
    '/': '/',
    '\\': '\\',
    N: '\x85',
    _: '\xa0',
    L: '\u2028',
    P: '\u2029'
  }
  let out = ''
  let line = firstLine
  let rawSpaces = 0
  const starts: number[] = [firstLine]
  let pending = false
  const emit = (s: string, raw: boolean) => {
    if (pending) {
      starts.push(line)
      pending = false
    }
    out += s
    rawSpaces = raw && (s === ' ' || s === '\t') ? rawSpaces + 1 : 0
    if (s === '\n') pending = true
  }
  const skipIndent = (i: number) => {
    while (raw[i] === ' ' || raw[i] === '\t') i++
    return i
  }
  let i = 1
  const end = raw.length - 1
  while (i < end) {
    const ch = raw[i]
    if (ch === '\\') {
      const next = raw[i + 1]
      if (next === '\n' || next === '\r') {
        i += next === '\r' && raw[i + 2] === '\n' ? 3 : 2
        line++
        i = skipIndent(i)
        continue
      }
      const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0
      if (hexLength > 0) {
        emit(String.fromCodePoint(parseInt(raw.slice(i + 2, i + 2 + hexLength), 16)), false)
        i += 2 + hexLength
      } else {
        emit(simple[next] ?? next, false)
        i += 2
      }
      continue
    }
    if (ch === '\n' || ch === '\r') {
      // A raw break folds: trailing blanks go, each empty line that follows is a newline, else one space.
      if (rawSpaces > 0) out = out.slice(0, out.length - rawSpaces)
      rawSpaces = 0
      i += ch === '\r' && raw[i + 1] === '\n' ? 2 : 1
      line++
      i = skipIndent(i)
      let empty = 0
      while (raw[i] === '\n') {
        empty++
        i = skipIndent(i + 1)
        line++
      }
      if (empty === 0) emit(' ', false)
      for (let k = 0; k < empty; k++) emit('\n', false)
      continue
    }
    emit(ch, true)
    i++
  }
  return { value: out, lineStarts: starts.slice(0, valueLines(out)) }
}

function dataEntry(c: Context, pair: Pair): DataEntry {
  const field = scalarField(c, pair.value, `data key ${String((pair.key as { value?: unknown }).value)}`)
  const keyField = scalarField(c, pair.key, 'a data key')
  const count = cutValueLines(pair.value) ?? valueLines(field.value)
  let lineStarts: number[] | undefined
  let exactLines = true
  if (field.style === 'literal') {
    // Built when asked for (a position inside the value is reported): a block runs to thousands of lines.
    lineStarts = undefined
  } else {
    const decoded =
      field.style === 'double-quoted'
        ? doubleQuotedLines(c.text.slice(field.span.start, field.span.end), field.line)
        : undefined
    if (decoded && decoded.value === field.value) lineStarts = decoded.lineStarts
    else {
      lineStarts = Array.from({ length: count }, () => field.line)
      exactLines = false
    }
  }
  const entry = {
    key: keyField.value,
    keySpan: keyField.span,
    line: keyField.line,
    value: field.value,
    span: field.span,
    style: field.style,
    lineStarts: lineStarts ?? [],
    exactLines
  }
  if (lineStarts === undefined) {
    Object.defineProperty(entry, 'lineStarts', {
      enumerable: true,
      configurable: true,
      get(): number[] {
        const starts = Array.from({ length: count }, (_, i) => field.line + 1 + i)
        Object.defineProperty(entry, 'lineStarts', { value: starts, enumerable: true, writable: true })
        return starts
      }
    })
  }
  return entry
}

/** Every ConfigMap of a file (a file may hold other documents too). */
export function readConfigMaps(text: string, file: string): ConfigMapSource[] {
  const { docs, lines } = parseStream(text)
  const c: Context = { file, text, lines }
  const out: ConfigMapSource[] = []
  for (const [index, doc] of docs.entries()) {
    const error = doc.errors[0]
    if (error) {
      throw new FcuError('manifest', `${file} does not parse as YAML: ${error.message.split('\n')[0]}`, {
        location: { file, line: error.linePos?.[0].line, column: error.linePos?.[0].col },
        hint: 'Fix the YAML syntax at that line.'
      })
    }
    const root = doc.contents
    if (!isMap(root)) continue
    const kind = pairOf(root, 'kind')?.value
    const apiVersion = pairOf(root, 'apiVersion')?.value
    if (!isScalar(kind) || kind.value !== 'ConfigMap' || !isScalar(apiVersion) || apiVersion.value !== 'v1')
      continue
    const metadata = pairOf(root, 'metadata')?.value
    if (!isMap(metadata)) {
      throw new FcuError('manifest', `${file}: the ConfigMap has no metadata`, {
        location: { file, line: lineOf(c, kind.range?.[0] ?? 0) },
        hint: 'Give the ConfigMap `metadata.name`.'
      })
    }
    const namePair = pairOf(metadata, 'name')
    if (!namePair) {
      throw new FcuError('manifest', `${file}: the ConfigMap has no metadata.name`, {
        location: { file, line: lineOf(c, (metadata as Node).range?.[0] ?? 0) },
        hint: 'Give the ConfigMap `metadata.name`.'
      })
    }
    const nsPair = pairOf(metadata, 'namespace')
    const data = pairOf(root, 'data')?.value
    const annotations: Record<string, string> = {}
    const ann = pairOf(metadata, 'annotations')?.value
    if (isMap(ann))
      for (const p of ann.items)
        if (isScalar(p.key) && isScalar(p.value) && typeof p.value.value === 'string')
          annotations[String(p.key.value)] = p.value.value
    const source: ConfigMapSource = {
      file,
      text,
      document: index,
      name: scalarField(c, namePair.value, 'metadata.name'),
      ...(nsPair ? { namespace: scalarField(c, nsPair.value, 'metadata.namespace') } : {}),
      data: isMap(data) ? data.items.map(p => dataEntry(c, p)) : [],
      annotations
    }
    parsed.set(source, { c, root })
    out.push(source)
  }
  return out
}

/** The one ConfigMap of a file; a file with none, or with several, is an error. */
export function readConfigMap(text: string, file: string): ConfigMapSource {
  const all = readConfigMaps(text, file)
  if (all.length !== 1) {
    throw new FcuError(
      'manifest',
      `${file} holds ${all.length === 0 ? 'no' : all.length} v1 ConfigMap${all.length === 1 ? '' : 's'}, not one`,
      {
        location: { file, ...(all[1] ? { line: all[1].name.line } : {}) },
        hint: 'Keep one ConfigMap per file, as `kubectl create configmap -o yaml` writes it.'
      }
    )
  }
  return all[0]
}

interface Edit {
  start: number
  end: number
  text: string
}

function applyEdits(text: string, edits: Edit[]): string {
  // Edits do not overlap: the text between them and their own texts, joined once (a ConfigMap is megabytes, and
  // slicing a concatenation per edit copied it per edit). The order is the one splicing last to first gave: at one
  // start, the edit ending first comes first, and of equal edits the one listed last.
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end).reverse()
  const out: string[] = []
  let at = 0
  for (const e of sorted) {
    if (e.start >= at) out.push(text.slice(at, e.start))
    out.push(e.text)
    at = Math.max(at, e.end)
  }
  out.push(text.slice(at))
  return out.join('')
}

// Rendering needs the nodes again (indentation, comments, where maps end): kept from reading, re-read otherwise.
const parsed = new WeakMap<ConfigMapSource, { c: Context; root: YAMLMap }>()

/** A ConfigMap's node tree (positions in its file's text), as reading it built it. */
export function configMapNode(cm: ConfigMapSource): { root: YAMLMap; lines: LinePositions } {
  const { c, root } = reparse(cm)
  return { root, lines: c.lines }
}

const valueLengths = new WeakMap<DataEntry, number>()

/**
 * Lets go of the value of each of `entries` (entries of `cm`), kept by a caller that reads many ConfigMaps before
 * rendering them (a fleet's Flux install, a megabyte per cluster, would otherwise be held for every cluster at
 * once): its length is kept, and the value is read again from the file's text only if asked for (rendering a
 * value of the same length, in a rerun that changes nothing).
 */
export function releaseValues(cm: ConfigMapSource, entries: readonly DataEntry[]): void {
  const known = parsed.get(cm)
  const dataMap = known && pairOf(known.root, 'data')?.value
  for (const entry of entries) {
    const index = cm.data.indexOf(entry)
    if (index === -1 || valueLengths.has(entry)) continue
    valueLengths.set(entry, entry.value.length)
    Object.defineProperty(entry, 'value', {
      enumerable: true,
      configurable: true,
      get: () => readConfigMaps(cm.text, cm.file).find(c => c.document === cm.document)!.data[index].value
    })
    // Rendering reads the nodes for their positions only.
    const node = isMap(dataMap) ? dataMap.items[index]?.value : undefined
    if (isScalar(node)) node.value = ''
  }
}

/** Whether an entry's value is `value`, without reading a released value of another length again. */
const hasValue = (e: DataEntry, value: string): boolean =>
  (valueLengths.get(e) ?? e.value.length) === value.length && e.value === value

function reparse(cm: ConfigMapSource): { c: Context; root: YAMLMap } {
  const known = parsed.get(cm)
  if (known) return known
  const { docs, lines } = parseStream(cm.text)
  const doc = docs[cm.document]
  if (!doc || !isMap(doc.contents)) throw new FcuError('internal', `${cm.file}: the ConfigMap moved`)
  return { c: { file: cm.file, text: cm.text, lines }, root: doc.contents }
}

function nameText(field: ScalarField, value: string, column: number): string {
  if (field.style === 'double-quoted') return doubleQuoted(value, column, column)
  if (field.style === 'single-quoted' && !value.includes("'")) return `'${value}'`
  return inlineScalar(value, column)
}

// The indentation a block under `parent` uses for its own entries, from the entries it has.
function stepOf(c: Context, parentKeyStart: number, childKeyStart: number | undefined): number {
  if (childKeyStart === undefined) return 2
  const step = columnOf(c, childKeyStart) - columnOf(c, parentKeyStart)
  return step >= 1 && step <= 9 ? step : 2
}

/** The content indentation of an existing literal block, relative to its key; undefined when unclear. */
function blockIndent(c: Context, e: DataEntry, keyColumn: number): number | undefined {
  const header = c.text.slice(e.span.start, lineEnd(c.text, e.span.start))
  const digit = /^[|>][-+]?([1-9])/.exec(header)?.[1]
  if (digit) return Number(digit)
  // The first line with text, found line by line: the block is megabytes.
  let first: string | undefined
  for (let p = lineEnd(c.text, e.span.start); p < e.span.end && first === undefined;) {
    const nl = c.text.indexOf('\n', p)
    const end = nl === -1 || nl > e.span.end ? e.span.end : nl
    const line = c.text.slice(p, end)
    if (line.trim() !== '') first = line
    p = end + 1
  }
  if (first === undefined) return undefined
  const n = first.length - first.trimStart().length - keyColumn
  return n >= 1 && n <= 9 ? n : undefined
}

/** The text that replaces an entry's value, and where it ends (flow scalars are replaced up to their line end). */
function valueEdit(
  c: Context,
  e: DataEntry,
  value: string,
  key: string,
  step: number,
  notes: RenderedConfigMap['notes'],
  shared?: string
): Edit {
  const keyColumn = columnOf(c, e.keySpan.start)
  const indent = (isBlock(e.style) ? blockIndent(c, e, keyColumn) : undefined) ?? step
  const rendered = dataScalar(value, keyColumn, columnOf(c, e.span.start), indent, shared)
  if (rendered.reason) notes.push({ key, reason: rendered.reason })
  const block = isBlock(e.style)
  const end = block ? e.span.end : afterNode(c.text, e.span.end)
  // A comment on the value's line (after a block's header, or after a flow scalar) stays on that line.
  const onLine = block
    ? c.text.slice(e.span.start, lineEnd(c.text, e.span.start)).replace(/^[|>][-+0-9]*/, '')
    : c.text.slice(e.span.end, end)
  const comment = /^[ \t]+#[^\n]*/.exec(onLine)?.[0] ?? ''
  const newline = c.text[end - 1] === '\n' ? '\n' : ''
  const text = rendered.block
    ? rendered.text.replace('\n', `${comment}\n`)
    : `${rendered.text}${comment}${newline}`
  return { start: e.span.start, end, text }
}

function entryText(
  key: string,
  value: string,
  keyColumn: number,
  step: number,
  notes: RenderedConfigMap['notes']
) {
  const k = inlineScalar(key, keyColumn)
  const rendered = dataScalar(value, keyColumn, keyColumn + k.length + 2, step)
  if (rendered.reason) notes.push({ key, reason: rendered.reason })
  return `${' '.repeat(keyColumn)}${k}: ${rendered.text}${rendered.block ? '' : '\n'}`
}

function dataEdits(
  c: Context,
  root: YAMLMap,
  cm: ConfigMapSource,
  changes: readonly DataChange[],
  notes: RenderedConfigMap['notes']
): Edit[] {
  const dataPair = pairOf(root, 'data')
  const dataMap = dataPair?.value
  if (!dataPair || !isMap(dataMap) || dataMap.flow || cm.data.length === 0) {
    throw new FcuError('manifest', `${cm.file}: the ConfigMap has no block-style \`data\` to update`, {
      location: { file: cm.file, line: cm.name.line },
      hint: 'Write the data as a block mapping (`data:` and one key per line), as kubectl does.'
    })
  }
  const dataKeyStart = (dataPair.key as Node).range![0]
  const step = stepOf(c, dataKeyStart, cm.data[0].keySpan.start)
  const keyColumn = columnOf(c, cm.data[0].keySpan.start)
  const edits: Edit[] = []
  const used = new Set<DataEntry>()
  let added = ''
  for (const change of changes) {
    const from = change.from ?? change.key
    const e = cm.data.find(d => d.key === from && !used.has(d))
    if (!e) {
      added += entryText(change.key, change.value, keyColumn, step, notes)
      continue
    }
    used.add(e)
    if (change.key !== e.key) {
      const kf: ScalarField = { value: e.key, span: e.keySpan, line: e.line, style: 'plain' }
      edits.push({ ...e.keySpan, text: nameText(kf, change.key, columnOf(c, e.keySpan.start)) })
    }
    if (!hasValue(e, change.value))
      edits.push(valueEdit(c, e, change.value, change.key, step, notes, change.shared))
  }
  for (const e of cm.data) {
    if (used.has(e)) continue
    const end = isBlock(e.style) ? e.span.end : afterNode(c.text, e.span.end)
    edits.push({ start: lineStart(c.text, e.keySpan.start), end, text: '' })
  }
  if (added !== '') {
    const last = cm.data[cm.data.length - 1]
    const at = isBlock(last.style) ? last.span.end : afterNode(c.text, last.span.end)
    const sep = at === c.text.length && !c.text.endsWith('\n') ? '\n' : ''
    edits.push({ start: at, end: at, text: sep + added })
  }
  return edits
}

function provenanceEdits(c: Context, root: YAMLMap, cm: ConfigMapSource, p: Provenance): Edit[] {
  const metaPair = pairOf(root, 'metadata')!
  const meta = metaPair.value as YAMLMap
  const wanted = provenanceAnnotations(p)
  const edits: Edit[] = []
  const annPair = pairOf(meta, 'annotations')
  const metaStep = stepOf(c, (metaPair.key as Node).range![0], (meta.items[0]?.key as Node)?.range?.[0])
  if (!annPair) {
    const metaColumn = columnOf(c, (meta.items[0].key as Node).range![0])
    const pad = ' '.repeat(metaColumn + metaStep)
    const block =
      `${' '.repeat(metaColumn)}annotations:\n` +
      wanted.map(([k, v]) => `${pad}${k}: ${inlineScalar(v, pad.length + k.length + 2)}\n`).join('')
    const keys = meta.items.map(i => String((i.key as { value?: unknown }).value))
    const sorted = keys.every((k, i) => i === 0 || keys[i - 1] <= k)
    const before = sorted
      ? meta.items.find(i => String((i.key as { value?: unknown }).value) > 'annotations')
      : undefined
    const at = before
      ? lineStart(c.text, (before.key as Node).range![0])
      : afterNode(c.text, (meta.items[meta.items.length - 1].value as Node | null)?.range?.[1] ?? 0)
    const sep = at === c.text.length && !c.text.endsWith('\n') ? '\n' : ''
    return [{ start: at, end: at, text: sep + block }]
  }
  const ann = annPair.value
  if (!isMap(ann) || ann.flow || ann.items.length === 0) {
    throw new FcuError('manifest', `${cm.file}: metadata.annotations is not a block mapping`, {
      location: { file: cm.file, line: lineOf(c, (annPair.key as Node).range![0]) },
      hint: 'Write the annotations one per line, or remove the empty `annotations:`.'
    })
  }
  const column = columnOf(c, (ann.items[0].key as Node).range![0])
  let added = ''
  for (const [k, v] of wanted) {
    const pair = pairOf(ann, k)
    if (!pair) {
      added += `${' '.repeat(column)}${k}: ${inlineScalar(v, column + k.length + 2)}\n`
      continue
    }
    const field = scalarField(c, pair.value, `annotation ${k}`)
    if (field.value !== v)
      edits.push({ ...field.span, text: nameText(field, v, columnOf(c, field.span.start)) })
  }
  for (const pair of ann.items) {
    const k = String((pair.key as { value?: unknown }).value)
    if (k.startsWith(`${PROVENANCE_PREFIX}/`) && !wanted.some(([w]) => w === k)) {
      const keyStart = (pair.key as Node).range![0]
      edits.push({
        start: lineStart(c.text, keyStart),
        end: afterNode(c.text, (pair.value as Node).range![1]),
        text: ''
      })
    }
  }
  if (added !== '') {
    const last = ann.items[ann.items.length - 1]
    const at = afterNode(c.text, (last.value as Node | null)?.range?.[1] ?? (last.key as Node).range![1])
    const sep = at === c.text.length && !c.text.endsWith('\n') ? '\n' : ''
    edits.push({ start: at, end: at, text: sep + added })
  }
  return edits
}

const sameData = (cm: ConfigMapSource, data: readonly DataChange[]): boolean =>
  data.length === cm.data.length &&
  data.every(
    (d, i) => d.key === cm.data[i].key && (d.from ?? d.key) === d.key && hasValue(cm.data[i], d.value)
  )

/**
 * The file with the change applied, splicing the original text: key order, the namespace, other keys, labels,
 * annotations and comments stay; the same source and change always give the same bytes.
 */
export function renderConfigMap(cm: ConfigMapSource, change: ConfigMapChange): RenderedConfigMap {
  const { c, root } = reparse(cm)
  const notes: RenderedConfigMap['notes'] = []
  const edits: Edit[] = []
  if (change.name !== undefined && change.name !== cm.name.value)
    edits.push({ ...cm.name.span, text: nameText(cm.name, change.name, columnOf(c, cm.name.span.start)) })
  const dataChanges = change.data !== undefined && !sameData(cm, change.data)
  if (change.data !== undefined && dataChanges) pushAll(edits, dataEdits(c, root, cm, change.data, notes))
  if (change.provenance && dataChanges) pushAll(edits, provenanceEdits(c, root, cm, change.provenance))
  const text = applyEdits(cm.text, edits)
  return { text, changed: text !== cm.text, notes }
}

/**
 * A new ConfigMap file in the form `kubectl create configmap --from-file ... -o yaml` gives (keys sorted,
 * `metadata` last), with the provenance annotations and each value in the project's data form (a literal block
 * whenever the text can be one). `data` is in the order given to kubectl; keys are sorted as kubectl sorts them.
 */
export function createConfigMap(
  name: string,
  namespace: string,
  data: readonly { key: string; value: string }[],
  provenance: Provenance
): RenderedConfigMap {
  const notes: RenderedConfigMap['notes'] = []
  const sorted = [...data].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const out = ['apiVersion: v1\n', 'data:\n']
  for (const { key, value } of sorted) out.push(entryText(key, value, 2, 2, notes))
  out.push('kind: ConfigMap\n', 'metadata:\n', '  annotations:\n')
  for (const [k, v] of provenanceAnnotations(provenance))
    out.push(`    ${k}: ${inlineScalar(v, 6 + k.length)}\n`)
  out.push(`  name: ${inlineScalar(name, 8)}\n`, `  namespace: ${inlineScalar(namespace, 13)}\n`)
  return { text: out.join(''), changed: true, notes }
}
