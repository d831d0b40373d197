import type { YamlPath } from '../yaml/documents.js'
import { deepClone } from './json-patch.js'
import { cloneTrace, locateInTrace, type Trace } from './trace.js'
import { isObject } from '../yaml/values.js'
import { groupVersion } from '../kubernetes/api-version.js'

export type KubeObject = Record<string, unknown>

/** One object as `kustomize build` would print it, with where each of its fields was written. */
export interface RenderedObject {
  value: KubeObject
  /** Where each field came from: the resource file, a patch, or the kustomization that generated or changed it. */
  trace: Trace
  /** The document that defines the object: a resource file's document, or the kustomization of a generator. */
  source: { file: string; index: number }
  /** Name and namespace as the object was first written, before prefixes, suffixes, hashes and namespaces. */
  originalName: string
  originalNamespace?: string
  /** Every name the object had before its current one (what references to it may still say). */
  previousNames: string[]
  /** Generated objects that get kustomize's content hash appended to their name at the end of the build. */
  hashSuffix?: boolean
  /**
   * Set while `value` is shared with another holder (the parsed document, or the object this one was copied from):
   * it must not be changed in place. `writable` copies it on the first change (see `cloneRendered`).
   */
  shared?: boolean
}

export const metadataOf = (o: KubeObject): Record<string, unknown> => (isObject(o.metadata) ? o.metadata : {})

/** A map of labels or annotations, its values as strings; undefined when `v` is not a map. */
export const stringMap = (v: unknown): Record<string, string> | undefined =>
  isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : undefined

export const nameOf = (o: KubeObject): string => String(metadataOf(o).name ?? '')
export const namespaceOf = (o: KubeObject): string | undefined => {
  const ns = metadataOf(o).namespace
  return typeof ns === 'string' && ns !== '' ? ns : undefined
}
export const kindOf = (o: KubeObject): string => String(o.kind ?? '')
export const apiVersionOf = (o: KubeObject): string => String(o.apiVersion ?? '')
export const groupOf = (o: KubeObject): string => groupVersion(apiVersionOf(o)).group

/** `group/kind namespace/name`, how messages name an object. */
export function describeObject(o: KubeObject): string {
  const ns = namespaceOf(o)
  return `${kindOf(o)} ${ns ? `${ns}/` : ''}${nameOf(o)}`
}

/**
 * A copy of a rendered object that shares its value until either side changes it (copy on write): most objects of
 * a build are never transformed, and copying a Flux install's CRDs for every build that includes them was most of
 * what rendering cost. Both then count as shared.
 */
export function cloneRendered(o: RenderedObject): RenderedObject {
  o.shared = true
  return {
    ...o,
    trace: cloneTrace(o.trace),
    previousNames: [...o.previousNames]
  }
}

/** The object's value, to change in place: copied first when it is shared (see `RenderedObject.shared`). */
export function writable(o: RenderedObject): KubeObject {
  if (o.shared) {
    o.value = deepClone(o.value)
    o.shared = false
  }
  return o.value
}

/** File, line and column of a field of a rendered object: the line that wrote it, in a resource or a patch. */
export function locateField(
  o: RenderedObject,
  path: YamlPath,
  at: 'key' | 'value' = 'key'
): { file: string; line: number; column: number } {
  return locateInTrace(o.trace, path, at) ?? { file: o.source.file, line: 1, column: 1 }
}

/** Kinds that kustomize never puts in a namespace. */
const clusterScopedKinds = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'FlowSchema',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment'
])

export const isClusterScoped = (o: KubeObject): boolean => clusterScopedKinds.has(kindOf(o))
