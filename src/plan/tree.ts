import type { RepoFile } from '../workspace/repository.js'
import { storedContent, withStoredContent, type StoredText, type Texts } from './stored.js'

/** A file's content: the text itself, or where a store keeps it (read when asked). */
type Entry = string | { ref: StoredText; store: Texts }

/** A new content as trees take it: a text, `null` to remove the path, or an object whose content a store keeps. */
export type ContentChange = { path: string; content: string | null }

/**
 * A repository as text by path, immutable: the tree as read, or that tree with a set of changes applied. Stages
 * read from one and return changes; nothing writes into a tree. A tree made from stored files (see
 * `TextStore`) holds no text: each is read from the store when asked, so a tree of a large fleet stays small.
 */
export class WorkingTree {
  private byPath: ReadonlyMap<string, Entry> = new Map()
  private sorted?: string[]

  constructor(files?: Iterable<RepoFile> | ReadonlyMap<string, string>) {
    if (files instanceof Map) this.byPath = new Map(files as ReadonlyMap<string, string>)
    else if (files) this.byPath = new Map([...(files as Iterable<RepoFile>)].map(f => [f.path, entryOf(f)]))
  }

  private static of(byPath: ReadonlyMap<string, Entry>): WorkingTree {
    const tree = new WorkingTree()
    tree.byPath = byPath
    return tree
  }

  get(path: string): string | undefined {
    const e = this.byPath.get(path)
    return e === undefined || typeof e === 'string' ? e : e.store.text(e.ref)
  }

  has(path: string): boolean {
    return this.byPath.has(path)
  }

  /** The stored form of a path's content (digest and size) when a store keeps it: compared without reading it. */
  stored(path: string): StoredText | undefined {
    const e = this.byPath.get(path)
    return e === undefined || typeof e === 'string' ? undefined : e.ref
  }

  /** The size of a path's content in UTF-8 bytes. */
  bytes(path: string): number | undefined {
    const e = this.byPath.get(path)
    return e === undefined ? undefined : typeof e === 'string' ? Buffer.byteLength(e, 'utf8') : e.ref.bytes
  }

  /** Sorted, so that everything computed from a tree is deterministic. */
  paths(): string[] {
    this.sorted ??= [...this.byPath.keys()].sort()
    return [...this.sorted]
  }

  /** Every file, sorted by path; a stored file's `content` is read when asked, so keep the entry, not the text. */
  files(): RepoFile[] {
    return this.paths().map(path => {
      const e = this.byPath.get(path)!
      return typeof e === 'string' ? { path, content: e } : withStoredContent({ path }, e.ref, e.store)
    })
  }

  /** This tree with each path set to its new content, or removed for `null`. */
  with(changes: Iterable<ContentChange>): WorkingTree {
    const next = new Map(this.byPath)
    for (const c of changes) {
      const s = storedContent(c)
      if (s) next.set(c.path, s)
      else if (c.content === null) next.delete(c.path)
      else next.set(c.path, c.content)
    }
    return WorkingTree.of(next)
  }
}

function entryOf(f: { path: string; content: string | null }): Entry {
  return storedContent(f) ?? (f.content as string)
}
