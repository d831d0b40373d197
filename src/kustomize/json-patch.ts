import type { YamlPath } from '../yaml/documents.js'
import {
  containersAlong,
  extractTrace,
  insertTrace,
  removeTrace,
  setTrace,
  traceOf,
  type Origin,
  type Trace
} from './trace.js'
import { isObject } from '../yaml/values.js'

/**
 * RFC 6902 JSON Patch, as kustomize applies `patchesJson6902` and JSON6902 `patches` (through evanphx/json-patch):
 * the parent of an added value must exist, `replace`/`remove` need an existing target, `-` appends to an array.
 */
export interface JsonPatchOperation {
  op: string
  path: string
  from?: string
  value?: unknown
}

/** A patch that cannot apply; `field` names the part of operation `index` that is wrong. */
export class JsonPatchError extends Error {
  constructor(
    message: string,
    readonly index: number,
    readonly field: 'op' | 'path' | 'from' | 'value'
  ) {
    super(message)
    this.name = 'JsonPatchError'
  }
}

/** Splits a JSON pointer into its unescaped segments (`~1` is `/`, `~0` is `~`, in that order). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new Error(`"${pointer}" is not a JSON pointer: it must start with "/"`)
  return pointer
    .slice(1)
    .split('/')
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

const arrayIndex = /^(?:0|[1-9][0-9]*)$/

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return (
      ka.length === kb.length &&
      ka.every(k => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]))
    )
  }
  return false
}

/**
 * Copies maps and lists, and shares strings: they are immutable, and a ConfigMap holding a whole manifest would
 * otherwise be copied on every clone (structuredClone copies string data).
 */
export function deepClone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepClone) as T
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) out[k] = deepClone(x)
    return out as T
  }
  return v
}

interface Resolved {
  /** Typed path: numbers index arrays. */
  path: YamlPath
  parent: unknown
  key: string | number
}

/** Resolves every segment but the last, which names a place in `parent` (that may not exist yet). */
function resolveParent(root: unknown, segments: string[], describe: () => string): Resolved {
  const path: (string | number)[] = []
  let current = root
  for (let i = 0; i < segments.length - 1; i++) {
    const s = segments[i]
    if (Array.isArray(current)) {
      if (!arrayIndex.test(s) || Number(s) >= current.length)
        throw new Error(`${describe()}: no element ${s}`)
      path.push(Number(s))
      current = current[Number(s)]
    } else if (isObject(current)) {
      if (!Object.prototype.hasOwnProperty.call(current, s)) throw new Error(`${describe()}: no key "${s}"`)
      path.push(s)
      current = current[s]
    } else {
      throw new Error(`${describe()}: "${s}" is inside a value that is not a map or a list`)
    }
  }
  const last = segments[segments.length - 1]
  const key = Array.isArray(current)
    ? last === '-'
      ? '-'
      : Number(arrayIndex.test(last) ? last : NaN)
    : last
  return { path: [...path, key], parent: current, key }
}

function exists(r: Resolved): boolean {
  if (Array.isArray(r.parent)) return typeof r.key === 'number' && r.key < r.parent.length
  return isObject(r.parent) && Object.prototype.hasOwnProperty.call(r.parent, r.key)
}

function read(r: Resolved): unknown {
  return (r.parent as Record<string | number, unknown>)[r.key]
}

/**
 * Applies `operations` to `root` in place (the root itself is replaced when a path is ""), keeping `trace` in step.
 * `originOf(i)` says where operation `i`'s value was written, for the trace. Returns the new root.
 */
export function applyJsonPatch(
  root: unknown,
  trace: Trace,
  operations: readonly unknown[],
  originOf: (index: number) => Origin
): unknown {
  operations.forEach((raw, index) => {
    if (!isObject(raw)) throw new JsonPatchError(`operation ${index} is not a map`, index, 'op')
    const op = raw.op
    const pointer = raw.path
    if (typeof op !== 'string') throw new JsonPatchError(`operation ${index} has no "op"`, index, 'op')
    if (typeof pointer !== 'string')
      throw new JsonPatchError(`operation ${index} has no "path"`, index, 'path')
    const fail = (message: string, field: 'op' | 'path' | 'from' | 'value' = 'path'): never => {
      throw new JsonPatchError(message, index, field)
    }
    const segments = (() => {
      try {
        return parsePointer(pointer)
      } catch (e) {
        return fail((e as Error).message)
      }
    })()
    const describe = () => `${op} ${pointer}`
    const resolveOrFail = (segs: string[], field: 'path' | 'from'): Resolved => {
      try {
        return resolveParent(root, segs, describe)
      } catch (e) {
        return fail(`${(e as Error).message} (the parent of the path does not exist)`, field)
      }
    }

    const addAt = (value: unknown, valueTrace: Trace): void => {
      if (segments.length === 0) {
        root = value
        setTrace(trace, [], [], valueTrace)
        return
      }
      const r = resolveOrFail(segments, 'path')
      if (Array.isArray(r.parent)) {
        const length = r.parent.length
        const at = r.key === '-' ? length : (r.key as number)
        if (Number.isNaN(at) || at > length)
          fail(`${describe()}: index out of range (the list has ${length} elements)`)
        r.parent.splice(at, 0, value)
        insertTrace(
          trace,
          r.path.slice(0, -1),
          containersAlong(root, r.path.slice(0, -1)),
          at,
          length,
          valueTrace
        )
      } else if (isObject(r.parent)) {
        r.parent[r.key as string] = value
        setTrace(trace, r.path, containersAlong(root, r.path), valueTrace)
      } else {
        fail(`${describe()}: the parent is not a map or a list`)
      }
    }

    const removeAt = (segs: string[], field: 'path' | 'from'): { value: unknown; trace: Trace } => {
      if (segs.length === 0) fail(`${op} cannot remove the whole object`, field)
      const r = resolveOrFail(segs, field)
      if (!exists(r))
        fail(`${describe()}: nothing at ${field === 'from' ? String(raw.from) : pointer} to remove`, field)
      const removed = { value: read(r), trace: extractTrace(trace, r.path) }
      if (Array.isArray(r.parent)) {
        const length = r.parent.length
        r.parent.splice(r.key as number, 1)
        removeTrace(trace, r.path, containersAlong(root, r.path), length)
      } else {
        delete (r.parent as Record<string, unknown>)[r.key as string]
        removeTrace(trace, r.path, containersAlong(root, r.path))
      }
      return removed
    }

    const valueTrace = () => traceOf(originOf(index))

    switch (op) {
      case 'add':
        if (!('value' in raw)) fail(`${describe()}: no "value"`, 'value')
        addAt(deepClone(raw.value), valueTrace())
        break
      case 'remove':
        removeAt(segments, 'path')
        break
      case 'replace': {
        if (!('value' in raw)) fail(`${describe()}: no "value"`, 'value')
        if (segments.length === 0) {
          root = deepClone(raw.value)
          setTrace(trace, [], [], valueTrace())
          break
        }
        const r = resolveOrFail(segments, 'path')
        if (!exists(r)) fail(`${describe()}: nothing at ${pointer} to replace`)
        ;(r.parent as Record<string | number, unknown>)[r.key] = deepClone(raw.value)
        setTrace(trace, r.path, containersAlong(root, r.path), valueTrace())
        break
      }
      case 'move':
      case 'copy': {
        if (typeof raw.from !== 'string') fail(`${describe()}: no "from"`, 'from')
        const fromSegments = (() => {
          try {
            return parsePointer(raw.from as string)
          } catch (e) {
            return fail((e as Error).message, 'from')
          }
        })()
        if (
          op === 'move' &&
          segments.length > fromSegments.length &&
          fromSegments.every((s, i) => segments[i] === s)
        )
          fail(`move ${String(raw.from)} into its own child ${pointer}`, 'from')
        let moved: { value: unknown; trace: Trace }
        if (op === 'move') {
          moved = removeAt(fromSegments, 'from')
        } else {
          if (fromSegments.length === 0) {
            moved = { value: deepClone(root), trace: extractTrace(trace, []) }
          } else {
            const r = resolveOrFail(fromSegments, 'from')
            if (!exists(r)) fail(`copy: nothing at ${String(raw.from)}`, 'from')
            moved = { value: deepClone(read(r)), trace: extractTrace(trace, r.path) }
          }
        }
        addAt(moved.value, moved.trace)
        break
      }
      case 'test': {
        const actual = (() => {
          if (segments.length === 0) return { found: true, value: root }
          const r = resolveOrFail(segments, 'path')
          return exists(r) ? { found: true, value: read(r) } : { found: false, value: undefined }
        })()
        if (!actual.found || !deepEqual(actual.value, raw.value))
          fail(`test ${pointer} failed: the value is ${JSON.stringify(actual.value) ?? 'missing'}`, 'value')
        break
      }
      default:
        fail(`unknown op "${op}" (expected add, remove, replace, move, copy or test)`, 'op')
    }
  })
  return root
}
