import type { Finding } from '../errors.js'

/**
 * An upgrade stops on what it breaks, not on what was broken before it: an error the repository as read already
 * has (same rule, file, line and message, checked against the CRDs it had) is kept as a warning so that a broken
 * file elsewhere neither holds every future upgrade hostage nor goes unseen.
 */

export const ALREADY_FAILING = '(already failing before this upgrade)'

const key = (f: Finding): string => [f.rule, f.file, f.line, f.message].join('\u0000')

/** The errors of the repository as read. */
export class Baseline {
  private readonly failing: ReadonlySet<string>

  constructor(before: readonly Finding[]) {
    this.failing = new Set(before.filter(f => f.severity === 'error').map(key))
  }

  /** Whether the repository as read has this error already. */
  has(f: Finding): boolean {
    return f.severity === 'error' && this.failing.has(key(f))
  }

  /** The findings with each error the repository already had demoted to a warning and marked. */
  mark(findings: readonly Finding[]): Finding[] {
    return findings.map(f =>
      this.has(f) ? { ...f, severity: 'warning', message: `${f.message} ${ALREADY_FAILING}` } : f
    )
  }
}

/** A warning `Baseline.mark` made of an error the repository already had. */
export const isAlreadyFailing = (f: Finding): boolean =>
  f.severity === 'warning' && f.message.endsWith(ALREADY_FAILING)
