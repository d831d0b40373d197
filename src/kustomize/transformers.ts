import type { YamlPath } from '../yaml/documents.js'
import { noteAt, type KustomizationContext } from './context.js'
import {
  isClusterScoped,
  kindOf,
  metadataOf,
  nameOf,
  stringMap,
  writable,
  type RenderedObject
} from './resource.js'
import { containersAlong, setTrace, traceOf } from './trace.js'

/** Kinds kustomize never prefixes or suffixes (prefixSuffixFieldSpecsToSkip). */
const unrenamedKinds = new Set(['CustomResourceDefinition', 'APIService', 'Namespace'])

/** Sets `value` at `path`, creating maps on the way, and records that `origin` wrote it. */
function setField(
  o: RenderedObject,
  path: YamlPath,
  value: unknown,
  ctx: KustomizationContext,
  origin: YamlPath
): void {
  let current: Record<string, unknown> = writable(o)
  for (const segment of path.slice(0, -1)) {
    const next = current[String(segment)]
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[String(segment)] = {}
    current = current[String(segment)] as Record<string, unknown>
  }
  current[String(path[path.length - 1])] = value
  setTrace(o.trace, path, containersAlong(o.value, path), traceOf({ doc: ctx.doc, path: origin }))
}

/**
 * `namespace:` puts every namespaced object in the namespace (cluster-scoped ones keep none). `field` is where
 * the namespace is written: a Flux Kustomization's `targetNamespace` takes the place of the kustomization's.
 */
export function applyNamespace(
  ctx: KustomizationContext,
  objects: RenderedObject[],
  field = 'namespace'
): void {
  const ns = ctx.spec[field]
  if (ns === undefined || ns === null || ns === '') return
  if (typeof ns !== 'string') {
    noteAt(ctx, 'error', 'kustomize/invalid', [field], `${field} in ${ctx.file} must be a string`)
    return
  }
  for (const o of objects) {
    // The transformer's field specs include a Namespace's own name: home-lab fleets write `name: _` placeholders
    // that each directory's kustomization names this way.
    if (kindOf(o.value) === 'Namespace' && o.value.apiVersion === 'v1') {
      const name = nameOf(o.value)
      if (name !== ns) {
        o.previousNames.push(name)
        setField(o, ['metadata', 'name'], ns, ctx, [field])
      }
      continue
    }
    if (isClusterScoped(o.value)) continue
    setField(o, ['metadata', 'namespace'], ns, ctx, [field])
  }
}

/** `namePrefix:` / `nameSuffix:`; references to renamed objects are fixed at the end of the build. */
export function applyNamePrefixSuffix(ctx: KustomizationContext, objects: RenderedObject[]): void {
  const prefix = typeof ctx.spec.namePrefix === 'string' ? ctx.spec.namePrefix : ''
  const suffix = typeof ctx.spec.nameSuffix === 'string' ? ctx.spec.nameSuffix : ''
  if (prefix === '' && suffix === '') return
  for (const o of objects) {
    if (unrenamedKinds.has(kindOf(o.value))) continue
    const name = nameOf(o.value)
    o.previousNames.push(name)
    metadataOf(writable(o)).name = `${prefix}${name}${suffix}`
  }
}

const workloadKinds = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'])

/** Where kustomize also writes common labels: selectors and pod templates of the built-in workloads. */
function labelPaths(kind: string, selectors: boolean, templates: boolean): YamlPath[] {
  const paths: YamlPath[] = []
  if (workloadKinds.has(kind)) {
    if (selectors) paths.push(['spec', 'selector', 'matchLabels'])
    if (templates || selectors) paths.push(['spec', 'template', 'metadata', 'labels'])
  } else if (kind === 'ReplicationController') {
    if (selectors) paths.push(['spec', 'selector'])
    if (templates || selectors) paths.push(['spec', 'template', 'metadata', 'labels'])
  } else if (kind === 'Service' && selectors) {
    paths.push(['spec', 'selector'])
  } else if (kind === 'Job' && (templates || selectors)) {
    paths.push(['spec', 'template', 'metadata', 'labels'])
  } else if (kind === 'CronJob' && (templates || selectors)) {
    paths.push(
      ['spec', 'jobTemplate', 'metadata', 'labels'],
      ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels']
    )
  }
  return paths
}

function addPairs(
  ctx: KustomizationContext,
  o: RenderedObject,
  base: YamlPath,
  pairs: Record<string, string>,
  origin: YamlPath
): void {
  for (const [k, v] of Object.entries(pairs)) setField(o, [...base, k], v, ctx, [...origin, k])
}

/** `commonLabels`, `labels` and `commonAnnotations`. */
export function applyLabelsAndAnnotations(ctx: KustomizationContext, objects: RenderedObject[]): void {
  const common = stringMap(ctx.spec.commonLabels)
  if (common) {
    for (const o of objects) {
      addPairs(ctx, o, ['metadata', 'labels'], common, ['commonLabels'])
      for (const p of labelPaths(kindOf(o.value), true, true)) addPairs(ctx, o, p, common, ['commonLabels'])
    }
  }
  if (Array.isArray(ctx.spec.labels)) {
    ctx.spec.labels.forEach((entry, i) => {
      const e = (entry ?? {}) as Record<string, unknown>
      const pairs = stringMap(e.pairs)
      if (!pairs) return
      for (const o of objects) {
        addPairs(ctx, o, ['metadata', 'labels'], pairs, ['labels', i, 'pairs'])
        for (const p of labelPaths(kindOf(o.value), e.includeSelectors === true, e.includeTemplates === true))
          addPairs(ctx, o, p, pairs, ['labels', i, 'pairs'])
      }
    })
  }
  const annotations = stringMap(ctx.spec.commonAnnotations)
  if (annotations) {
    for (const o of objects) {
      addPairs(ctx, o, ['metadata', 'annotations'], annotations, ['commonAnnotations'])
      const kind = kindOf(o.value)
      if (workloadKinds.has(kind) || kind === 'Job' || kind === 'ReplicationController')
        addPairs(ctx, o, ['spec', 'template', 'metadata', 'annotations'], annotations, ['commonAnnotations'])
      if (kind === 'CronJob')
        addPairs(
          ctx,
          o,
          ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'annotations'],
          annotations,
          ['commonAnnotations']
        )
    }
  }
}
