import { objectMetaNode } from './builtin.js'
import { SchemaCompiler, runNode, type CompiledNode, type SchemaProblem } from './compile.js'
import type { SchemaIssue } from './issues.js'
import type { JsonSchema } from './json-schema.js'
import { isObject } from '../../yaml/values.js'
import { groupVersion } from '../../kubernetes/api-version.js'

/**
 * The custom resource definitions of a bundle, looked up by group and kind, with each version's schema compiled
 * on first use (a bundle that has CRDs but none of their objects compiles nothing).
 */

export interface CrdVersion {
  name: string
  served: boolean
  storage: boolean
  deprecated: boolean
  deprecationWarning?: string
  /** `openAPIV3Schema`; absent when the CRD has none (anything goes then). */
  schema?: JsonSchema
}

export interface CrdInfo {
  /** `metadata.name`, e.g. `gitrepositories.source.toolkit.fluxcd.io`. */
  crdName: string
  group: string
  kind: string
  plural: string
  scope: 'Namespaced' | 'Cluster'
  versions: CrdVersion[]
  /** `spec.preserveUnknownFields: true` (only legal in apiextensions.k8s.io/v1beta1): nothing is pruned. */
  preserveUnknownFields: boolean
}

export interface CrdSchemaProblem extends SchemaProblem {
  crdName: string
  version: string
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const schemaOf = (v: unknown): JsonSchema | undefined =>
  isObject(v) && isObject(v.openAPIV3Schema) ? (v.openAPIV3Schema as JsonSchema) : undefined

/** Reads a CustomResourceDefinition (apiextensions.k8s.io v1 or v1beta1); undefined if it is not one. */
function readCrd(obj: unknown): CrdInfo | undefined {
  if (!isObject(obj) || obj.kind !== 'CustomResourceDefinition') return undefined
  const spec = obj.spec
  const names = isObject(spec) ? spec.names : undefined
  if (!isObject(spec) || !isObject(names)) return undefined
  const group = str(spec.group)
  const kind = str(names.kind)
  if (!group || !kind) return undefined
  const legacy = obj.apiVersion === 'apiextensions.k8s.io/v1beta1'
  // v1beta1: one schema for all versions (spec.validation), or per version; pruning was opt-in.
  const sharedSchema = schemaOf(spec.validation)
  let versions: CrdVersion[] = []
  if (Array.isArray(spec.versions)) {
    versions = spec.versions.filter(isObject).map(v => {
      const schema = schemaOf(v.schema) ?? sharedSchema
      return {
        name: str(v.name) ?? '',
        served: v.served !== false,
        storage: v.storage === true,
        deprecated: v.deprecated === true,
        ...(typeof v.deprecationWarning === 'string' ? { deprecationWarning: v.deprecationWarning } : {}),
        ...(schema ? { schema } : {})
      }
    })
  } else if (typeof spec.version === 'string') {
    versions = [
      {
        name: spec.version,
        served: true,
        storage: true,
        deprecated: false,
        ...(sharedSchema ? { schema: sharedSchema } : {})
      }
    ]
  }
  const metadata = isObject(obj.metadata) ? obj.metadata : {}
  return {
    crdName: str(metadata.name) ?? `${str(names.plural) ?? kind.toLowerCase()}.${group}`,
    group,
    kind,
    plural: str(names.plural) ?? '',
    scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
    versions,
    preserveUnknownFields:
      spec.preserveUnknownFields === true || (legacy && spec.preserveUnknownFields !== false)
  }
}

export class CrdCatalog {
  readonly crds: readonly CrdInfo[]
  private readonly byKey = new Map<string, CrdInfo>()
  private readonly compiled = new Map<
    CrdVersion,
    { node: CompiledNode; problems: SchemaProblem[]; eager: boolean }
  >()

  constructor(crds: CrdInfo[]) {
    // A later definition of the same group and kind replaces an earlier one, as applying the bundle would.
    for (const c of crds) this.byKey.set(`${c.group}/${c.kind}`, c)
    this.crds = [...this.byKey.values()]
  }

  byGroupKind(group: string, kind: string): CrdInfo | undefined {
    return this.byKey.get(`${group}/${kind}`)
  }

  /** The CRD for the group of `apiVersion`, whether or not it serves that version (see `validateCustomResource`). */
  byApiVersionKind(apiVersion: string, kind: string): CrdInfo | undefined {
    return this.byGroupKind(groupVersion(apiVersion).group, kind)
  }

  /**
   * The compiled validator of one version of a CRD, built on first use; `eager` compiles all of it at once (for
   * `problems`), otherwise its parts are compiled as values reach them.
   */
  validator(
    crd: CrdInfo,
    version: CrdVersion,
    eager = false
  ): { node: CompiledNode; problems: SchemaProblem[] } {
    let entry = this.compiled.get(version)
    if (!entry || (eager && !entry.eager)) {
      const problems: SchemaProblem[] = []
      const compiler = new SchemaCompiler({
        objectMeta: objectMetaNode(),
        problems,
        keepUnknownFields: crd.preserveUnknownFields,
        eager
      })
      // The object's root is an embedded resource in all but name: apiVersion and kind are required strings and
      // metadata is an ObjectMeta whatever the schema says about it (a CRD may only narrow name/generateName).
      const root: JsonSchema = {
        ...(version.schema ?? { 'x-kubernetes-preserve-unknown-fields': true }),
        type: 'object',
        'x-kubernetes-embedded-resource': true
      }
      entry = { node: compiler.compile(root), problems, eager }
      this.compiled.set(version, entry)
    }
    return entry
  }

  /** Compiles every version of every CRD now and returns the defects found in their schemas. */
  compileAll(): CrdSchemaProblem[] {
    return this.crds.flatMap(crd =>
      crd.versions.flatMap(v =>
        this.validator(crd, v, true).problems.map(p => ({ ...p, crdName: crd.crdName, version: v.name }))
      )
    )
  }
}

/** Builds a catalog from the CustomResourceDefinition objects among `objects`; anything else is ignored. */
export function crdCatalog(objects: unknown[]): CrdCatalog {
  // Parsed values are shared where their text repeats, and read-only: a fleet's clusters each install the same
  // CRDs, and each validation of a run reads them again. The same values make the same catalog, compiled once.
  const first = objects[0]
  const known = typeof first === 'object' && first !== null ? catalogs.get(first) : undefined
  const same = known?.find(
    k => k.objects.length === objects.length && k.objects.every((o, i) => o === objects[i])
  )
  if (same) return same.catalog
  const catalog = new CrdCatalog(objects.map(readCrd).filter((c): c is CrdInfo => c !== undefined))
  if (typeof first === 'object' && first !== null) {
    if (known) known.push({ objects: [...objects], catalog })
    else catalogs.set(first, [{ objects: [...objects], catalog }])
  }
  return catalog
}

const catalogs = new WeakMap<object, { objects: unknown[]; catalog: CrdCatalog }[]>()

/** Results by catalog and object value: a check of a read-only value against the same catalog gives the same result. */
const validated = new WeakMap<CrdCatalog, WeakMap<object, CustomResourceValidation>>()

export interface CustomResourceValidation {
  /**
   * `no-crd`: the catalog has no CRD for the object's group and kind. `version-not-served`: it has, but not for
   * the object's version (`served` lists the versions it does serve).
   */
  status: 'ok' | 'no-crd' | 'version-not-served'
  issues: SchemaIssue[]
  /** The served versions of the CRD (empty for `no-crd`). */
  served: string[]
}

/** Validates a custom resource against the `openAPIV3Schema` of its CRD version. */
export function validateCustomResource(catalog: CrdCatalog, obj: unknown): CustomResourceValidation {
  if (typeof obj !== 'object' || obj === null) return checkCustomResource(catalog, obj)
  let known = validated.get(catalog)
  if (!known) validated.set(catalog, (known = new WeakMap()))
  let result = known.get(obj)
  if (!result) known.set(obj, (result = checkCustomResource(catalog, obj)))
  return result
}

function checkCustomResource(catalog: CrdCatalog, obj: unknown): CustomResourceValidation {
  const o = isObject(obj) ? obj : {}
  const apiVersion = str(o.apiVersion) ?? ''
  const kind = str(o.kind) ?? ''
  const crd = catalog.byApiVersionKind(apiVersion, kind)
  if (!crd || !apiVersion.includes('/')) return { status: 'no-crd', issues: [], served: [] }
  const served = crd.versions.filter(v => v.served).map(v => v.name)
  const version = crd.versions.find(v => v.name === groupVersion(apiVersion).version)
  if (!version || !version.served) return { status: 'version-not-served', issues: [], served }
  return { status: 'ok', issues: runNode(catalog.validator(crd, version).node, obj), served }
}
