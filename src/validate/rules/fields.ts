import type { Finding } from '../../errors.js'
import { describe, type ManifestObject } from '../objects.js'
import { isObject } from '../../yaml/values.js'
import { findingAt } from './finding.js'

/**
 * `object/missing-field`: apiVersion, kind and metadata.name are what every apply needs. `kindIsKnown` tells
 * whether the kind has a schema: an unknown kind without any `metadata` is a tool's config file (kind, kubeadm,
 * kubelet), not an API object, and is left alone.
 */
export function missingFields(obj: ManifestObject, kindIsKnown: boolean): Finding | undefined {
  const { value } = obj
  const missing: string[] = []
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') missing.push('apiVersion')
  if (typeof value.kind !== 'string' || value.kind === '') missing.push('kind')
  const meta = value.metadata
  const hasName = isObject(meta) && typeof meta.name === 'string' && meta.name !== ''
  if (!hasName && (isObject(meta) || kindIsKnown || missing.length > 0)) missing.push('metadata.name')
  if (missing.length === 0) return undefined
  const where = missing.length === 1 && missing[0] === 'metadata.name' && isObject(meta) ? ['metadata'] : []
  return findingAt(
    obj,
    where,
    'error',
    'object/missing-field',
    `${describe(value)} has no ${missing.join(', ')}`,
    'Every object needs apiVersion, kind and metadata.name; if this file is a kustomize patch, list it under ' +
      '`patches` in its kustomization.yaml.'
  )
}

/** The objects of a kind with no schema and no metadata: configuration files of tools, not API objects. */
export const isToolConfig = (obj: ManifestObject, kindIsKnown: boolean): boolean =>
  !kindIsKnown && !isObject(obj.value.metadata)
