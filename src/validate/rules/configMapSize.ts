import type { Finding } from '../../errors.js'
import { describe, type ManifestObject } from '../objects.js'
import { isObject } from '../../yaml/values.js'
import { findingAt } from './finding.js'
import { CLIENT_SIDE_APPLY_MAX_BYTES, CONFIGMAP_MAX_BYTES, utf8Bytes } from '../../kubernetes/limits.js'

/** binaryData is base64 in YAML; the limit counts the decoded bytes. */
function base64Bytes(s: string): number {
  const clean = s.replace(/\s+/g, '')
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding)
}

/** The size the API server measures: data values' UTF-8 bytes plus binaryData's decoded bytes, keys excluded. */
export function configMapDataBytes(cm: Record<string, unknown>): number {
  let total = 0
  if (isObject(cm.data))
    for (const v of Object.values(cm.data)) if (typeof v === 'string') total += utf8Bytes(v)
  if (isObject(cm.binaryData))
    for (const v of Object.values(cm.binaryData)) if (typeof v === 'string') total += base64Bytes(v)
  return total
}

const bytes = (n: number): string => n.toLocaleString('en-US')

/** Sizes by value: an object's value is read-only (parsed, or as rendered) and checked by every validation of a run. */
const measured = new WeakMap<object, number>()

/** `configmap/too-large` (error) and `configmap/over-client-side-apply-limit` (warning). */
export function configMapSize(obj: ManifestObject): Finding | undefined {
  const { value } = obj
  if (value.apiVersion !== 'v1' || value.kind !== 'ConfigMap') return undefined
  let size = measured.get(value)
  if (size === undefined) measured.set(value, (size = configMapDataBytes(value)))
  if (size <= CLIENT_SIDE_APPLY_MAX_BYTES) return undefined
  const path = 'data' in value ? ['data'] : 'binaryData' in value ? ['binaryData'] : []
  if (size > CONFIGMAP_MAX_BYTES) {
    return findingAt(
      obj,
      path,
      'error',
      'configmap/too-large',
      `${describe(value)} holds ${bytes(size)} bytes of data; the API server rejects ConfigMaps over ` +
        `${bytes(CONFIGMAP_MAX_BYTES)} bytes`,
      'Split the manifest across several ConfigMaps (whole documents, CRDs first) and list all of them in the ' +
        'ClusterResourceSet.'
    )
  }
  return findingAt(
    obj,
    path,
    'warning',
    'configmap/over-client-side-apply-limit',
    `${describe(value)} holds ${bytes(size)} bytes of data, more than the ${bytes(CLIENT_SIDE_APPLY_MAX_BYTES)} ` +
      'bytes a client-side `kubectl apply` can record in its last-applied annotation',
    'Flux and ClusterResourceSets apply server-side, which is fine; apply it by hand with `kubectl apply --server-side`.'
  )
}
