import type { Finding } from '../../errors.js'
import { describe, identity, lineOf, type ManifestObject } from '../objects.js'
import { findingAt } from './finding.js'
import { groupVersion } from '../../kubernetes/api-version.js'

/**
 * `object/duplicate`: two objects with the same group, kind, namespace and name in one bundle (a file, or one
 * ConfigMap data value). Applying the bundle keeps only the last, silently; the later one is reported.
 */
export function duplicates(objects: readonly ManifestObject[]): Finding[] {
  const seen = new Map<string, ManifestObject>()
  const out: Finding[] = []
  for (const obj of objects) {
    const { apiVersion, kind, name, namespace } = identity(obj.value)
    if (apiVersion === undefined || kind === undefined || name === undefined) continue
    const key = [obj.bundle, groupVersion(apiVersion).group, kind, namespace ?? '', name].join('\u0000')
    const first = seen.get(key)
    if (!first) {
      seen.set(key, obj)
      continue
    }
    out.push(
      findingAt(
        obj,
        ['metadata', 'name'],
        'error',
        'object/duplicate',
        `${describe(obj.value)} is defined twice in ${where(obj)} (first at line ${lineOf(first, ['metadata', 'name'])})`,
        'Remove one of them or give them different names; applying both keeps only the last.'
      )
    )
  }
  return out
}

const where = (obj: ManifestObject): string =>
  obj.container ? `ConfigMap data key ${obj.container.key}` : 'the same file'
