import { renderRepository, type RenderedObject } from '../kustomize/render.js'
import { apiVersionOf, kindOf, metadataOf, nameOf, namespaceOf } from '../kustomize/resource.js'
import type { WorkingTree } from '../plan/tree.js'

/**
 * What merging a pull request sets in motion, read from the repository itself: which Flux Kustomization applies each
 * changed file (the temporary management cluster reconciles gotk-components.yaml that way), and which
 * ClusterResourceSets carry each changed ConfigMap to which Cluster objects. Pure.
 */

export interface FluxDelivery {
  file: string
  /** `namespace/name` of the Flux Kustomization whose `spec.path` holds the file. */
  kustomization: string
  definedIn: string
  path: string
  interval?: string
}

export interface CrsDelivery {
  /** `namespace/name`. */
  clusterResourceSet: string
  definedIn: string
  strategy: 'Reconcile' | 'ApplyOnce'
  /** The changed ConfigMaps and Secrets it lists, with the file each comes from. */
  resources: { kind: string; name: string; file: string }[]
  selector: string
  /** `namespace/name` of the Cluster objects in the repository its selector matches. */
  clusters: string[]
}

export interface AfterMerge {
  flux: FluxDelivery[]
  clusterResourceSets: CrsDelivery[]
  /** Changed files that nothing in the repository applies. */
  unapplied: string[]
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const normalDir = (p: string): string => p.replace(/^\.\//, '').replace(/\/+$/, '').replace(/^\.$/, '')

interface Selector {
  matchLabels?: Record<string, unknown>
  matchExpressions?: { key?: unknown; operator?: unknown; values?: unknown }[]
}

function matches(selector: Selector, labels: Record<string, unknown>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}))
    if (String(labels[k]) !== String(v)) return false
  for (const e of selector.matchExpressions ?? []) {
    const key = String(e.key)
    const values = Array.isArray(e.values) ? e.values.map(String) : []
    const has = key in labels
    const ok =
      e.operator === 'In'
        ? has && values.includes(String(labels[key]))
        : e.operator === 'NotIn'
          ? !has || !values.includes(String(labels[key]))
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false
    if (!ok) return false
  }
  return true
}

function describeSelector(selector: Selector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${String(v)}`)
  for (const e of selector.matchExpressions ?? []) {
    const values = Array.isArray(e.values) ? ` (${e.values.map(String).join(', ')})` : ''
    parts.push(`${String(e.key)} ${String(e.operator)}${values}`)
  }
  return parts.length ? parts.join(', ') : 'every cluster in its namespace'
}

const id = (o: RenderedObject): string => `${namespaceOf(o.value) ?? 'default'}/${nameOf(o.value)}`

export function afterMerge(tree: WorkingTree, changedFiles: readonly string[]): AfterMerge {
  const changed = new Set(changedFiles)
  const render = renderRepository(new Map(tree.files().map(f => [f.path, f.content])))
  const bundles = [...render.roots.map(r => r.objects), render.plainObjects]
  const all = bundles.flat()

  const flux: FluxDelivery[] = []
  const applied = new Set<string>()
  const kustomizations = all.filter(
    o =>
      kindOf(o.value) === 'Kustomization' && apiVersionOf(o.value).startsWith('kustomize.toolkit.fluxcd.io/')
  )
  const seenFlux = new Set<string>()
  for (const k of kustomizations) {
    const spec = isRecord(k.value.spec) ? k.value.spec : {}
    if (typeof spec.path !== 'string' || seenFlux.has(id(k))) continue
    seenFlux.add(id(k))
    const dir = normalDir(spec.path)
    for (const file of changedFiles) {
      if (dir !== '' && !file.startsWith(`${dir}/`)) continue
      applied.add(file)
      flux.push({
        file,
        kustomization: id(k),
        definedIn: k.source.file,
        path: spec.path,
        ...(typeof spec.interval === 'string' ? { interval: spec.interval } : {})
      })
    }
  }

  const clusters = new Map<string, RenderedObject>()
  for (const o of all) {
    if (kindOf(o.value) === 'Cluster' && apiVersionOf(o.value).startsWith('cluster.x-k8s.io/'))
      clusters.set(id(o), o)
  }
  const crs: CrsDelivery[] = []
  const seenCrs = new Set<string>()
  for (const objects of bundles) {
    for (const c of objects) {
      if (
        kindOf(c.value) !== 'ClusterResourceSet' ||
        !apiVersionOf(c.value).startsWith('addons.cluster.x-k8s.io/')
      )
        continue
      const spec = isRecord(c.value.spec) ? c.value.spec : {}
      const ns = namespaceOf(c.value) ?? 'default'
      const resources: CrsDelivery['resources'] = []
      for (const r of Array.isArray(spec.resources) ? spec.resources : []) {
        if (!isRecord(r)) continue
        const kind = String(r.kind ?? 'ConfigMap')
        const source = objects.find(
          o =>
            kindOf(o.value) === kind &&
            nameOf(o.value) === String(r.name) &&
            (namespaceOf(o.value) ?? ns) === ns
        )
        if (source && changed.has(source.source.file))
          resources.push({ kind, name: String(r.name), file: source.source.file })
      }
      if (resources.length === 0 || seenCrs.has(id(c))) continue
      seenCrs.add(id(c))
      for (const r of resources) applied.add(r.file)
      const selector = (isRecord(spec.clusterSelector) ? spec.clusterSelector : {}) as Selector
      crs.push({
        clusterResourceSet: id(c),
        definedIn: c.source.file,
        strategy: spec.strategy === 'Reconcile' ? 'Reconcile' : 'ApplyOnce',
        resources,
        selector: describeSelector(selector),
        clusters: [...clusters.values()]
          .filter(cl => (namespaceOf(cl.value) ?? 'default') === ns)
          .filter(cl => {
            const labels = metadataOf(cl.value).labels
            return matches(selector, isRecord(labels) ? labels : {})
          })
          .map(id)
          .sort()
      })
    }
  }
  return { flux, clusterResourceSets: crs, unapplied: changedFiles.filter(f => !applied.has(f)) }
}
