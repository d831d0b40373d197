import path from 'node:path'
import { applyEdits, findScalars, type Edit } from '../yaml/edit.js'
import { tryParseDocuments } from '../yaml/documents.js'
import type { WorkingTree } from '../plan/tree.js'
import { pushAll } from '../arrays.js'

/**
 * Following a versioned rename through the repository (SPEC §2): kustomizations that list a renamed file (in
 * `resources`, `components`, patch paths), and every file that names a renamed ConfigMap (a ClusterResourceSet's
 * `spec.resources[].name`, a JSON6902 or strategic-merge patch, inside a kustomization's patch string too).
 * Files are edited by splicing (src/yaml/edit.ts): the diff shows only the lines that name the version.
 */

export interface Renamed {
  from: string
  to: string
}

/** A ConfigMap renamed into several (a split): every list that named it lists them all, in order. */
export interface ConfigMapRename {
  from: string
  to: readonly string[]
}

export interface FollowedReference {
  file: string
  line: number
  kind: 'file' | 'configmap'
  from: string
  to: string
}

export interface FollowResult {
  changes: { path: string; content: string }[]
  followed: FollowedReference[]
}

const KUSTOMIZATION = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization'])
const YAML = /\.ya?ml$/i
/** Kustomization fields whose entries are file paths relative to the kustomization. */
const PATH_LISTS = ['resources', 'components', 'patchesStrategicMerge', 'crds'] as const
const PATH_ENTRY_LISTS = ['patches', 'patchesJson6902'] as const

/**
 * The edits that make `tree` consistent with renamed files and ConfigMaps. `skip` holds files the caller renders
 * itself (the renamed ConfigMaps). A name inside a multi-line string is replaced only in a kustomization's patches,
 * where it is a patch's value; elsewhere a multi-line string is data, not a reference.
 */
export function followReferences(
  tree: WorkingTree,
  renames: { files: readonly Renamed[]; configMaps: readonly ConfigMapRename[] },
  skip: ReadonlySet<string>
): FollowResult {
  const out: FollowResult = { changes: [], followed: [] }
  const names = renames.configMaps.filter(r => r.to.length !== 1 || r.to[0] !== r.from)
  const files = renames.files.filter(r => r.from !== r.to)
  if (names.length === 0 && files.length === 0) return out
  // One scan of each file for any of the old names: a search per name and file grows with clusters squared (each
  // cluster renames its own ConfigMaps, and every file is a megabyte of manifests).
  const anyName = anyOf(names.map(n => n.from))
  const anyFile = anyOf(files.map(f => path.posix.basename(f.from)))
  for (const file of tree.paths()) {
    if (skip.has(file) || !YAML.test(file)) continue
    const text = tree.get(file)!
    const isKustomization = KUSTOMIZATION.has(path.posix.basename(file))
    const relevant = anyName?.test(text) || (isKustomization && anyFile?.test(text))
    if (!relevant) continue
    const edits: Edit[] = []
    const followed: FollowedReference[] = []
    if (isKustomization) fileEdits(file, text, files, edits, followed)
    nameEdits(file, text, names, isKustomization, edits, followed)
    if (edits.length === 0) continue
    out.changes.push({ path: file, content: applyEdits(text, edits, file) })
    pushAll(
      out.followed,
      followed.sort((a, b) => a.line - b.line)
    )
  }
  return out
}

/** Entries of a kustomization that resolve to a renamed file; only the file name part of the entry changes. */
function fileEdits(
  file: string,
  text: string,
  files: readonly Renamed[],
  edits: Edit[],
  followed: FollowedReference[]
): void {
  const dir = path.posix.dirname(file)
  const { documents } = tryParseDocuments(text, file)
  documents.forEach(doc => {
    const value = doc.value as Record<string, unknown> | null
    if (!value || typeof value !== 'object') return
    const candidates: { at: (string | number)[]; entry: string }[] = []
    for (const key of PATH_LISTS) {
      const list = value[key]
      if (Array.isArray(list))
        list.forEach((e, i) => typeof e === 'string' && candidates.push({ at: [key, i], entry: e }))
    }
    for (const key of PATH_ENTRY_LISTS) {
      const list = value[key]
      if (!Array.isArray(list)) continue
      list.forEach((e, i) => {
        const p = (e as { path?: unknown } | null)?.path
        if (typeof p === 'string') candidates.push({ at: [key, i, 'path'], entry: p })
      })
    }
    for (const c of candidates) {
      const target = path.posix.normalize(path.posix.join(dir, c.entry))
      const rename = files.find(f => f.from === target)
      if (!rename) continue
      const oldBase = path.posix.basename(rename.from)
      const next = c.entry.endsWith(oldBase)
        ? c.entry.slice(0, c.entry.length - oldBase.length) + path.posix.basename(rename.to)
        : path.posix.relative(dir, rename.to)
      edits.push({ op: 'set', doc: doc.index, path: c.at, value: next })
      followed.push({
        file,
        line: lineOf(text, file, doc.index, c.at, c.entry),
        kind: 'file',
        from: c.entry,
        to: next
      })
    }
  })
}

/** Scalars equal to a renamed ConfigMap's name; a split one becomes all its parts where it is a list entry. */
function nameEdits(
  file: string,
  text: string,
  names: readonly ConfigMapRename[],
  isKustomization: boolean,
  edits: Edit[],
  followed: FollowedReference[]
): void {
  for (const rename of names) {
    if (!text.includes(rename.from)) continue
    for (const ref of findScalars(text, rename.from, file)) {
      // A name key of a list entry (`resources: [{name: x, kind: ConfigMap}]`) becomes one entry per part.
      if (rename.to.length > 1) {
        splitEntry(ref, rename, edits)
      } else {
        edits.push({ op: 'set', doc: ref.doc, path: ref.path, value: rename.to[0] })
      }
      followed.push({ file, line: ref.line, kind: 'configmap', from: rename.from, to: rename.to.join(', ') })
    }
    if (isKustomization && rename.to.length === 1) patchStringEdits(file, text, rename, edits, followed)
  }
}

/** Inside a kustomization's patch strings (`patches[].patch`), the name as a whole word. */
function patchStringEdits(
  file: string,
  text: string,
  rename: ConfigMapRename,
  edits: Edit[],
  followed: FollowedReference[]
): void {
  const word = new RegExp(`(?<![A-Za-z0-9.-])${escape(rename.from)}(?![A-Za-z0-9.-])`, 'g')
  const { documents } = tryParseDocuments(text, file)
  for (const doc of documents) {
    const value = doc.value as Record<string, unknown> | null
    for (const key of PATH_ENTRY_LISTS) {
      const list = value && typeof value === 'object' ? value[key] : undefined
      if (!Array.isArray(list)) continue
      list.forEach((e, i) => {
        const patch = (e as { patch?: unknown } | null)?.patch
        if (typeof patch !== 'string' || !patch.includes('\n') || !word.test(patch)) return
        word.lastIndex = 0
        edits.push({
          op: 'block',
          doc: doc.index,
          path: [key, i, 'patch'],
          value: patch.replace(word, rename.to[0])
        })
        const offset = patch.slice(0, patch.search(word)).split('\n').length
        word.lastIndex = 0
        followed.push({
          file,
          line: lineOf(text, file, doc.index, [key, i, 'patch'], patch) + offset,
          kind: 'configmap',
          from: rename.from,
          to: rename.to[0]
        })
      })
    }
  }
}

/**
 * A split ConfigMap named in a list (a ClusterResourceSet's `resources: [{name, kind}]`, or a list of names): the
 * entry names the first part and the other parts are listed after it. A bare name elsewhere names the first part.
 */
function splitEntry(
  ref: { doc: number; path: (string | number)[] },
  rename: ConfigMapRename,
  edits: Edit[]
): void {
  const [first, ...rest] = rename.to
  edits.push({ op: 'set', doc: ref.doc, path: ref.path, value: first })
  const p = ref.path
  if (typeof p[p.length - 1] === 'number') {
    edits.push({
      op: 'insert',
      doc: ref.doc,
      path: p.slice(0, -1),
      after: p[p.length - 1] as number,
      values: rest
    })
  } else if (p.length >= 2 && typeof p[p.length - 2] === 'number') {
    const entry = p.slice(0, -1)
    edits.push({
      op: 'duplicate',
      doc: ref.doc,
      path: entry,
      copies: rest.map(value => ({ at: [p[p.length - 1]], value }))
    })
  }
}

function lineOf(text: string, file: string, doc: number, at: (string | number)[], value: string): number {
  const ref = findScalars(text, value, file).find(
    r => r.doc === doc && r.path.length === at.length && r.path.every((k, i) => k === at[i])
  )
  return ref?.line ?? 1
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A pattern that finds any of `words` as a substring, or undefined for none. */
function anyOf(words: readonly string[]): RegExp | undefined {
  const unique = [...new Set(words)]
  return unique.length === 0 ? undefined : new RegExp(unique.map(escape).join('|'))
}
