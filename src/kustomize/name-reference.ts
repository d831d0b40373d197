import { noteAt, type KustomizationContext } from './context.js'
import { joinPath } from './files.js'
import {
  groupOf,
  isClusterScoped,
  kindOf,
  nameOf,
  namespaceOf,
  writable,
  type RenderedObject
} from './resource.js'

/**
 * kustomize's `nameReference` configuration: when an object of `kind` is renamed (prefix, suffix, generator hash),
 * the fields in `fieldSpecs` that named it follow. Custom resources are not in kustomize's built-in list, so a
 * ClusterResourceSet's `spec.resources[].name` does not follow a renamed ConfigMap unless a `configurations:` file
 * says so.
 */
export interface NameReference {
  kind: string
  group?: string
  fieldSpecs: { path: string; kind?: string; group?: string }[]
}

const podSpecPrefixes: [string, string][] = [
  ['Pod', 'spec'],
  ['PodTemplate', 'template/spec'],
  ['Deployment', 'spec/template/spec'],
  ['ReplicaSet', 'spec/template/spec'],
  ['DaemonSet', 'spec/template/spec'],
  ['StatefulSet', 'spec/template/spec'],
  ['Job', 'spec/template/spec'],
  ['CronJob', 'spec/jobTemplate/spec/template/spec']
]

const podFields = (paths: string[]) =>
  podSpecPrefixes.flatMap(([kind, prefix]) => paths.map(p => ({ kind, path: `${prefix}/${p}` })))

/** The part of kustomize's built-in name references that concerns ConfigMaps and Secrets. */
export const builtinNameReferences: readonly NameReference[] = [
  {
    kind: 'ConfigMap',
    fieldSpecs: podFields([
      'volumes/configMap/name',
      'volumes/projected/sources/configMap/name',
      'containers/env/valueFrom/configMapKeyRef/name',
      'initContainers/env/valueFrom/configMapKeyRef/name',
      'containers/envFrom/configMapRef/name',
      'initContainers/envFrom/configMapRef/name'
    ])
  },
  {
    kind: 'Secret',
    fieldSpecs: [
      ...podFields([
        'volumes/secret/secretName',
        'volumes/projected/sources/secret/name',
        'containers/env/valueFrom/secretKeyRef/name',
        'initContainers/env/valueFrom/secretKeyRef/name',
        'containers/envFrom/secretRef/name',
        'initContainers/envFrom/secretRef/name',
        'imagePullSecrets/name'
      ]),
      { kind: 'ServiceAccount', path: 'imagePullSecrets/name' },
      { kind: 'Ingress', path: 'spec/tls/secretName' }
    ]
  }
]

/** Splits a kustomize field path at `/`, keeping `\/` as a literal slash. */
function splitFieldPath(path: string): string[] {
  return path
    .split(/(?<!\\)\//)
    .filter(s => s !== '')
    .map(s => s.replace(/\\\//g, '/'))
}

/** The `nameReference` entries of a kustomization's `configurations:` files. */
export function loadNameReferences(
  ctx: KustomizationContext,
  claim: (file: string) => void
): NameReference[] {
  const list = ctx.spec.configurations
  if (!Array.isArray(list)) return []
  const out: NameReference[] = []
  list.forEach((entry, i) => {
    const file = joinPath(ctx.dir, String(entry))
    claim(file)
    if (!ctx.files.hasFile(file)) {
      const absent = ctx.files.absence(file)
      noteAt(
        ctx,
        'error',
        'kustomize/missing-file',
        ['configurations', i],
        `${ctx.file} names ${file}${absent.text}`,
        absent.hint
      )
      return
    }
    const { documents, error } = ctx.files.documents(file)
    if (error) ctx.findings.push(error)
    for (const doc of documents) {
      const config = doc.value as Record<string, unknown> | null
      if (!config || typeof config !== 'object') continue
      for (const key of Object.keys(config)) {
        if (key !== 'nameReference')
          noteAt(
            ctx,
            'notice',
            'kustomize/unsupported',
            ['configurations', i],
            `${file}: the ${key} transformer configuration is not applied by this validator; only nameReference is`
          )
      }
      if (!Array.isArray(config.nameReference)) continue
      for (const ref of config.nameReference as Record<string, unknown>[]) {
        if (!ref || typeof ref.kind !== 'string' || !Array.isArray(ref.fieldSpecs)) continue
        out.push({
          kind: ref.kind,
          ...(typeof ref.group === 'string' ? { group: ref.group } : {}),
          fieldSpecs: (ref.fieldSpecs as Record<string, unknown>[])
            .filter(f => f && typeof f.path === 'string')
            .map(f => ({
              path: f.path as string,
              ...(typeof f.kind === 'string' ? { kind: f.kind } : {}),
              ...(typeof f.group === 'string' ? { group: f.group } : {})
            }))
        })
      }
    }
  })
  return out
}

/** Visits the string values at a field path, through lists at any level. */
function visitStrings(
  value: unknown,
  segments: string[],
  set: (container: Record<string, unknown> | unknown[], key: string | number, v: string) => void
): void {
  if (segments.length === 0 || value === null || typeof value !== 'object') return
  if (Array.isArray(value)) {
    value.forEach(item => visitStrings(item, segments, set))
    return
  }
  const [head, ...rest] = segments
  const child = (value as Record<string, unknown>)[head]
  if (rest.length > 0) {
    visitStrings(child, rest, set)
    return
  }
  if (typeof child === 'string') set(value as Record<string, unknown>, head, child)
  else if (Array.isArray(child)) child.forEach((v, i) => typeof v === 'string' && set(child, i, v))
}

/**
 * Rewrites references to objects whose name changed during the build, as kustomize does once at the end of a build.
 * A reference follows an object of the referred kind that once had the referenced name, preferring one in the
 * referrer's namespace.
 */
export function fixNameReferences(
  objects: readonly RenderedObject[],
  references: readonly NameReference[]
): void {
  for (const ref of references) {
    const renamed = objects.filter(
      o =>
        kindOf(o.value) === ref.kind &&
        (ref.group === undefined || groupOf(o.value) === ref.group) &&
        o.previousNames.length > 0
    )
    if (renamed.length === 0) continue
    for (const spec of ref.fieldSpecs) {
      const segments = splitFieldPath(spec.path)
      for (const referrer of objects) {
        if (spec.kind && kindOf(referrer.value) !== spec.kind) continue
        if (spec.group !== undefined && groupOf(referrer.value) !== spec.group) continue
        const ns = namespaceOf(referrer.value) ?? 'default'
        const renamedTo = (v: string): string | undefined => {
          const matches = renamed.filter(c => c.previousNames.includes(v) || c.originalName === v)
          if (matches.length === 0 || matches.some(c => nameOf(c.value) === v)) return undefined
          const target =
            matches.find(c => isClusterScoped(c.value) || (namespaceOf(c.value) ?? 'default') === ns) ??
            (matches.length === 1 ? matches[0] : undefined)
          return target && nameOf(target.value)
        }
        // Looked at first, changed only where a reference moves: a shared value is copied only then.
        let moves = false
        visitStrings(referrer.value, segments, (_c, _k, v) => {
          moves ||= renamedTo(v) !== undefined
        })
        if (!moves) continue
        visitStrings(writable(referrer), segments, (container, key, v) => {
          const to = renamedTo(v)
          if (to !== undefined) (container as Record<string | number, unknown>)[key] = to
        })
      }
    }
  }
}
