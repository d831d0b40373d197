import { FcuError } from '../errors.js'
import type { Component } from '../settings/inputs.js'
import { mergeEdits } from './merge-lines.js'
import { WorkingTree } from './tree.js'

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

  constructor(
    readonly component: Component,
    readonly base: WorkingTree
  ) {
    this.current = base
  }

  get tree(): WorkingTree {
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
    if (from === to) return this.write(to, content, 'renamed')
    this.put({ path: from, content: null, reason: 'renamed' })
    this.put({ path: to, content, reason: 'renamed', renamedFrom: from })
  }

  /** The changes that differ from the base, by path. */
  list(): PlannedChange[] {
    return [...this.changes.values()]
      .filter(c => c.content !== (this.base.get(c.path) ?? null))
      .sort((a, b) => compare(a.path, b.path))
  }

  private put(c: { path: string; content: string | null; reason: ChangeReason; renamedFrom?: string }): void {
    if (c.content === null && !this.current.has(c.path)) {
      throw new FcuError('internal', `${this.component}: cannot delete ${c.path}, which does not exist`)
    }
    const earlier = this.changes.get(c.path)
    const reasons = earlier ? [...new Set([...earlier.reasons, c.reason])] : [c.reason]
    const renamedFrom = c.renamedFrom ?? earlier?.renamedFrom
    this.changes.set(c.path, {
      path: c.path,
      content: c.content,
      component: this.component,
      reasons,
      ...(renamedFrom ? { renamedFrom } : {})
    })
    this.current = this.current.with([c])
  }
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
    const { component, ...rest } = list[0]
    return { ...rest, components: [component] }
  })
}

/** The repository after the given components' changes (all when omitted). */
export const treeAfter = (plan: Plan, components?: readonly Component[]): WorkingTree =>
  plan.base.with(combinedChanges(plan, components))

function combine(base: WorkingTree, list: PlannedChange[]): CombinedChange {
  const path = list[0].path
  const deleted = list.filter(c => c.content === null)
  if (deleted.length > 0 && deleted.length < list.length) {
    throw new FcuError(
      'manifest',
      `${path}: the ${deleted[0].component} upgrade removes this file while the ${list.find(c => c.content !== null)!.component} upgrade changes it`,
      { location: { file: path }, hint: 'Upgrade the components one at a time, or set group: true.' }
    )
  }
  const content =
    deleted.length > 0
      ? null
      : mergeEdits(
          path,
          base.get(path) ?? '',
          list.map(c => ({ label: c.component, text: c.content! }))
        )
  const renamedFrom = list.find(c => c.renamedFrom)?.renamedFrom
  return {
    path,
    content,
    components: list.map(c => c.component),
    reasons: [...new Set(list.flatMap(c => c.reasons))],
    ...(renamedFrom ? { renamedFrom } : {})
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
