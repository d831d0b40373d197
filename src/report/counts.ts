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
  /** One line per schema set: `flux install --export (flux v2.7.5): 12 object(s)`. */
  schemas: string[]
  /** One line per API group: `helm.toolkit.fluxcd.io: 9 validated, 2 not checked`. */
  groups: string[]
}

export function validationCounts(result: {
  findings: readonly Finding[]
  validation: Pick<RunResult['validation'], 'resources' | 'skipped'> &
    Partial<Pick<RunResult['validation'], 'schemas' | 'groups'>>
}): ValidationCounts {
  const count = (s: Finding['severity']) => result.findings.filter(f => f.severity === s).length
  return {
    validated: result.validation.resources,
    skipped: result.validation.skipped.reduce((n, s) => n + s.count, 0),
    errors: count('error'),
    warnings: count('warning'),
    notChecked: result.validation.skipped.map(
      s => `${[s.apiVersion, s.kind].filter(Boolean).join(' ') || '(no kind)'} × ${s.count}: ${s.reason}`
    ),
    schemas: (result.validation.schemas ?? []).map(s => `${s.source}: ${s.objects} object(s)`),
    groups: (result.validation.groups ?? []).map(
      g => `${g.group}: ${g.validated} validated${g.skipped > 0 ? `, ${g.skipped} not checked` : ''}`
    )
  }
}

/** The lines under the counts: what each schema set checked, then each API group. */
export function detailLines(c: ValidationCounts, bullet: string): string[] {
  return [
    ...(c.schemas.length > 0 ? ['Schemas:', ...c.schemas.map(l => `${bullet}${l}`)] : []),
    ...(c.groups.length > 0 ? ['By API group:', ...c.groups.map(l => `${bullet}${l}`)] : [])
  ]
}

/** `Validated 3 object(s): 0 error(s), 0 warning(s); 18 not checked (below).` */
export function countsLine(c: ValidationCounts): string {
  const head = `Validated ${c.validated} object(s): ${c.errors} error(s), ${c.warnings} warning(s)`
  return c.skipped === 0 ? `${head}; every object was checked.` : `${head}; ${c.skipped} not checked:`
}
