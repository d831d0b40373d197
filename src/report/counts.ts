import type { Finding } from '../errors.js'
import type { RunResult } from '../result.js'

/**
 * What validation checked and what it did not, in the same words for the CLI's text and the job summary (the
 * JSON carries the same numbers in `result.validation`): a reader must not take "0 errors" for a repository
 * checked when most of it was skipped.
 */
export interface ValidationCounts {
  validated: number
  skipped: number
  errors: number
  warnings: number
  /** One line per skipped kind: `helm.toolkit.fluxcd.io/v2 HelmRelease × 5: <why>`. */
  notChecked: string[]
}

export function validationCounts(result: RunResult): ValidationCounts {
  const count = (s: Finding['severity']) => result.findings.filter(f => f.severity === s).length
  return {
    validated: result.validation.resources,
    skipped: result.validation.skipped.reduce((n, s) => n + s.count, 0),
    errors: count('error'),
    warnings: count('warning'),
    notChecked: result.validation.skipped.map(
      s => `${[s.apiVersion, s.kind].filter(Boolean).join(' ') || '(no kind)'} × ${s.count}: ${s.reason}`
    )
  }
}

/** `Validated 3 object(s): 0 error(s), 0 warning(s); 18 not checked (below).` */
export function countsLine(c: ValidationCounts): string {
  const head = `Validated ${c.validated} object(s): ${c.errors} error(s), ${c.warnings} warning(s)`
  return c.skipped === 0 ? `${head}; every object was checked.` : `${head}; ${c.skipped} not checked:`
}
