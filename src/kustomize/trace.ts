import { positionOf, type YamlDocument, type YamlPath } from '../yaml/documents.js'

/** A node in a source document: the place a rendered value was written. */
export interface Origin {
  doc: YamlDocument
  path: YamlPath
}

/**
 * Where every part of a rendered object came from, as a tree shaped like the object.
 *
 * The tree is sparse: a node without children means "this value and everything below it comes from `origin`, at the
 * same relative path". Only values that a patch or a transformer replaced get their own node, so an object that no
 * patch touches costs one node however large it is.
 */
export interface Trace {
  /** Where this value was written; absent on nodes that only hold overridden children. */
  origin?: Origin
  keys?: Map<string, Trace>
  /** For arrays whose elements moved or were replaced: one entry per element, in order. */
  items?: Trace[]
}

export const traceOf = (origin: Origin): Trace => ({ origin })

/** The origin of the value at `path`: the deepest traced node, extended by the rest of the path. */
export function resolveOrigin(trace: Trace, path: YamlPath): Origin | undefined {
  let origin = trace.origin
  let rest: (string | number)[] = []
  let node: Trace | undefined = trace
  for (const segment of path) {
    const next: Trace | undefined = node ? childOf(node, segment) : undefined
    if (next) {
      node = next
      if (next.origin) {
        origin = next.origin
        rest = []
        continue
      }
    } else {
      node = undefined
    }
    rest.push(segment)
  }
  return origin ? { doc: origin.doc, path: [...origin.path, ...rest] } : undefined
}

function childOf(node: Trace, segment: string | number): Trace | undefined {
  if (node.items) return typeof segment === 'number' ? node.items[segment] : undefined
  return node.keys?.get(String(segment))
}

/** File and line of the value at `path`, or of its closest ancestor that exists in the source. */
export function locateInTrace(
  trace: Trace,
  path: YamlPath,
  at: 'key' | 'value' = 'key'
): { file: string; line: number; column: number } | undefined {
  const origin = resolveOrigin(trace, path)
  if (!origin) return undefined
  const pos = positionOf(origin.doc, origin.path, at)
  return { file: origin.doc.file, line: pos.line, column: pos.column }
}

/** A standalone copy of the trace at `path` (for `copy`/`move`), with inherited origins made explicit. */
export function extractTrace(trace: Trace, path: YamlPath): Trace {
  const origin = resolveOrigin(trace, path)
  let node: Trace | undefined = trace
  for (const segment of path) node = node ? childOf(node, segment) : undefined
  return { ...cloneTrace(node ?? {}), origin }
}

export function cloneTrace(t: Trace): Trace {
  return {
    ...(t.origin ? { origin: t.origin } : {}),
    ...(t.keys ? { keys: new Map([...t.keys].map(([k, v]) => [k, cloneTrace(v)])) } : {}),
    ...(t.items ? { items: t.items.map(cloneTrace) } : {})
  }
}

/**
 * The node for `path`, created on the way. `arrayLengths` gives the length of each array on the path (by depth), so
 * that an array node can list its elements before one of them is spliced.
 */
function nodeAt(trace: Trace, path: YamlPath, containers: unknown[]): Trace {
  let node = trace
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]
    const container = containers[i]
    if (Array.isArray(container)) {
      materializeItems(node, trace, path.slice(0, i), container.length)
      const index = Number(segment)
      node.items![index] ??= {}
      node = node.items![index]
    } else {
      node.keys ??= new Map()
      let next = node.keys.get(String(segment))
      if (!next) {
        next = {}
        node.keys.set(String(segment), next)
      }
      node = next
    }
  }
  return node
}

/** Gives an array node one explicit entry per element, so that splicing keeps every element's origin. */
function materializeItems(node: Trace, root: Trace, path: YamlPath, length: number): void {
  if (node.items) return
  const items: Trace[] = []
  for (let i = 0; i < length; i++) {
    const explicit = node.keys?.get(String(i))
    const origin = resolveOrigin(root, [...path, i])
    items.push(explicit ? { ...explicit, origin: explicit.origin ?? origin } : { origin })
  }
  node.items = items
  delete node.keys
}

/**
 * Records that the value at `path` now comes from `origin` (or from `replacement`, a whole trace).
 * `containers[i]` is the value that `path[i]` indexes into, as it is after the change.
 */
export function setTrace(trace: Trace, path: YamlPath, containers: unknown[], replacement: Trace): void {
  if (path.length === 0) {
    delete trace.keys
    delete trace.items
    Object.assign(trace, cloneTrace(replacement))
    return
  }
  const parent = nodeAt(trace, path.slice(0, -1), containers)
  const last = path[path.length - 1]
  const container = containers[path.length - 1]
  if (Array.isArray(container)) {
    materializeItems(parent, trace, path.slice(0, -1), container.length)
    parent.items![Number(last)] = cloneTrace(replacement)
  } else {
    parent.keys ??= new Map()
    parent.keys.set(String(last), cloneTrace(replacement))
  }
}

/** Inserts an element's trace into an array (JSON6902 `add` into a list). `lengthBefore` is the array's old length. */
export function insertTrace(
  trace: Trace,
  arrayPath: YamlPath,
  containers: unknown[],
  index: number,
  lengthBefore: number,
  element: Trace
): void {
  const node = nodeAt(trace, arrayPath, containers)
  materializeItems(node, trace, arrayPath, lengthBefore)
  node.items!.splice(index, 0, cloneTrace(element))
}

/** Drops an element's or a key's trace (JSON6902 `remove`, strategic-merge deletes). */
export function removeTrace(
  trace: Trace,
  path: YamlPath,
  containers: unknown[],
  lengthBefore?: number
): void {
  if (path.length === 0) return
  const parent = nodeAt(trace, path.slice(0, -1), containers)
  const last = path[path.length - 1]
  if (lengthBefore !== undefined) {
    materializeItems(parent, trace, path.slice(0, -1), lengthBefore)
    parent.items!.splice(Number(last), 1)
  } else {
    parent.keys?.delete(String(last))
  }
}

/** The containers along `path` in `value`: what each segment indexes into. */
export function containersAlong(value: unknown, path: YamlPath): unknown[] {
  const out: unknown[] = []
  let current = value
  for (const segment of path) {
    out.push(current)
    current =
      current !== null && typeof current === 'object'
        ? (current as Record<string, unknown>)[String(segment)]
        : undefined
  }
  return out
}
