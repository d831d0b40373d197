/**
 * The three-way merge that carries a fleet's customisations of a Calico manifest to a new release:
 *
 * - base: the pristine upstream manifest at the version the ConfigMap has;
 * - ours: the ConfigMap's data (the user's copy, possibly customised);
 * - theirs: the pristine upstream manifest at the new version.
 *
 * The result is theirs' TEXT with the user's customisations spliced in where they stand, so upstream text the user
 * did not touch (comments included) stays byte for byte upstream's, and the diff a reviewer reads is the upgrade.
 *
 * Rules, per object (matched by API group, kind, namespace and name) and per field:
 *
 * - a field the user changed and upstream did not keeps the user's value (spliced as the user wrote it, comment
 *   on its line included); a field upstream changed and the user did not takes upstream's; both changed to the same
 *   value is no conflict; both changed to different values is a conflict naming the object and the field path;
 * - lists of containers, init containers, env vars and volumes are matched by `name`, volume mounts by `mountPath`
 *   (Kubernetes' own merge key: one volume may be mounted twice), ports by `name`, else `containerPort`, else
 *   `port`; a list whose items lack a unique key, and every other list, is one value. An item the user added is
 *   inserted after the item that precedes it in the user's list; an item the user removed is removed. Reordering
 *   alone is not a customisation;
 * - an image (`<prefix>/<name>:<tag>`) merges its registry prefix and its tag separately: a prefix the user changed
 *   (a private registry) is kept whatever upstream does with its own (v3.31 moved from docker.io to quay.io: a user
 *   on upstream's registry follows it, a user on a mirror keeps the mirror); the tag follows upstream unless the user
 *   pinned another one and upstream moved too (a conflict). Images with a digest, or whose name the user changed,
 *   are one value;
 * - objects: one the user added is kept, after upstream's, as the user's original text; one upstream added is
 *   added; one upstream removed is removed, unless the user changed it (a conflict); one the user deleted stays
 *   deleted if upstream did not change it, and is a conflict if upstream did (the user's reason to drop it may no
 *   longer hold, and silently resurrecting or dropping an upstream fix are both wrong);
 * - a user edit that changes no value (comments, quoting, indentation in an object whose values equal upstream's)
 *   is not a customisation: the object takes upstream's text. An object upstream left byte-identical keeps the
 *   user's text whole;
 * - the `calico-config` values (`cni_network_config`'s JSON, `veth_mtu`, ...) are strings like any other field.
 *
 * Only the objects that differ in all three inputs are parsed into node trees (usually calico-config and the
 * calico-node DaemonSet): a 540 KB manifest of CRDs costs a split and a header scan per document.
 */
import { FcuError, type Finding, type Location } from '../errors.js'
import { splitDocumentTexts } from '../yaml/documents.js'
import { loadFast, locateFast, UNSUPPORTED } from '../yaml/fast-load.js'
import { isObject } from '../yaml/values.js'
import { sealParsed } from '../yaml/readonly.js'
import { loadBounded } from '../yaml/load.js'
import { groupVersion } from '../kubernetes/api-version.js'
import { pushAll } from '../arrays.js'

/** A list item selected by its merge key, e.g. `env[name=CALICO_IPV4POOL_CIDR]`. */
export interface ItemKey {
  field: string
  value: string | number
}
export type MergePathSegment = string | ItemKey

/** A customisation carried into the result. */
export interface KeptCustomisation {
  /** `DaemonSet kube-system/calico-node`. */
  object: string
  /** `spec.template.spec.containers[name=calico-node].resources.limits`; empty for a whole object. */
  path: string
  change: 'changed' | 'added' | 'removed'
  /** The value the result has (the user's, or a merged image); undefined for a removal. */
  value?: unknown
}

/** A field (or object) both the user and upstream changed, differently. */
export interface MergeConflict {
  object: string
  path: string
  /** Why it cannot be merged, in words. */
  reason: string
  base?: unknown
  ours?: unknown
  theirs?: unknown
}

export type CalicoMergeResult =
  | { ok: true; text: string; kept: KeptCustomisation[] }
  | { ok: false; conflicts: MergeConflict[]; kept: KeptCustomisation[] }

export interface CalicoMergeInput {
  /** Pristine upstream manifest at the current version. */
  base: string
  /** The user's manifest (the ConfigMap's data value). */
  ours: string
  /** Pristine upstream manifest at the new version. */
  theirs: string
}

const MISSING: unique symbol = Symbol('missing')
type Maybe = unknown

// ---------------------------------------------------------------------------------------------------------------
// Documents and their identities

interface Piece {
  /** Offsets in the whole text: the separator line before the document (or its start), its text, its end. */
  sepStart: number
  start: number
  /** End of the document's text without its trailing line breaks. */
  coreEnd: number
  text: string
  id?: ObjectId
}

interface ObjectId {
  key: string
  display: string
}

function pieces(full: string): Piece[] {
  const out: Piece[] = []
  let cursor = 0
  for (const p of splitDocumentTexts(full)) {
    const start = p.text === '' ? cursor : full.indexOf(p.text, cursor)
    cursor = start + p.text.length
    let sepStart = start
    if (start > 0 && full.charCodeAt(start - 1) === 0x0a) {
      const lineStart = full.lastIndexOf('\n', start - 2) + 1
      if (full.startsWith('---', lineStart)) sepStart = lineStart
    }
    const text = p.text
    out.push({ sepStart, start, coreEnd: start + trimBreaks(text).length, text, id: identityOf(text) })
  }
  return out
}

const trimBreaks = (s: string): string => s.replace(/[\r\n]+$/, '')

const TOP = (key: string): RegExp => new RegExp(`^${key}:[ \\t]*["']?([^"'\\s#]+)["']?[ \\t]*(?:#.*)?$`, 'm')
const API_VERSION = TOP('apiVersion')
const KIND = TOP('kind')
const METADATA = /^metadata:[ \t]*(?:#.*)?\n/m
const FIELD = /^( +)(name|namespace):[ \t]*["']?([^"'\s#]*)["']?[ \t]*(?:#.*)?$/

/**
 * An object's identity, read from its header lines (block style, as upstream and kubectl write it) without parsing
 * the document; anything else (flow style, JSON) is parsed.
 */
function identityOf(text: string): ObjectId | undefined {
  const apiVersion = API_VERSION.exec(text)?.[1]
  const kind = KIND.exec(text)?.[1]
  const meta = METADATA.exec(text)
  if (apiVersion && kind && meta) {
    let name: string | undefined
    let namespace = ''
    let indent: string | undefined
    let at = meta.index + meta[0].length
    while (at < text.length) {
      const nl = text.indexOf('\n', at)
      const line = text.slice(at, nl === -1 ? text.length : nl)
      at = nl === -1 ? text.length : nl + 1
      if (/^\s*(#.*)?$/.test(line)) continue
      const lead = /^ */.exec(line)![0]
      if (lead === '') break
      indent ??= lead
      if (lead !== indent) continue
      const m = FIELD.exec(line)
      if (m?.[2] === 'name') name = m[3]
      if (m?.[2] === 'namespace') namespace = m[3]
    }
    if (name) return objectId(apiVersion, kind, namespace, name)
  }
  const value = loadValue(text)
  if (!isObject(value)) return undefined
  const metadata = isObject(value.metadata) ? value.metadata : {}
  if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') return undefined
  if (typeof metadata.name !== 'string') return undefined
  return objectId(
    value.apiVersion,
    value.kind,
    typeof metadata.namespace === 'string' ? metadata.namespace : '',
    metadata.name
  )
}

function objectId(apiVersion: string, kind: string, namespace: string, name: string): ObjectId {
  const { group } = groupVersion(apiVersion)
  return {
    key: `${group}\u0000${kind}\u0000${namespace}\u0000${name}`,
    display: `${kind} ${namespace ? `${namespace}/` : ''}${name}`
  }
}

function loadValue(text: string): unknown {
  const fast = loadFast(text)
  if (fast !== UNSUPPORTED) return fast
  try {
    return sealParsed(loadBounded(text))
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Values

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((x, i) => deepEqual(x, b[i]))
  }
  if (isObject(a)) {
    if (!isObject(b)) return false
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    return ka.every(k => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]))
  }
  return false
}

const LIST_KEYS: Record<string, readonly string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  ports: ['name', 'containerPort', 'port']
}

/** The field that identifies the items of a list, when every item of all three versions has a unique one. */
function listKey(listName: string | undefined, lists: unknown[][]): string | undefined {
  const candidates = listName === undefined ? undefined : LIST_KEYS[listName]
  if (!candidates) return undefined
  return candidates.find(field =>
    lists.every(list => {
      const seen = new Set<unknown>()
      for (const item of list) {
        if (!isObject(item)) return false
        const v = item[field]
        if ((typeof v !== 'string' && typeof v !== 'number') || seen.has(v)) return false
        seen.add(v)
      }
      return true
    })
  )
}

const findItem = (list: unknown[], k: ItemKey): unknown =>
  list.find(item => isObject(item) && item[k.field] === k.value)

function valueAt(root: unknown, path: readonly MergePathSegment[]): Maybe | typeof MISSING {
  let v: unknown = root
  for (const seg of path) {
    if (typeof seg === 'string') {
      if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, seg)) return MISSING
      v = v[seg]
    } else {
      if (!Array.isArray(v)) return MISSING
      const item = findItem(v, seg)
      if (item === undefined) return MISSING
      v = item
    }
  }
  return v
}

export function formatMergePath(path: readonly MergePathSegment[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'string') out += out === '' ? seg : `.${seg}`
    else out += `[${seg.field}=${seg.value}]`
  }
  return out
}

/** A change the user made to base: `ours` MISSING is a removal, `base` MISSING an addition. */
interface Change {
  path: MergePathSegment[]
  base: unknown
  ours: unknown
}

function lastName(path: readonly MergePathSegment[]): string | undefined {
  const last = path[path.length - 1]
  return typeof last === 'string' ? last : undefined
}

/** The user's changes to base, as the smallest fields that differ (theirs only chooses list keys). */
function changesOf(
  base: unknown,
  ours: unknown,
  theirs: unknown,
  path: MergePathSegment[],
  out: Change[]
): void {
  if (deepEqual(base, ours)) return
  if (isObject(base) && isObject(ours)) {
    const t = isObject(theirs) ? theirs : {}
    for (const k of Object.keys(ours)) {
      if (Object.prototype.hasOwnProperty.call(base, k)) changesOf(base[k], ours[k], t[k], [...path, k], out)
      else out.push({ path: [...path, k], base: MISSING, ours: ours[k] })
    }
    for (const k of Object.keys(base)) {
      if (!Object.prototype.hasOwnProperty.call(ours, k))
        out.push({ path: [...path, k], base: base[k], ours: MISSING })
    }
    return
  }
  if (Array.isArray(base) && Array.isArray(ours)) {
    const field = listKey(lastName(path), [base, ours, Array.isArray(theirs) ? theirs : []])
    if (field !== undefined) {
      const t = Array.isArray(theirs) ? theirs : []
      const keyOf = (item: unknown): ItemKey => ({
        field,
        value: (item as Record<string, string | number>)[field]
      })
      for (const item of ours) {
        const k = keyOf(item)
        const b = findItem(base, k)
        if (b === undefined) out.push({ path: [...path, k], base: MISSING, ours: item })
        else changesOf(b, item, findItem(t, k), [...path, k], out)
      }
      for (const item of base) {
        const k = keyOf(item)
        if (findItem(ours, k) === undefined) out.push({ path: [...path, k], base: item, ours: MISSING })
      }
      return
    }
  }
  out.push({ path, base, ours })
}

// ---------------------------------------------------------------------------------------------------------------
// Images

interface ImageRef {
  prefix: string
  name: string
  tag: string
}

const IMAGE = /^(?:(.+)\/)?([^/:@]+)(?::([^/:@]+))?$/

function parseImage(s: unknown): ImageRef | undefined {
  if (typeof s !== 'string') return undefined
  const m = IMAGE.exec(s)
  return m ? { prefix: m[1] ?? '', name: m[2], tag: m[3] ?? '' } : undefined
}

const formatImage = (i: ImageRef): string =>
  `${i.prefix ? `${i.prefix}/` : ''}${i.name}${i.tag ? `:${i.tag}` : ''}`

/** The image merged part by part (see the module comment), or undefined when the parts conflict. */
function mergeImage(base: unknown, ours: unknown, theirs: unknown): string | undefined {
  const [b, o, t] = [parseImage(base), parseImage(ours), parseImage(theirs)]
  if (!b || !o || !t || b.name !== o.name || o.name !== t.name) return undefined
  const prefix = o.prefix === b.prefix ? t.prefix : o.prefix
  let tag: string
  if (o.tag === b.tag || o.tag === t.tag) tag = t.tag
  else if (t.tag === b.tag) tag = o.tag
  else return undefined
  return formatImage({ prefix, name: o.name, tag })
}

// ---------------------------------------------------------------------------------------------------------------
// Splicing into theirs' text

interface Edit {
  start: number
  end: number
  text: string
  /** The change it carries, so an edit can be withdrawn when a larger one covers it. */
  path: MergePathSegment[]
}

class CannotSplice extends Error {}

/** A document's text and value; positions come from the fast loader's `locateFast` and the text's indentation. */
interface Located {
  text: string
  value: unknown
}

/** `path` with list items as indexes, as `locateFast` takes it; undefined when the value has no such entry. */
function indexPath(root: unknown, path: readonly MergePathSegment[]): (string | number)[] | undefined {
  const out: (string | number)[] = []
  let v: unknown = root
  for (const seg of path) {
    if (typeof seg === 'string') {
      if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined
      out.push(seg)
      v = v[seg]
    } else {
      if (!Array.isArray(v)) return undefined
      const i = v.findIndex(item => isObject(item) && item[seg.field] === seg.value)
      if (i < 0) return undefined
      out.push(i)
      v = v[i]
    }
  }
  return out
}

function offsetOf(l: Located, path: readonly MergePathSegment[], at: 'key' | 'value'): number {
  const p = indexPath(l.value, path)
  if (!p) throw new CannotSplice('not found')
  const offset = locateFast(l.text, p, at)
  if (offset === UNSUPPORTED) throw new CannotSplice('a document style this merge does not splice into')
  return offset
}

const lineStartOf = (text: string, at: number): number => text.lastIndexOf('\n', at - 1) + 1
const columnOf = (text: string, at: number): number => at - lineStartOf(text, at)
const onlySpacesBefore = (text: string, at: number): boolean =>
  /^ *$/.test(text.slice(lineStartOf(text, at), at))
const lineEndOf = (text: string, at: number): number => {
  const nl = text.indexOf('\n', at)
  return nl === -1 ? text.length : nl
}

/**
 * Where the block that starts at `start` (a key, or an item's dash, at `column`) ends: the end of its last line
 * of content, a comment on that line included. Lines indented deeper belong to it, and so do the items of an
 * indentless sequence under a key; comment lines no deeper than it belong to what follows.
 */
function blockEnd(text: string, start: number, column: number, key: boolean): number {
  let end = lineEndOf(text, start)
  for (let at = end + 1; at < text.length;) {
    const lineEnd = lineEndOf(text, at)
    const line = text.slice(at, lineEnd)
    const indent = /^ */.exec(line)![0].length
    if (indent < line.length) {
      const c = line[indent]
      const dashAtColumn =
        key && indent === column && c === '-' && (line.length === indent + 1 || line[indent + 1] === ' ')
      if (indent > column || dashAtColumn) end = lineEnd
      else if (c !== '#') break
    }
    at = lineEnd + 1
  }
  return end
}

/** A map entry's or a list item's text (`key: value` / `- item`) from its first character. */
interface Span {
  start: number
  end: number
}

function spanOf(l: Located, path: readonly MergePathSegment[]): Span {
  const last = path[path.length - 1]
  if (typeof last === 'string') {
    const start = offsetOf(l, path, 'key')
    return { start, end: blockEnd(l.text, start, columnOf(l.text, start), true) }
  }
  let dash = offsetOf(l, path, 'key') - 1
  while (dash >= 0 && l.text[dash] === ' ') dash--
  if (l.text[dash] !== '-' || !onlySpacesBefore(l.text, dash))
    throw new CannotSplice('list item not on its own line')
  return { start: dash, end: blockEnd(l.text, dash, columnOf(l.text, dash), false) }
}

/** Whether the collection at `path` is written in flow style (`{...}`, `[...]`), where lines cannot be spliced. */
function isFlowAt(l: Located, path: readonly MergePathSegment[]): boolean {
  if (path.length === 0) return /^\s*[[{]/.test(l.text.replace(/^(\s*#.*\n)*/, ''))
  const c = l.text[offsetOf(l, path, 'value')]
  return c === '{' || c === '['
}

/** `snippet`'s second and later lines moved by `delta` columns (its first line lands where it is inserted). */
function reindent(snippet: string, delta: number): string {
  if (delta === 0) return snippet
  return snippet
    .split('\n')
    .map((line, i) => {
      if (i === 0 || line === '') return line
      if (delta > 0) return ' '.repeat(delta) + line
      const lead = /^ */.exec(line)![0].length
      return line.slice(Math.min(lead, -delta))
    })
    .join('\n')
}

/** The scalar at `at` (plain, single or double quoted, on one line) and `value` written the same way. */
function scalarEdit(text: string, at: number, value: string): { end: number; text: string } {
  const q = text[at]
  const lineEnd = lineEndOf(text, at)
  if (q === '"') {
    let i = at + 1
    while (i < lineEnd && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    if (i >= lineEnd) throw new CannotSplice('multi-line scalar')
    return { end: i + 1, text: JSON.stringify(value) }
  }
  if (q === "'") {
    let i = at + 1
    while (i < lineEnd && !(text[i] === "'" && text[i + 1] !== "'")) i += text[i] === "'" ? 2 : 1
    if (i >= lineEnd) throw new CannotSplice('multi-line scalar')
    return { end: i + 1, text: `'${value.replace(/'/g, "''")}'` }
  }
  const comment = text.slice(at, lineEnd).search(/\s#/)
  const raw = text.slice(at, comment < 0 ? lineEnd : at + comment)
  return { end: at + raw.trimEnd().length, text: /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value) }
}

/** The edit that applies one user change to theirs, from the user's own text. */
function editFor(change: Change, ours: Located, theirs: Located, merged?: string): Edit {
  const { path } = change
  const parentPath = path.slice(0, -1)
  const last = path[path.length - 1]
  if (last === undefined) throw new CannotSplice('the whole document')
  if (merged !== undefined) {
    const at = offsetOf(theirs, path, 'value')
    const e = scalarEdit(theirs.text, at, merged)
    return { start: at, end: e.end, text: e.text, path }
  }
  const tParent = valueAt(theirs.value, parentPath)
  if (tParent === MISSING || isFlowAt(theirs, parentPath))
    throw new CannotSplice('parent missing or flow style')
  if (change.ours !== MISSING && isFlowAt(ours, parentPath)) throw new CannotSplice('flow style')
  const inTheirs = valueAt(theirs.value, path) !== MISSING

  if (change.ours === MISSING) {
    // Removed by the user: drop theirs' lines for it.
    if (!inTheirs) return { start: 0, end: 0, text: '', path }
    const s = spanOf(theirs, path)
    if (!onlySpacesBefore(theirs.text, s.start)) throw new CannotSplice('entry shares its line')
    const nl = theirs.text.indexOf('\n', s.end)
    return {
      start: lineStartOf(theirs.text, s.start),
      end: nl === -1 ? theirs.text.length : nl + 1,
      text: '',
      path
    }
  }

  const o = spanOf(ours, path)
  const snippet = ours.text.slice(o.start, o.end)
  const oColumn = columnOf(ours.text, o.start)

  if (inTheirs) {
    const t = spanOf(theirs, path)
    const column = columnOf(theirs.text, t.start)
    return { start: t.start, end: t.end, text: reindent(snippet, column - oColumn), path }
  }

  // Added by the user: next to the sibling that precedes it in the user's text (else the one that follows).
  const siblings = (parent: unknown): MergePathSegment[] => {
    if (isObject(parent)) return Object.keys(parent)
    if (!Array.isArray(parent) || typeof last === 'string') return []
    return parent.map(item => ({
      field: last.field,
      value: (item as Record<string, string | number>)[last.field]
    }))
  }
  const oSiblings = siblings(valueAt(ours.value, parentPath))
  const tSiblings = siblings(tParent)
  if (tSiblings.length === 0) throw new CannotSplice('empty parent')
  const self = oSiblings.findIndex(k => sameSegment(k, last))
  const present = (k: MergePathSegment): boolean => tSiblings.some(x => sameSegment(x, k))
  const after = (k: MergePathSegment): Edit => {
    const a = spanOf(theirs, [...parentPath, k])
    const column = columnOf(theirs.text, a.start)
    return {
      start: a.end,
      end: a.end,
      text: `\n${' '.repeat(column)}${reindent(snippet, column - oColumn)}`,
      path
    }
  }
  for (let i = self - 1; i >= 0; i--) if (present(oSiblings[i])) return after(oSiblings[i])
  for (let i = self + 1; i < oSiblings.length; i++) {
    if (!present(oSiblings[i])) continue
    const a = spanOf(theirs, [...parentPath, oSiblings[i]])
    const column = columnOf(theirs.text, a.start)
    return {
      start: a.start,
      end: a.start,
      text: `${reindent(snippet, column - oColumn)}\n${' '.repeat(column)}`,
      path
    }
  }
  return after(tSiblings[tSiblings.length - 1])
}

const sameSegment = (a: MergePathSegment, b: MergePathSegment): boolean =>
  typeof a === 'string' ? a === b : typeof b !== 'string' && a.field === b.field && a.value === b.value

const isPrefix = (prefix: readonly MergePathSegment[], path: readonly MergePathSegment[]): boolean =>
  prefix.length <= path.length && prefix.every((s, i) => sameSegment(s, path[i]))

function applyEdits(text: string, edits: Edit[]): string {
  const sorted = edits
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.start - y.e.start || x.i - y.i)
    .map(x => x.e)
  let out = ''
  let at = 0
  for (const e of sorted) {
    if (e.start < at) throw new CannotSplice('overlapping edits')
    out += text.slice(at, e.start) + e.text
    at = e.end
  }
  return out + text.slice(at)
}

// ---------------------------------------------------------------------------------------------------------------
// One object

interface ObjectMerge {
  text?: string
  kept: KeptCustomisation[]
  conflicts: MergeConflict[]
}

const shown = (v: unknown): unknown => (v === MISSING ? undefined : v)

function keptOf(object: string, c: Change, value?: unknown): KeptCustomisation {
  const change = c.ours === MISSING ? 'removed' : c.base === MISSING ? 'added' : 'changed'
  return {
    object,
    path: formatMergePath(c.path),
    change,
    ...(change === 'removed' ? {} : { value: value ?? c.ours })
  }
}

function mergeObject(object: string, base: string, ours: string, theirs: string): ObjectMerge {
  const [bv, ov, tv] = [loadValue(base), loadValue(ours), loadValue(theirs)]
  const o: Located = { text: ours, value: ov }
  const t: Located = { text: theirs, value: tv }
  const changes: Change[] = []
  changesOf(bv, ov, tv, [], changes)
  const kept: KeptCustomisation[] = []
  const conflicts: MergeConflict[] = []
  const edits: Edit[] = []
  /** Paths whose whole entry was taken from the user's text: the changes inside are in it already. */
  const covered: MergePathSegment[][] = []
  /** Registries the user moved upstream's images from (at either version), to the user's registry. */
  const relocated = new Map<string, string>()

  for (const change of changes) {
    if (covered.some(p => isPrefix(p, change.path))) {
      kept.push(keptOf(object, change))
      continue
    }
    const current = valueAt(tv, change.path)
    const conflict = (reason: string) =>
      conflicts.push({
        object,
        path: formatMergePath(change.path),
        reason,
        base: shown(change.base),
        ours: shown(change.ours),
        theirs: shown(current)
      })
    let merged: string | undefined
    const image = lastName(change.path) === 'image' ? relocation(change.base, change.ours) : undefined
    if (image) relocated.set(image.from, image.to)
    if (!deepEqual(current, change.base)) {
      if (deepEqual(current, change.ours)) continue
      // A registry move on a container upstream removed or renamed has nothing left to apply to.
      if (image && current === MISSING) continue
      if (image) merged = mergeImage(change.base, change.ours, current)
      if (merged === undefined) {
        conflict(describe(change, current))
        continue
      }
      const t = parseImage(current)
      if (t && image) relocated.set(t.prefix, image.to)
      if (merged === current) continue
    }
    try {
      edits.push(editFor(change, o, t, merged))
      kept.push(keptOf(object, change, merged))
    } catch (e) {
      if (!(e instanceof CannotSplice)) throw e
      // Take the smallest enclosing entry upstream left alone whole from the user's text.
      const enclosing = enclosingUntouched(change.path, bv, tv, ov, o, t)
      if (!enclosing) {
        conflict(`the change sits in a part upstream also changed and cannot be spliced alone (${e.message})`)
        continue
      }
      for (let i = edits.length - 1; i >= 0; i--)
        if (isPrefix(enclosing.path, edits[i].path)) edits.splice(i, 1)
      edits.push(enclosing)
      covered.push(enclosing.path)
      kept.push(keptOf(object, change, merged))
    }
  }
  if (conflicts.length > 0) return { kept, conflicts }
  // Images upstream added (new or renamed containers) follow the user's registry move.
  if (relocated.size > 0) {
    for (const path of imagePaths(tv, [])) {
      if (valueAt(bv, path) !== MISSING || covered.some(p => isPrefix(p, path))) continue
      const current = parseImage(valueAt(tv, path))
      const to = current && relocated.get(current.prefix)
      if (!current || to === undefined) continue
      const value = formatImage({ ...current, prefix: to })
      const change: Change = { path, base: MISSING, ours: value }
      try {
        edits.push(editFor(change, o, t, value))
        kept.push({ object, path: formatMergePath(path), change: 'changed', value })
      } catch (e) {
        if (!(e instanceof CannotSplice)) throw e
      }
    }
  }
  return { text: applyEdits(theirs, edits), kept, conflicts }
}

/** A registry move: the same image name and tag under another prefix. */
function relocation(base: unknown, ours: unknown): { from: string; to: string } | undefined {
  const [b, o] = [parseImage(base), parseImage(ours)]
  if (!b || !o || b.name !== o.name || b.tag !== o.tag || b.prefix === o.prefix) return undefined
  return { from: b.prefix, to: o.prefix }
}

/** The paths of every `image` field, list items addressed by their merge key. */
function imagePaths(
  v: unknown,
  path: MergePathSegment[],
  out: MergePathSegment[][] = []
): MergePathSegment[][] {
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'image' && typeof x === 'string') out.push([...path, k])
      else imagePaths(x, [...path, k], out)
    }
  } else if (Array.isArray(v)) {
    const field = listKey(lastName(path), [v])
    if (field !== undefined) {
      for (const item of v)
        imagePaths(item, [...path, { field, value: (item as Record<string, string>)[field] }], out)
    }
  }
  return out
}

function enclosingUntouched(
  path: readonly MergePathSegment[],
  bv: unknown,
  tv: unknown,
  ov: unknown,
  ours: Located,
  theirs: Located
): Edit | undefined {
  for (let n = path.length - 1; n >= 1; n--) {
    const prefix = path.slice(0, n)
    if (typeof prefix[n - 1] !== 'string') continue
    const tb = valueAt(bv, prefix)
    if (tb === MISSING || !deepEqual(tb, valueAt(tv, prefix))) continue
    try {
      return editFor({ path: prefix, base: tb, ours: valueAt(ov, prefix) }, ours, theirs)
    } catch (e) {
      if (!(e instanceof CannotSplice)) throw e
    }
  }
  return undefined
}

function describe(change: Change, current: unknown): string {
  if (current === MISSING) return 'changed in the ConfigMap, removed upstream'
  if (change.ours === MISSING) return 'removed in the ConfigMap, changed upstream'
  if (change.base === MISSING) return 'added in the ConfigMap and upstream, with different values'
  return 'changed in the ConfigMap and upstream, to different values'
}

// ---------------------------------------------------------------------------------------------------------------
// The whole manifest

/** Three-way merges a Calico manifest; see the module comment for the rules. */
export function mergeCalicoManifest(input: CalicoMergeInput): CalicoMergeResult {
  const [base, ours, theirs] = [pieces(input.base), pieces(input.ours), pieces(input.theirs)]
  const kept: KeptCustomisation[] = []
  const conflicts: MergeConflict[] = []
  const byKey = (list: Piece[]): Map<string, Piece> => {
    const m = new Map<string, Piece>()
    for (const p of list) if (p.id && !m.has(p.id.key)) m.set(p.id.key, p)
    return m
  }
  const [baseBy, theirsBy] = [byKey(base), byKey(theirs)]
  const oursBy = new Map<string, Piece>()
  for (const p of ours) {
    if (!p.id) continue
    if (oursBy.has(p.id.key)) {
      conflicts.push({ object: p.id.display, path: '', reason: 'appears twice in the ConfigMap data' })
    } else oursBy.set(p.id.key, p)
  }
  const sameValue = (a: Piece, b: Piece): boolean =>
    a.text === b.text || deepEqual(loadValue(a.text), loadValue(b.text))

  const edits: { start: number; end: number; text: string }[] = []
  const next = (i: number): number => (i + 1 < theirs.length ? theirs[i + 1].sepStart : input.theirs.length)
  theirs.forEach((t, i) => {
    if (!t.id || theirsBy.get(t.id.key) !== t) return
    const object = t.id.display
    const o = oursBy.get(t.id.key)
    const b = baseBy.get(t.id.key)
    if (!b) {
      if (o && !sameValue(o, t)) {
        conflicts.push({
          object,
          path: '',
          reason: 'added in the ConfigMap and upstream, with different content'
        })
      }
      return
    }
    if (!o) {
      if (sameValue(b, t)) {
        edits.push({ start: t.sepStart, end: next(i), text: '' })
        kept.push({ object, path: '', change: 'removed' })
      } else {
        conflicts.push({ object, path: '', reason: 'removed from the ConfigMap, changed upstream' })
      }
      return
    }
    if (o.text === b.text) return
    const oursCore = trimBreaks(o.text)
    if (t.text === b.text) {
      const changes: Change[] = []
      changesOf(loadValue(b.text), loadValue(o.text), loadValue(t.text), [], changes)
      pushAll(
        kept,
        changes.map(c => keptOf(object, c))
      )
      edits.push({ start: t.start, end: t.coreEnd, text: oursCore })
      return
    }
    const merged = mergeObject(object, trimBreaks(b.text), oursCore, trimBreaks(t.text))
    pushAll(kept, merged.kept)
    pushAll(conflicts, merged.conflicts)
    if (merged.text !== undefined) edits.push({ start: t.start, end: t.coreEnd, text: merged.text })
  })

  for (const b of base) {
    if (!b.id || baseBy.get(b.id.key) !== b || theirsBy.has(b.id.key)) continue
    const o = oursBy.get(b.id.key)
    if (o && !sameValue(o, b)) {
      conflicts.push({ object: b.id.display, path: '', reason: 'changed in the ConfigMap, removed upstream' })
    }
  }

  if (conflicts.length > 0) return { ok: false, conflicts, kept }

  let text = applyEdits(
    input.theirs,
    edits.map(e => ({ ...e, path: [] }))
  )
  const baseTexts = new Set(base.map(b => b.text))
  for (const o of ours) {
    const own = o.id
      ? !baseBy.has(o.id.key) && !theirsBy.has(o.id.key) && oursBy.get(o.id.key) === o
      : !baseTexts.has(o.text)
    if (!own || /^\s*$/.test(o.text)) continue
    if (!o.id && isCommentOnly(o.text)) continue
    if (!text.endsWith('\n')) text += '\n'
    text += `---\n${trimBreaks(o.text)}\n`
    if (o.id) kept.push({ object: o.id.display, path: '', change: 'added' })
  }
  return { ok: true, text, kept }
}

const isCommentOnly = (text: string): boolean => text.split('\n').every(l => /^\s*(#.*)?$/.test(l))

/**
 * The error that fails a target whose merge conflicts: one finding per conflict, at the ConfigMap's location,
 * naming the object and the field.
 */
export function mergeConflictError(conflicts: MergeConflict[], location: Location, to: string): FcuError {
  const findings: Finding[] = conflicts.map(c => ({
    severity: 'error',
    rule: 'calico/merge-conflict',
    message: `${c.object}${c.path ? ` ${c.path}` : ''}: ${c.reason}${
      c.path ? ` (upstream ${JSON.stringify(c.theirs)}, ConfigMap ${JSON.stringify(c.ours)})` : ''
    }`,
    ...location,
    hint: `Make the ConfigMap's value match upstream's (or remove the customisation) and re-run, or port it to Calico ${to} by hand.`
  }))
  const first = conflicts[0]
  return new FcuError(
    'manifest',
    `the upgrade to Calico ${to} conflicts with ${conflicts.length} customisation(s), first ${first.object}${first.path ? ` ${first.path}` : ''}: ${first.reason}`,
    { location, findings, hint: findings[0]?.hint }
  )
}
