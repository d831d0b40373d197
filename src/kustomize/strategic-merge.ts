import type { YamlPath } from '../yaml/documents.js'
import { deepClone } from './json-patch.js'
import {
  containersAlong,
  insertTrace,
  removeTrace,
  setTrace,
  traceOf,
  type Origin,
  type Trace
} from './trace.js'
import { isObject } from '../yaml/values.js'

/**
 * Strategic merge, the pragmatic subset that kustomize's kyaml merge gives fleet manifests:
 *
 * - maps merge key by key; a `null` value deletes the key; `$patch: replace` replaces the map, `$patch: delete`
 *   deletes it (at the top level: the whole object);
 * - lists of built-in kinds merge by their Kubernetes merge key (containers by `name`, volumeMounts by `mountPath`,
 *   ...), new elements are appended, `$patch: delete` elements remove theirs;
 * - every other list is replaced, as kustomize does for custom resources, whose CRDs it has no merge keys for
 *   (a ClusterResourceSet's `spec.resources` is replaced whole, not merged by name).
 */

/** Merge keys of the built-in list fields fleets patch (from the Kubernetes OpenAPI `x-kubernetes-patch-merge-key`). */
const builtinMergeKeys: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  ownerReferences: 'uid',
  webhooks: 'name'
}

/** Built-in API groups are the core group, the dot-less ones (`apps`, `batch`) and `*.k8s.io` (not `x-k8s.io`). */
export function isBuiltinApiVersion(apiVersion: unknown): boolean {
  if (typeof apiVersion !== 'string') return false
  const slash = apiVersion.indexOf('/')
  if (slash < 0) return true
  const group = apiVersion.slice(0, slash)
  return !group.includes('.') || (group.endsWith('.k8s.io') && !group.endsWith('x-k8s.io'))
}

function mergeKeyFor(field: string, dest: unknown[], patch: unknown[]): string | undefined {
  if (field === 'ports') {
    const all = [...dest, ...patch]
    return all.some(e => isObject(e) && 'containerPort' in e) ? 'containerPort' : 'port'
  }
  return builtinMergeKeys[field]
}

const DELETE = Symbol('delete')

/** Removes merge directives from a value that is added as it is. */
export function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value))
    return value.filter(e => !(isObject(e) && e.$patch === 'delete')).map(e => stripDirectives(e))
  if (isObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (
        k === '$patch' ||
        k === '$retainKeys' ||
        k.startsWith('$setElementOrder/') ||
        k.startsWith('$deleteFromPrimitiveList/')
      )
        continue
      out[k] = stripDirectives(v)
    }
    return out
  }
  return value
}

interface MergeContext {
  root: Record<string, unknown>
  trace: Trace
  patchOrigin: Origin
  builtin: boolean
}

/**
 * Merges `patch` into `target` (in place) and keeps `trace` in step: fields the patch sets point at the patch.
 * Returns false when the patch deletes the whole object (`$patch: delete` at the top).
 */
export function applyStrategicMerge(
  target: Record<string, unknown>,
  trace: Trace,
  patch: Record<string, unknown>,
  patchOrigin: Origin
): boolean {
  const ctx: MergeContext = {
    root: target,
    trace,
    patchOrigin,
    builtin: isBuiltinApiVersion(target.apiVersion)
  }
  const result = mergeMap(ctx, target, patch, [], [])
  if (result === DELETE) return false
  if (result !== target) {
    for (const k of Object.keys(target)) delete target[k]
    Object.assign(target, result)
  }
  return true
}

function originAt(ctx: MergeContext, patchPath: YamlPath): Trace {
  return traceOf({ doc: ctx.patchOrigin.doc, path: [...ctx.patchOrigin.path, ...patchPath] })
}

function mergeMap(
  ctx: MergeContext,
  dest: Record<string, unknown>,
  patch: Record<string, unknown>,
  path: YamlPath,
  patchPath: YamlPath
): Record<string, unknown> | typeof DELETE {
  if (patch.$patch === 'delete') return DELETE
  if (patch.$patch === 'replace') {
    const replaced = stripDirectives(deepClone(patch)) as Record<string, unknown>
    setTrace(ctx.trace, path, containersAlong(ctx.root, path), originAt(ctx, patchPath))
    return replaced
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length)
      const list = dest[field]
      if (Array.isArray(list) && Array.isArray(value)) dest[field] = list.filter(x => !value.includes(x))
      continue
    }
    if (key.startsWith('$')) continue
    const childPath = [...path, key]
    const childPatchPath = [...patchPath, key]
    const current = dest[key]
    if (value === null) {
      if (key in dest) {
        delete dest[key]
        removeTrace(ctx.trace, childPath, containersAlong(ctx.root, childPath))
      }
      continue
    }
    if (isObject(value) && isObject(current)) {
      const merged = mergeMap(ctx, current, value, childPath, childPatchPath)
      if (merged === DELETE) {
        delete dest[key]
        removeTrace(ctx.trace, childPath, containersAlong(ctx.root, childPath))
      } else if (merged !== current) {
        dest[key] = merged
      }
      continue
    }
    if (Array.isArray(value) && Array.isArray(current)) {
      dest[key] = mergeList(ctx, key, current, value, childPath, childPatchPath)
      continue
    }
    if (isObject(value) && value.$patch === 'delete') continue
    dest[key] = stripDirectives(deepClone(value))
    setTrace(ctx.trace, childPath, containersAlong(ctx.root, childPath), originAt(ctx, childPatchPath))
  }
  return dest
}

function mergeList(
  ctx: MergeContext,
  field: string,
  dest: unknown[],
  patch: unknown[],
  path: YamlPath,
  patchPath: YamlPath
): unknown[] {
  const replaceWhole = (): unknown[] => {
    const replaced = stripDirectives(deepClone(patch.filter(e => !(isObject(e) && e.$patch === 'replace'))))
    // The list is written into its parent before the trace is recorded, so the containers along the path are right.
    const parent = containersAlong(ctx.root, path)
    setTrace(ctx.trace, path, parent, originAt(ctx, patchPath))
    return replaced as unknown[]
  }
  const mergeKey = ctx.builtin ? mergeKeyFor(field, dest, patch) : undefined
  const explicitReplace = patch.some(e => isObject(e) && e.$patch === 'replace')
  if (!mergeKey || explicitReplace || !patch.every(isObject) || !dest.every(isObject)) return replaceWhole()

  patch.forEach((item, j) => {
    const element = item as Record<string, unknown>
    const key = element[mergeKey]
    const index = dest.findIndex(d => (d as Record<string, unknown>)[mergeKey] === key)
    const elementPath = [...path, index]
    if (element.$patch === 'delete') {
      if (index >= 0) {
        const length = dest.length
        dest.splice(index, 1)
        removeTrace(ctx.trace, elementPath, containersAlong(ctx.root, elementPath), length)
      }
      return
    }
    if (index >= 0) {
      const merged = mergeMap(ctx, dest[index] as Record<string, unknown>, element, elementPath, [
        ...patchPath,
        j
      ])
      if (merged !== DELETE) dest[index] = merged
      return
    }
    const length = dest.length
    ;(dest as unknown[]).push(stripDirectives(deepClone<unknown>(element)))
    insertTrace(
      ctx.trace,
      path,
      containersAlong(ctx.root, path),
      length,
      length,
      originAt(ctx, [...patchPath, j])
    )
  })
  return dest
}
