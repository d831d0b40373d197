import type { RepoFile } from '../workspace/repository.js'

/**
 * A repository as text by path, immutable: the tree as read, or that tree with a set of changes applied. Stages
 * read from one and return changes; nothing writes into a tree.
 */
export class WorkingTree {
  private readonly byPath: ReadonlyMap<string, string>

  constructor(files: Iterable<RepoFile> | ReadonlyMap<string, string>) {
    this.byPath =
      files instanceof Map
        ? new Map(files)
        : new Map([...(files as Iterable<RepoFile>)].map(f => [f.path, f.content]))
  }

  get(path: string): string | undefined {
    return this.byPath.get(path)
  }

  has(path: string): boolean {
    return this.byPath.has(path)
  }

  /** Sorted, so that everything computed from a tree is deterministic. */
  paths(): string[] {
    return [...this.byPath.keys()].sort()
  }

  files(): RepoFile[] {
    return this.paths().map(path => ({ path, content: this.byPath.get(path)! }))
  }

  /** This tree with each path set to its new content, or removed for `null`. */
  with(changes: Iterable<{ path: string; content: string | null }>): WorkingTree {
    const next = new Map(this.byPath)
    for (const c of changes) {
      if (c.content === null) next.delete(c.path)
      else next.set(c.path, c.content)
    }
    return new WorkingTree(next)
  }
}
