import { positionOf, type YamlDocument } from '../yaml/documents.js'
import { apiVersionLine } from './apis.js'
import { isObject } from '../yaml/values.js'
import { groupVersion } from '../kubernetes/api-version.js'

/**
 * One difference between a file and what `flux install` gives for its header version and options. `was` is the
 * pristine value, `now` the file's; `undefined` on one side means the field is absent there. A whole object that
 * only one side has is one entry with an empty `path`.
 */
export interface DriftEntry {
  kind: string
  name: string
  namespace?: string
  /** e.g. `spec.template.spec.containers[0].image`; keys that are not identifiers are quoted: `labels["a/b"]`. */
  path: string
  was: unknown
  now: unknown
  /** 1-based file line of the field (or of the nearest part of its path the file has). */
  line?: number
}

export interface ObjectRef {
  apiVersion: string
  kind: string
  name: string
  namespace?: string
  line?: number
}

export interface FluxDrift {
  changed: DriftEntry[]
  /** In the file, not in `flux install` output. */
  added: ObjectRef[]
  /** In `flux install` output, not in the file. */
  removed: ObjectRef[]
}

interface Keyed {
  doc: YamlDocument
  ref: ObjectRef
}

// Objects are matched by group, kind, namespace and name: a changed apiVersion version is a field difference.
function keyed(docs: YamlDocument[]): Map<string, Keyed> {
  const out = new Map<string, Keyed>()
  for (const doc of docs) {
    const v = doc.value
    if (!isObject(v) || typeof v.kind !== 'string') continue
    const meta = isObject(v.metadata) ? v.metadata : {}
    const apiVersion = typeof v.apiVersion === 'string' ? v.apiVersion : ''
    const { group } = groupVersion(apiVersion)
    const ref: ObjectRef = {
      apiVersion,
      kind: v.kind,
      name: typeof meta.name === 'string' ? meta.name : '',
      ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {})
    }
    const key = [group, ref.kind, ref.namespace ?? '', ref.name].join('\u0000')
    if (!out.has(key)) out.set(key, { doc, ref })
  }
  return out
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/
const formatPath = (path: (string | number)[]): string =>
  path
    .map((k, i) =>
      typeof k === 'number'
        ? `[${k}]`
        : IDENTIFIER.test(k)
          ? `${i === 0 ? '' : '.'}${k}`
          : `[${JSON.stringify(k)}]`
    )
    .join('')

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every(k => k in b && equal(a[k], b[k]))
  }
  return false
}

// Leaf-level differences; a subtree only one side has is reported once, not field by field.
function diff(
  was: unknown,
  now: unknown,
  path: (string | number)[],
  out: { path: (string | number)[]; was: unknown; now: unknown }[]
) {
  if (isObject(was) && isObject(now)) {
    for (const k of Object.keys(was)) diff(was[k], now[k], [...path, k], out)
    for (const k of Object.keys(now))
      if (!(k in was)) out.push({ path: [...path, k], was: undefined, now: now[k] })
    return
  }
  if (Array.isArray(was) && Array.isArray(now)) {
    for (let i = 0; i < Math.max(was.length, now.length); i++) diff(was[i], now[i], [...path, i], out)
    return
  }
  if (!equal(was, now)) out.push({ path, was, now })
}

/**
 * Compares a file's objects with the pristine output for its header version and options. Identical documents
 * are skipped on their text, so a 600 KB file with a handful of edits costs one string comparison per document;
 * file positions are computed only for the documents that differ.
 */
export function compareWithPristine(fileDocs: YamlDocument[], pristineDocs: YamlDocument[]): FluxDrift {
  const file = keyed(fileDocs)
  const pristine = keyed(pristineDocs)
  const drift: FluxDrift = { changed: [], added: [], removed: [] }
  for (const [key, p] of pristine) {
    const f = file.get(key)
    if (!f) {
      drift.removed.push(p.ref)
      continue
    }
    if (f.doc.text === p.doc.text) continue
    const found: { path: (string | number)[]; was: unknown; now: unknown }[] = []
    diff(p.doc.value, f.doc.value, [], found)
    for (const d of found) {
      drift.changed.push({
        kind: f.ref.kind,
        name: f.ref.name,
        ...(f.ref.namespace !== undefined ? { namespace: f.ref.namespace } : {}),
        path: formatPath(d.path),
        was: d.was,
        now: d.now,
        line: positionOf(f.doc, d.path, 'value').line
      })
    }
  }
  for (const [key, f] of file)
    if (!pristine.has(key)) drift.added.push({ ...f.ref, line: apiVersionLine(f.doc) })
  return drift
}

export const hasDrift = (d: FluxDrift): boolean => d.changed.length + d.added.length + d.removed.length > 0

/** One list for reports: field changes, then whole objects the file added or lost. */
export function driftEntries(d: FluxDrift): DriftEntry[] {
  const whole = (r: ObjectRef, was: unknown, now: unknown): DriftEntry => ({
    kind: r.kind,
    name: r.name,
    ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
    path: '',
    was,
    now,
    ...(r.line !== undefined ? { line: r.line } : {})
  })
  return [
    ...d.changed,
    ...d.added.map(r => whole(r, undefined, `${r.apiVersion} ${r.kind}`)),
    ...d.removed.map(r => whole(r, `${r.apiVersion} ${r.kind}`, undefined))
  ]
}
