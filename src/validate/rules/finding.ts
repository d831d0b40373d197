import type { Finding, Severity } from '../../errors.js'
import type { YamlPath } from '../../yaml/documents.js'
import { placeOf, type ManifestObject } from '../objects.js'

/** A finding about a field of an object, placed at that field's line in the file on disk. */
export function findingAt(
  obj: ManifestObject,
  path: YamlPath,
  severity: Severity,
  rule: string,
  message: string,
  hint?: string
): Finding {
  const { file, line } = placeOf(obj, path)
  return { severity, rule, file, line, message, ...(hint ? { hint } : {}) }
}
