import type { Finding, Severity } from '../../errors.js'
import type { YamlPath } from '../../yaml/documents.js'
import { lineOf, type ManifestObject } from '../objects.js'

/** A finding about a field of an object, placed at that field's line in the file on disk. */
export function findingAt(
  obj: ManifestObject,
  path: YamlPath,
  severity: Severity,
  rule: string,
  message: string,
  hint?: string
): Finding {
  return { severity, rule, file: obj.file, line: lineOf(obj, path), message, ...(hint ? { hint } : {}) }
}
