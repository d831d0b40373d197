import type { Finding } from '../../errors.js'
import {
  builtinApiVersionsOf,
  builtinKinds,
  isRemovedBuiltin,
  validateBuiltin,
  validateCustomResource,
  type CrdCatalog,
  type SchemaIssue
} from '../schema/index.js'
import { describe, type ManifestObject } from '../objects.js'
import { isObject } from '../../yaml/values.js'
import { findingAt } from './finding.js'
import { groupVersion } from '../../kubernetes/api-version.js'

/**
 * Schema checks of one object: built-in kinds against the Kubernetes definitions, custom resources against the
 * CRD that will serve them where they are applied (see `crdSource`). A kind with no CRD at hand (Cluster API's
 * `Cluster`) is skipped, never an error.
 */

/** A repository bundle's CRDs. */
export interface BundleCatalog {
  bundle: string
  file: string
  catalog: CrdCatalog
}

export interface SchemaContext {
  /** Bundles with CRDs, in path order. */
  bundles: readonly BundleCatalog[]
  upgraded?: CrdCatalog
  /** Files the run wrote: their CRDs are the upgrade's. */
  written?: ReadonlySet<string>
  /** The Flux minor the run upgrades to (`2.9`), for `flux migrate` hints. */
  fluxMinor?: string
  /**
   * CRDs from outside the repository (`flux install --export` of the Flux version in play), for kinds no
   * repository bundle defines; `name` says where they came from.
   */
  external?: readonly { name: string; catalog: CrdCatalog }[]
}

/** `against`: the schema set the object was checked against, for the summary (`flux install --export (flux v2.7.5)`). */
export type SchemaOutcome =
  | { status: 'validated'; findings: Finding[]; against: string }
  | { status: 'skipped'; reason: string; findings: Finding[] }

/** The name of the built-in schema set: Kubernetes' OpenAPI, bundled with this tool. */
export const BUILTIN_SCHEMAS = 'Kubernetes API (built in)'

const BUILTIN_KINDS = builtinKinds()
const BUILTIN_GROUPS = new Set(
  [...BUILTIN_KINDS].map(k => groupVersion(k.slice(0, k.lastIndexOf('/'))).group)
)
const TEMPLATE = '${'

/** The value at a path of an object; undefined where the path leaves it. */
function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root
  for (const k of path) {
    if (Array.isArray(v) && typeof k === 'number') v = v[k]
    else if (isObject(v)) v = v[k]
    else return undefined
  }
  return v
}

/**
 * Values that only a later substitution fills (`${CLUSTER_NAME}` in Cluster API templates, Flux's
 * `postBuild.substitute`) cannot be judged yet: `replicas: ${REPLICAS}` is a string today and a number once applied.
 */
const isTemplated = (obj: ManifestObject, issue: SchemaIssue): boolean => {
  const v = valueAt(obj.value, issue.path)
  return typeof v === 'string' && v.includes(TEMPLATE)
}

function issueFindings(obj: ManifestObject, issues: readonly SchemaIssue[], against: string): Finding[] {
  return issues
    .filter(i => !isTemplated(obj, i))
    .map(i =>
      findingAt(obj, i.path, 'error', i.rule, `${describe(obj.value)}: ${i.message}${against}`, i.hint)
    )
}

/** Where a custom resource's CRD comes from: a catalog, and whether the upgrade brings it. */
interface CrdSource {
  catalog: CrdCatalog
  source: 'upgrade' | 'repository' | 'external'
  /** For external CRDs: where they came from; for a repository's, the file that holds them. */
  name?: string
}

/**
 * The CRD that will serve an object where it is applied: its own bundle's (a Flux ConfigMap installs its CRDs
 * with its sync objects); else the install of the cluster folder the object is in (a cluster's folder and its
 * `flux-system`); else the upgraded CRDs; else the Flux in play; else the nearest anywhere. A repository bundle the run wrote is the
 * upgrade's. Preferring a cluster's own CRDs keeps a cluster that the upgrade leaves alone on its API versions.
 */
function crdSource(
  obj: ManifestObject,
  ctx: SchemaContext,
  group: string,
  kind: string
): CrdSource | undefined {
  const from = (b: BundleCatalog): CrdSource => ({
    catalog: b.catalog,
    source: ctx.written?.has(b.file) ? 'upgrade' : 'repository',
    name: b.file
  })
  const index = bundleIndex(ctx.bundles)
  const key = `${group}/${kind}`
  const own = index.byBundle.get(obj.bundle)
  if (own?.catalog.byGroupKind(group, kind)) return from(own)
  // The deepest cluster folder holding the object whose install defines the kind; the first in path order there.
  const folders = index.byFolder.get(key)
  if (folders) {
    for (let end = obj.file.lastIndexOf('/'); ; end = obj.file.lastIndexOf('/', end - 1)) {
      const mine = folders.get(end < 0 ? '' : obj.file.slice(0, end))
      if (mine) return from(mine)
      if (end < 0) break
    }
  }
  if (ctx.upgraded?.byGroupKind(group, kind)) return { catalog: ctx.upgraded, source: 'upgrade' }
  // An object no cluster's folder claims goes to the Flux in play before another cluster's install: that one may
  // be a cluster left on an old release.
  const external = ctx.external?.find(e => e.catalog.byGroupKind(group, kind))
  if (external) return { catalog: external.catalog, source: 'external', name: external.name }
  let best: BundleCatalog | undefined
  let bestShared = -1
  for (const b of index.byKind.get(key) ?? []) {
    const shared = sharedPrefix(b.file, obj.file)
    if (shared > bestShared) {
      best = b
      bestShared = shared
    }
  }
  return best ? from(best) : undefined
}

interface BundleIndex {
  byBundle: Map<string, BundleCatalog>
  /** By `group/kind`: the bundles that define it, in path order. */
  byKind: Map<string, BundleCatalog[]>
  /** By `group/kind`, then cluster folder: the first bundle in path order that defines it there. */
  byFolder: Map<string, Map<string, BundleCatalog>>
}

/**
 * The bundles by what `crdSource` asks of them, built once per validation: a fleet has an install in every
 * cluster, and scanning them all for every object would grow with the square of the clusters.
 */
function bundleIndex(bundles: readonly BundleCatalog[]): BundleIndex {
  const known = indexes.get(bundles)
  if (known) return known
  const index: BundleIndex = { byBundle: new Map(), byKind: new Map(), byFolder: new Map() }
  for (const b of bundles) {
    if (!index.byBundle.has(b.bundle)) index.byBundle.set(b.bundle, b)
    const root = clusterFolder(b.file)
    for (const crd of b.catalog.crds) {
      const key = `${crd.group}/${crd.kind}`
      const list = index.byKind.get(key) ?? []
      if (!list.includes(b)) list.push(b)
      index.byKind.set(key, list)
      const folders = index.byFolder.get(key) ?? new Map<string, BundleCatalog>()
      if (!folders.has(root)) folders.set(root, b)
      index.byFolder.set(key, folders)
    }
  }
  indexes.set(bundles, index)
  return index
}

const indexes = new WeakMap<readonly BundleCatalog[], BundleIndex>()

/**
 * The folder of the cluster a bundle installs: its own directory, or the one above when that is `flux-system`
 * (what `flux bootstrap` writes). Sharing only `clusters/` with another cluster's install says nothing.
 */
function clusterFolder(file: string): string {
  const parts = file.split('/').slice(0, -1)
  if (parts[parts.length - 1] === 'flux-system') parts.pop()
  return parts.join('/')
}

/** How many leading directories two repository paths share. */
function sharedPrefix(a: string, b: string): number {
  const x = a.split('/')
  const y = b.split('/')
  let i = 0
  while (i < x.length - 1 && i < y.length - 1 && x[i] === y[i]) i++
  return i
}

const isFluxGroup = (group: string): boolean => group.endsWith('.toolkit.fluxcd.io')

function migrateHint(obj: ManifestObject, group: string, served: string[], fluxMinor?: string): string {
  if (isFluxGroup(group)) {
    const version = fluxMinor ? ` --version ${fluxMinor}` : ''
    return (
      `Run \`flux migrate -f ${obj.file}${version} --yes\` (Flux 2.7.1 and later) to move it to a served API version; ` +
      'an upgrade run migrates the files it regenerates.'
    )
  }
  return `Change apiVersion to ${served.map(v => `${group}/${v}`).join(' or ')} and adapt the fields the new version renamed.`
}

function validateAgainst(obj: ManifestObject, crdSource: CrdSource, ctx: SchemaContext): SchemaOutcome {
  const { catalog, source } = crdSource
  const against =
    source === 'external'
      ? (crdSource.name ?? 'CRDs from outside the repository')
      : source === 'upgrade'
        ? `the CRDs the upgrade writes${crdSource.name ? ` (${crdSource.name})` : ''}`
        : `the repository's CRDs in ${crdSource.name ?? 'the repository'}`
  const { apiVersion, kind } = obj.value as { apiVersion: string; kind: string }
  const { group, version } = groupVersion(apiVersion)
  const result = validateCustomResource(catalog, obj.value)
  const crd = catalog.byGroupKind(group, kind)
  const crdName = crd?.crdName ?? `${kind} CRD`
  if (result.status === 'version-not-served') {
    const served = result.served.length > 0 ? result.served.join(', ') : 'none'
    const finding =
      source === 'upgrade'
        ? findingAt(
            obj,
            ['apiVersion'],
            'error',
            'upgrade/version-not-served',
            `${describe(obj.value)} uses ${apiVersion}, which the upgraded CRD ${crdName} no longer serves (served: ${served})`,
            migrateHint(obj, group, result.served, ctx.fluxMinor)
          )
        : findingAt(
            obj,
            ['apiVersion'],
            'error',
            'schema/version-not-served',
            `${describe(obj.value)} uses ${apiVersion}, which the CRD ${crdName} ${source === 'external' ? `of ${crdSource.name}` : 'in this repository'} does not serve (served: ${served})`,
            migrateHint(obj, group, result.served, ctx.fluxMinor)
          )
    return { status: 'validated', findings: [finding], against }
  }
  const findings = issueFindings(
    obj,
    result.issues,
    source === 'upgrade'
      ? ` (against the upgraded CRD ${crdName})`
      : source === 'external'
        ? ` (against ${crdName} of ${crdSource.name})`
        : ''
  )
  const v = crd?.versions.find(x => x.name === version)
  if (v?.deprecated) {
    findings.push(
      findingAt(
        obj,
        ['apiVersion'],
        'warning',
        'schema/deprecated-version',
        `${describe(obj.value)} uses ${apiVersion}, which ${crdName} marks deprecated` +
          (v.deprecationWarning ? `: ${v.deprecationWarning}` : ''),
        migrateHint(
          obj,
          group,
          result.served.filter(s => s !== version),
          ctx.fluxMinor
        )
      )
    )
  }
  return { status: 'validated', findings, against }
}

/** Validates one object that has a string apiVersion and kind. */
export function checkSchema(obj: ManifestObject, ctx: SchemaContext): SchemaOutcome {
  const { apiVersion, kind } = obj.value as { apiVersion: string; kind: string }
  const builtin = validateBuiltin(obj.value)
  if (builtin.status === 'ok')
    return { status: 'validated', findings: issueFindings(obj, builtin.issues, ''), against: BUILTIN_SCHEMAS }

  const { group } = groupVersion(apiVersion)
  const crd = crdSource(obj, ctx, group, kind)
  if (crd) return validateAgainst(obj, crd, ctx)

  if (BUILTIN_GROUPS.has(group)) {
    const served = builtinApiVersionsOf(kind)
    if (isRemovedBuiltin(apiVersion, kind)) {
      return {
        status: 'skipped',
        reason: 'API version removed from Kubernetes',
        findings: [
          findingAt(
            obj,
            ['apiVersion'],
            'warning',
            'schema/removed-api',
            `${describe(obj.value)} uses ${apiVersion}, which current Kubernetes versions no longer serve` +
              (served.length > 0 ? ` (served: ${served.join(', ')})` : ''),
            served.length > 0
              ? `Move it to ${served[0]}; upgrading the component that ships it usually does.`
              : 'Remove it, or replace it with its successor API.'
          )
        ]
      }
    }
    return {
      status: 'skipped',
      reason: 'not a kind of its Kubernetes API group',
      findings: [
        findingAt(
          obj,
          ['kind'],
          'warning',
          'schema/unknown-kind',
          `${describe(obj.value)}: ${apiVersion} has no kind ${kind} in the Kubernetes API this tool knows`,
          served.length > 0
            ? `${kind} is served as ${served.join(', ')}.`
            : 'Check the spelling of kind and apiVersion.'
        )
      ]
    }
  }
  return {
    status: 'skipped',
    reason: 'no CRD for it in the repository, the upgraded bundles or the Flux and Calico installs in play',
    findings: []
  }
}

/** True when the object's kind has a schema here, i.e. it is certainly an API object. */
export function kindIsKnown(obj: ManifestObject, ctx: SchemaContext): boolean {
  const { apiVersion, kind } = obj.value
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return false
  if (BUILTIN_KINDS.has(`${apiVersion}/${kind}`)) return true
  return crdSource(obj, ctx, groupVersion(apiVersion).group, kind) !== undefined
}
