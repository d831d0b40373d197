import { dedupeFindings, type Finding } from '../errors.js'
import type { YamlPath } from '../yaml/documents.js'
import {
  renderRepository,
  type RenderedObject,
  type RepositoryFiles,
  type RepositoryRender
} from '../kustomize/render.js'
import { describeObject, kindOf, locateField, nameOf, namespaceOf } from '../kustomize/resource.js'
import { isObject } from '../yaml/values.js'

/**
 * Repository-level reference checks on ClusterResourceSets, on objects as kustomize renders them: a base whose CRS
 * names a placeholder that every overlay patches is fine; an overlay that leaves a name pointing at nothing is not.
 */

/** Objects that are applied together: one rendered kustomization, or the manifests outside any kustomization. */
export interface ObjectBundle {
  /** How messages name the bundle: `kustomization infrastructure/staging`. */
  name: string
  objects: readonly RenderedObject[]
  /** False when the bundle may lack objects (see `KustomizationRender.complete`); then a missing name is a notice. */
  complete: boolean
  incompleteReason?: string
}

/** An object defined in another bundle, for telling "missing everywhere" from "defined, but applied elsewhere". */
export interface ElsewhereIndex {
  find(
    kind: string,
    namespace: string | undefined,
    name: string,
    except: ObjectBundle
  ): ObjectBundle | undefined
}

const crsGroup = 'addons.cluster.x-k8s.io/'

const isClusterResourceSet = (o: RenderedObject): boolean =>
  kindOf(o.value) === 'ClusterResourceSet' && String(o.value.apiVersion ?? '').startsWith(crsGroup)

/** Cluster API template variables (`${CLUSTER_NAME}`), which only `clusterctl generate` or Flux substitution fill. */
const templateVariable = /\$\{[^}]+\}/

/** Namespaces match when equal, or when one side has none (it lands wherever it is applied). */
const sameNamespace = (a: string | undefined, b: string | undefined): boolean =>
  a === undefined || b === undefined || a === b

/** What each served/deprecated API version means for a ClusterResourceSet. */
const apiVersionStatus: Readonly<Record<string, { rule: string; message: string; hint: string }>> = {
  v1alpha3: {
    rule: 'crs/api-version-removed',
    message: 'Cluster API stopped serving addons.cluster.x-k8s.io/v1alpha3 in v1.5 (and removed it in v1.6)',
    hint: 'Change apiVersion to addons.cluster.x-k8s.io/v1beta1 (or v1beta2 on Cluster API v1.11 and later); the fields are the same.'
  },
  v1alpha4: {
    rule: 'crs/api-version-removed',
    message: 'Cluster API stopped serving addons.cluster.x-k8s.io/v1alpha4 in v1.6 (and removed it in v1.7)',
    hint: 'Change apiVersion to addons.cluster.x-k8s.io/v1beta1 (or v1beta2 on Cluster API v1.11 and later); the fields are the same.'
  },
  v1beta1: {
    rule: 'crs/api-version-deprecated',
    message:
      'addons.cluster.x-k8s.io/v1beta1 is deprecated since Cluster API v1.11, which introduced v1beta2',
    hint: 'Move to addons.cluster.x-k8s.io/v1beta2 once the management cluster runs Cluster API v1.11 or later.'
  }
}

function finding(
  o: RenderedObject,
  path: YamlPath,
  f: Omit<Finding, 'file' | 'line' | 'column'>,
  at: 'key' | 'value' = 'key'
): Finding {
  const { file, line, column } = locateField(o, path, at)
  return { ...f, file, line, column }
}

/**
 * Checks every ClusterResourceSet of a bundle: its API version, its strategy, and that each ConfigMap or Secret it
 * lists exists in its namespace in the same bundle. `elsewhere` tells a missing object from one that another bundle
 * defines (a warning: it exists only where both are applied).
 */
export function checkClusterResourceSets(
  bundle: ObjectBundle | readonly RenderedObject[],
  elsewhere?: ElsewhereIndex
): Finding[] {
  const b: ObjectBundle = Array.isArray(bundle)
    ? { name: 'the checked files', objects: bundle, complete: true }
    : (bundle as ObjectBundle)
  const findings: Finding[] = []
  for (const crs of b.objects.filter(isClusterResourceSet)) {
    const id = describeObject(crs.value)
    const version = String(crs.value.apiVersion).slice(crsGroup.length)
    const status = apiVersionStatus[version]
    if (status)
      findings.push(
        finding(crs, ['apiVersion'], {
          severity: 'warning',
          rule: status.rule,
          message: `${id} uses ${crsGroup}${version}: ${status.message}`,
          hint: status.hint
        })
      )

    const spec = isObject(crs.value.spec) ? crs.value.spec : {}
    if (spec.strategy === undefined || spec.strategy === 'ApplyOnce') {
      findings.push(
        finding(
          crs,
          spec.strategy === undefined
            ? isObject(crs.value.spec)
              ? ['spec']
              : ['kind']
            : ['spec', 'strategy'],
          {
            severity: 'warning',
            rule: 'crs/apply-once',
            message: `${id} ${spec.strategy === undefined ? 'has no strategy, so it uses ApplyOnce' : 'uses strategy ApplyOnce'}: clusters that already received its resources never get the upgraded ones, only new clusters do`,
            hint: 'Set `spec.strategy: Reconcile` so that Cluster API re-applies the ConfigMaps to existing clusters when their content changes.'
          }
        )
      )
    }

    const templated = templatedField(crs)
    if (templated) {
      findings.push(
        finding(crs, templated, {
          severity: 'notice',
          rule: 'crs/template-skipped',
          message: `${id} is a template (${templated.join('.')} holds a \${...} variable); its resource references are not checked`
        })
      )
      continue
    }
    if (!Array.isArray(spec.resources)) continue
    spec.resources.forEach((entry, i) => {
      if (!isObject(entry) || typeof entry.name !== 'string') return
      const kind = typeof entry.kind === 'string' ? entry.kind : 'ConfigMap'
      if (kind !== 'ConfigMap' && kind !== 'Secret') return
      const problem = checkResource(crs, entry.name, kind, b, elsewhere)
      if (problem) findings.push(finding(crs, ['spec', 'resources', i, 'name'], problem, 'value'))
    })
  }
  return findings
}

function templatedField(crs: RenderedObject): YamlPath | undefined {
  const v = crs.value
  const meta = isObject(v.metadata) ? v.metadata : {}
  if (templateVariable.test(String(meta.name ?? ''))) return ['metadata', 'name']
  if (templateVariable.test(String(meta.namespace ?? ''))) return ['metadata', 'namespace']
  const resources = isObject(v.spec) && Array.isArray(v.spec.resources) ? v.spec.resources : []
  const i = resources.findIndex(r => isObject(r) && templateVariable.test(String(r.name ?? '')))
  return i >= 0 ? ['spec', 'resources', i, 'name'] : undefined
}

function checkResource(
  crs: RenderedObject,
  name: string,
  kind: string,
  bundle: ObjectBundle,
  elsewhere: ElsewhereIndex | undefined
): Omit<Finding, 'file' | 'line' | 'column'> | undefined {
  const ns = namespaceOf(crs.value)
  const where = ns ?? 'default'
  const sameKind = bundle.objects.filter(o => kindOf(o.value) === kind && o.value.apiVersion === 'v1')
  if (sameKind.some(o => nameOf(o.value) === name && sameNamespace(namespaceOf(o.value), ns)))
    return undefined

  const id = describeObject(crs.value)
  const renamed = sameKind.find(
    o =>
      (o.originalName === name || o.previousNames.includes(name)) && sameNamespace(namespaceOf(o.value), ns)
  )
  if (renamed)
    return {
      severity: 'error',
      rule: 'crs/missing-resource',
      message: `${id} names ${kind} ${name}, but ${bundle.name} renames that ${kind} to ${nameOf(renamed.value)}, and kustomize does not update ClusterResourceSet references`,
      hint:
        'Set `disableNameSuffixHash: true` on the generator (or drop the prefix/suffix), name the renamed object in the ' +
        'ClusterResourceSet, or add a `configurations:` nameReference for ClusterResourceSet spec/resources/name.'
    }

  const other = elsewhere?.find(kind, ns, name, bundle)
  if (other)
    return {
      severity: 'warning',
      rule: 'crs/resource-elsewhere',
      message: `${id} names ${kind} ${name}, which is not in ${bundle.name} but in ${other.name}: it exists only where both are applied`,
      hint: `Include the ${kind} in the same kustomization as the ClusterResourceSet, so that one cannot be applied without the other.`
    }
  if (!bundle.complete)
    return {
      severity: 'notice',
      rule: 'crs/resource-unverified',
      message: `${id} names ${kind} ${name}, which is not among the objects of ${bundle.name} that could be rendered (${bundle.incompleteReason ?? 'the render is incomplete'}), so it was not checked`
    }
  return {
    severity: 'error',
    rule: 'crs/missing-resource',
    message: `${id} names ${kind} ${name}, but ${bundle.name} has no ${kind} ${name} in namespace ${where}`,
    hint: `Fix the name, or add the ${kind} ${name} to namespace ${where}; in an overlay, patch spec.resources to the overlay's own ${kind}.`
  }
}

/** Objects of every bundle by kind, namespace and name. */
export function indexBundles(bundles: readonly ObjectBundle[]): ElsewhereIndex {
  const byName = new Map<string, { bundle: ObjectBundle; namespace: string | undefined }[]>()
  for (const bundle of bundles) {
    for (const o of bundle.objects) {
      const key = `${kindOf(o.value)}/${nameOf(o.value)}`
      const list = byName.get(key) ?? []
      list.push({ bundle, namespace: namespaceOf(o.value) })
      byName.set(key, list)
    }
  }
  return {
    find: (kind, namespace, name, except) =>
      byName.get(`${kind}/${name}`)?.find(e => e.bundle !== except && sameNamespace(e.namespace, namespace))
        ?.bundle
  }
}

/** The bundles of a rendered repository: each root kustomization, and the manifests outside kustomizations. */
export function bundlesOf(render: RepositoryRender): ObjectBundle[] {
  return [
    ...render.roots.map(k => ({
      name: `kustomization ${k.dir || '.'}`,
      objects: k.objects,
      complete: k.complete,
      ...(k.incompleteReason ? { incompleteReason: k.incompleteReason } : {})
    })),
    ...(render.plainObjects.length > 0
      ? [{ name: 'the manifests outside any kustomization', objects: render.plainObjects, complete: true }]
      : [])
  ]
}

/** ClusterResourceSet findings for a whole rendered repository, each once (a base shared by overlays reports once). */
export function checkRepositoryReferences(render: RepositoryRender): Finding[] {
  const bundles = bundlesOf(render)
  const index = indexBundles(bundles)
  return dedupeFindings(bundles.flatMap(b => checkClusterResourceSets(b, index)))
}

/** Renders the repository and checks it: kustomize build problems and ClusterResourceSet findings together. */
export function validateReferences(files: RepositoryFiles): {
  render: RepositoryRender
  findings: Finding[]
} {
  const render = renderRepository(files)
  return { render, findings: dedupeFindings([...render.findings, ...checkRepositoryReferences(render)]) }
}
