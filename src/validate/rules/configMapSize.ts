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
  return bytesOf(cm.data, utf8Bytes) + bytesOf(cm.binaryData, base64Bytes)
}

/**
 * Sizes by map: a parsed map is read-only, and a fleet's ConfigMaps share one where their data is the same text
 * (the Calico manifest in every cluster's ConfigMap): each is measured once. Only the validator's reads are kept
 * (`configMapSize`); a caller's own objects are measured each time.
 */
const measuredData = new WeakMap<object, number>()
const measuredBinary = new WeakMap<object, number>()

function bytesOf(map: unknown, size: (s: string) => number, memo?: WeakMap<object, number>): number {
  if (!isObject(map)) return 0
  const known = memo?.get(map)
  if (known !== undefined) return known
  let total = 0
  for (const v of Object.values(map)) if (typeof v === 'string') total += size(v)
  memo?.set(map, total)
  return total
}

const measuredDataBytes = (cm: Record<string, unknown>): number =>
  bytesOf(cm.data, utf8Bytes, measuredData) + bytesOf(cm.binaryData, base64Bytes, measuredBinary)

const bytes = (n: number): string => n.toLocaleString('en-US')

/** `configmap/too-large` (error) and `configmap/over-client-side-apply-limit` (warning). */
export function configMapSize(obj: ManifestObject): Finding | undefined {
  const { value } = obj
  if (value.apiVersion !== 'v1' || value.kind !== 'ConfigMap') return undefined
  const size = measuredDataBytes(value)
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
