import { FcuError } from '../errors.js'
import type { Component } from '../settings/inputs.js'
import { mergeEdits } from './merge-lines.js'
import type { WorkingTree } from './tree.js'
import type { StageChange } from './stage.js'
import { passContent, removes, storedContent, withStoredContent, type Texts } from './stored.js'

/**
 * The plan of a run: the repository as read and, per component, the file changes that upgrade it. Each component's
 * changes are computed from the base alone, so that each can be validated and published on its own (one pull
 * request per component); applied together (dry-run, `group`) the edits of a file two components touch are merged.
 */

export type ChangeReason = 'regenerated' | 'migrated' | 'renamed' | 'reference-followed' | 'split'

export interface PlannedChange {
  path: string
  /** The new text; `null` deletes the file. */
  content: string | null
  component: Component
  reasons: ChangeReason[]
  /** Set on the new file of a rename: the path it replaces (deleted by the same component). */
  renamedFrom?: string
}

/** One component's changes as its stages make them: each stage reads `tree`, the base with the earlier stages' changes. */
export class ChangeSet {
  private readonly changes = new Map<string, PlannedChange>()
  private current: WorkingTree
  /** Changes made since `current`, applied when a stage next reads the tree: one copy of the tree per stage. */
  private pending: PlannedChange[] = []
  private readonly exists = new Map<string, boolean>()

  /**
   * With a `store`, each new content is kept there (spilled to disk) as it comes, so that the plan of a large fleet
   * holds digests, not texts.
   */
  constructor(
    readonly component: Component,
    readonly base: WorkingTree,
    private readonly store?: Texts
  ) {
    this.current = base
  }

  get tree(): WorkingTree {
    if (this.pending.length > 0) {
      this.current = this.current.with(this.pending)
      this.pending = []
      this.exists.clear()
    }
    return this.current
  }

  write(path: string, content: string, reason: ChangeReason): void {
    this.put({ path, content, reason })
  }

  delete(path: string, reason: ChangeReason): void {
    this.put({ path, content: null, reason })
  }

  /** The file at `from` moves to `to` with new content; both paths are part of this component's change. */
  rename(from: string, to: string, content: string): void {
    this.apply({ path: to, content, reason: 'renamed', renamedFrom: from })
  }

  /** A stage's change, its content passed on as the stage gave it (a stored one is not read). */
  apply(c: StageChange): void {
    if (!c.renamedFrom || c.renamedFrom === c.path) {
      this.put(!c.renamedFrom ? c : passContent({ path: c.path, reason: 'renamed' as const }, c))
      return
    }
    this.put({ path: c.renamedFrom, content: null, reason: 'renamed' })
    // A rename always leaves a file at its new path: an empty one when a stage gave no content. Not spread from
    // `c`: spreading reads a stored content, which would then be stored (and hashed) again.
    const to = { path: c.path, reason: 'renamed' as const, renamedFrom: c.renamedFrom }
    this.put(removes(c) ? { ...to, content: '' } : passContent(to, c))
  }

  /** The changes that differ from the base, by path. */
  list(): PlannedChange[] {
    return [...this.changes.values()]
      .filter(c => !sameAsBase(c, this.base))
      .sort((a, b) => compare(a.path, b.path))
  }

  private put(c: { path: string; content: string | null; reason: ChangeReason; renamedFrom?: string }): void {
    const deleting = !storedContent(c) && c.content === null
    if (deleting && !(this.exists.get(c.path) ?? this.current.has(c.path))) {
      throw new FcuError('internal', `${this.component}: cannot delete ${c.path}, which does not exist`)
    }
    const earlier = this.changes.get(c.path)
    const reasons = earlier ? [...new Set([...earlier.reasons, c.reason])] : [c.reason]
    const renamedFrom = c.renamedFrom ?? earlier?.renamedFrom
    const change = carry(
      {
        path: c.path,
        component: this.component,
        reasons,
        ...(renamedFrom ? { renamedFrom } : {})
      },
      c,
      this.store
    )
    this.changes.set(c.path, change)
    this.pending.push(change)
    this.exists.set(c.path, !deleting)
  }
}

/** The content of `from` on `to`: a stored content passed on unread, a text put in the store when there is one. */
function carry<T extends object>(
  to: T,
  from: { content: string | null },
  store: Texts | undefined
): T & { content: string | null } {
  if (store && !storedContent(from) && from.content !== null)
    return withStoredContent(to, store.put(from.content), store)
  return passContent(to, from)
}

function sameAsBase(c: { path: string; content: string | null }, base: WorkingTree): boolean {
  const s = storedContent(c)
  if (s) {
    const b = base.stored(c.path)
    if (b) return b.digest === s.ref.digest
    return base.has(c.path) && base.get(c.path) === c.content
  }
  if (c.content === null) return !base.has(c.path)
  return base.get(c.path) === c.content
}

export interface Plan {
  readonly base: WorkingTree
  /** Every component's changes, sorted by path, then component. */
  readonly changes: readonly PlannedChange[]
}

export function makePlan(base: WorkingTree, sets: readonly ChangeSet[]): Plan {
  for (const s of sets) {
    if (s.base !== base)
      throw new FcuError('internal', `the ${s.component} changes were made from another tree`)
  }
  const changes = sets
    .flatMap(s => s.list())
    .sort((a, b) => compare(a.path, b.path) || compare(a.component, b.component))
  return { base, changes }
}

/** The components that change something, in the order of the plan. */
export const planComponents = (plan: Plan): Component[] => [...new Set(plan.changes.map(c => c.component))]

/** What applying several components' changes does to one path. */
export interface CombinedChange extends Omit<PlannedChange, 'component'> {
  components: Component[]
}

/** One entry per path: what applying the given components' changes (all when omitted) does to that path. */
export function combinedChanges(plan: Plan, components?: readonly Component[]): CombinedChange[] {
  const byPath = new Map<string, PlannedChange[]>()
  for (const c of plan.changes) {
    if (components && !components.includes(c.component)) continue
    const list = byPath.get(c.path)
    if (list) list.push(c)
    else byPath.set(c.path, [c])
  }
  return [...byPath.values()].map(list => {
    if (list.length > 1) return combine(plan.base, list)
    const c = list[0]
    return carry(
      {
        path: c.path,
        components: [c.component],
        reasons: c.reasons,
        ...(c.renamedFrom ? { renamedFrom: c.renamedFrom } : {})
      },
      c,
      undefined
    )
  })
}

/** The repository after the given components' changes (all when omitted). */
export const treeAfter = (plan: Plan, components?: readonly Component[]): WorkingTree =>
  plan.base.with(combinedChanges(plan, components))

/** What a set of changes does to each file, for reports: operation, size, components, reasons, rename. */
export function describeChanges(
  base: WorkingTree,
  changes: readonly CombinedChange[]
): {
  path: string
  operation: 'modified' | 'added' | 'deleted'
  bytes: number
  components: Component[]
  reasons: ChangeReason[]
  renamedFrom?: string
}[] {
  return changes.map(c => ({
    path: c.path,
    operation: removes(c) ? 'deleted' : base.has(c.path) ? 'modified' : 'added',
    bytes: bytesOf(c),
    components: c.components,
    reasons: c.reasons,
    ...(c.renamedFrom ? { renamedFrom: c.renamedFrom } : {})
  }))
}

function combine(base: WorkingTree, list: PlannedChange[]): CombinedChange {
  const path = list[0].path
  const deleted = list.filter(c => !storedContent(c) && c.content === null)
  if (deleted.length > 0 && deleted.length < list.length) {
    throw new FcuError(
      'manifest',
      `${path}: the ${deleted[0].component} upgrade removes this file while the ${list.find(c => !deleted.includes(c))!.component} upgrade changes it`,
      { location: { file: path }, hint: 'Upgrade the components one at a time, or set group: true.' }
    )
  }
  const renamedFrom = list.find(c => c.renamedFrom)?.renamedFrom
  const combined = {
    path,
    components: list.map(c => c.component),
    reasons: [...new Set(list.flatMap(c => c.reasons))],
    ...(renamedFrom ? { renamedFrom } : {})
  }
  // The same new content from every component (a regenerated file both rename to): passed on unread.
  const digests = new Set(list.map(c => storedContent(c)?.ref.digest))
  if (deleted.length > 0 || (digests.size === 1 && !digests.has(undefined)))
    return carry(combined, list[0], undefined)
  const content = mergeEdits(
    path,
    base.get(path) ?? '',
    list.map(c => ({ label: c.component, text: c.content! }))
  )
  return { ...combined, content }
}

/** A change's size in UTF-8 bytes, without reading a stored content. */
function bytesOf(c: { content: string | null }): number {
  const s = storedContent(c)
  return s ? s.ref.bytes : c.content === null ? 0 : Buffer.byteLength(c.content, 'utf8')
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
