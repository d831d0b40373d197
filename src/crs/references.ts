import path from 'node:path'
import { applyEdits, findScalars, findScalarsOf, type Edit } from '../yaml/edit.js'
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
  const anyName = Words.of(names.map(n => n.from))
  const anyFile = Words.of(files.map(f => path.posix.basename(f.from)))
  const renameAt = new Map<string, number[]>()
  names.forEach((n, i) => renameAt.set(n.from, [...(renameAt.get(n.from) ?? []), i]))
  for (const file of tree.paths()) {
    if (skip.has(file) || !YAML.test(file)) continue
    const text = tree.get(file)!
    const isKustomization = KUSTOMIZATION.has(path.posix.basename(file))
    const relevant = anyName?.foundIn(text) || (isKustomization && anyFile?.foundIn(text))
    if (!relevant) continue
    const edits: Edit[] = []
    const followed: FollowedReference[] = []
    if (isKustomization) fileEdits(file, text, files, edits, followed)
    // The renames whose old name the file holds, in their order: looking each one up grows with clusters squared.
    const held = anyName ? [...anyName.heldBy(text)].flatMap(w => renameAt.get(w) ?? []) : []
    nameEdits(
      file,
      text,
      held.sort((a, b) => a - b).map(i => names[i]),
      isKustomization,
      edits,
      followed
    )
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
  const refs = names.length === 0 ? new Map() : findScalarsOf(text, new Set(names.map(n => n.from)), file)
  for (const rename of names) {
    for (const ref of refs.get(rename.from) ?? []) {
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

interface Trie {
  word?: string
  next: Map<string, Trie>
}

/**
 * Many words (each cluster's ConfigMap names) looked for as substrings of many files in one scan each: a pattern
 * shaped as the words' trie, so that the regex engine searches for their common prefix instead of trying every word
 * at every position, and the trie to tell which words a file holds.
 */
class Words {
  private constructor(
    private readonly trie: Trie,
    private readonly pattern: RegExp
  ) {}

  static of(words: readonly string[]): Words | undefined {
    const unique = [...new Set(words)].filter(w => w !== '')
    if (unique.length === 0) return undefined
    const trie: Trie = { next: new Map() }
    for (const w of unique) {
      let node = trie
      for (let i = 0; i < w.length; i++) {
        const ch = w[i]
        let child = node.next.get(ch)
        if (!child) node.next.set(ch, (child = { next: new Map() }))
        node = child
      }
      node.word = w
    }
    return new Words(trie, new RegExp(patternOf(trie), 'g'))
  }

  foundIn(text: string): boolean {
    this.pattern.lastIndex = 0
    return this.pattern.test(text)
  }

  /** Every word that occurs in `text`. */
  heldBy(text: string): Set<string> {
    const out = new Set<string>()
    this.pattern.lastIndex = 0
    for (let m = this.pattern.exec(text); m !== null; m = this.pattern.exec(text)) {
      // Every word that starts here (one may be the prefix of another), then on from the next character.
      let node: Trie | undefined = this.trie
      for (let i = m.index; node && i <= text.length; i++) {
        if (node.word !== undefined) out.add(node.word)
        node = i < text.length ? node.next.get(text[i]) : undefined
      }
      this.pattern.lastIndex = m.index + 1
    }
    return out
  }
}

function patternOf(node: Trie): string {
  const branches = [...node.next].map(([ch, child]) => escape(ch) + patternOf(child))
  if (branches.length === 0) return ''
  const body = branches.length === 1 ? branches[0] : `(?:${branches.join('|')})`
  return node.word === undefined ? body : `(?:${body})?`
}
