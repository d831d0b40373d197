/**
 * Errors are values that carry where they come from. They are thrown inside the engine and caught once, at the
 * edge (`main.ts`, `cli.ts`), where they become annotations and an exit code.
 */
import { inputLocation, type Interface } from './settings/names.js'
import { ownCopy } from './yaml/text-memo.js'

export type Severity = 'error' | 'warning' | 'notice'

/** Where a problem is: a repository file (relative to the workspace), or an input / setting by name. */
export interface Location {
  /** Path relative to the repository root, POSIX separators. */
  file?: string
  /** 1-based line in the file as it is on disk. */
  line?: number
  /** 1-based column, where known. */
  column?: number
  /** An action input or CLI option, e.g. `flux-version`. */
  input?: string
}

/** One result of validation or of a run: what is wrong, where, and what to do about it. */
export interface Finding extends Location {
  severity: Severity
  /** Stable rule id, e.g. `schema/unknown-field`, `crs/missing-configmap`. */
  rule: string
  message: string
  /** What the user should do. */
  hint?: string
}

export type ErrorCode =
  | 'input' // a bad action input or CLI option
  | 'config' // the config file
  | 'manifest' // a repository file that cannot be understood
  | 'version' // a version that does not exist or cannot be resolved
  | 'network' // HTTP failures after retries, rate limits
  | 'integrity' // checksum mismatches, truncated archives
  | 'tool' // a tool that failed to run or printed something unusable
  | 'validation' // validation found errors
  | 'publish' // pushing a branch or opening a pull request failed
  | 'write' // the working tree could not be written (a full disk, a directory where a file goes); nothing changed
  | 'internal'

export class FcuError extends Error {
  readonly code: ErrorCode
  readonly location: Location
  readonly hint?: string
  /** Extra findings attached to the error (e.g. every validation error), reported one by one at the edge. */
  readonly findings: Finding[]

  constructor(
    code: ErrorCode,
    message: string,
    options: { location?: Location; hint?: string; findings?: Finding[]; cause?: unknown } = {}
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'FcuError'
    this.code = code
    this.location = options.location ?? {}
    this.hint = options.hint
    this.findings = options.findings ?? []
  }
}

export const isFcuError = (e: unknown): e is FcuError => e instanceof FcuError

/** Turns anything thrown into findings, for reporting at the edge. */
export function toFindings(e: unknown): Finding[] {
  if (isFcuError(e)) {
    const own: Finding = {
      severity: 'error',
      rule: `run/${e.code}`,
      message: e.message,
      ...e.location,
      ...(e.hint ? { hint: e.hint } : {})
    }
    return e.findings.length > 0 ? [...e.findings, ...(e.code === 'validation' ? [] : [own])] : [own]
  }
  const message = e instanceof Error ? e.message : String(e)
  return [{ severity: 'error', rule: 'run/internal', message }]
}

/**
 * Renders a location the way people read them: `file:line:column`, or the input as the interface calls it
 * (`input flux-version` in the action, `--flux-version` in the CLI).
 */
export function formatLocation(l: Location, where: Interface = 'action'): string {
  if (l.file)
    return [l.file, l.line, l.line !== undefined ? l.column : undefined]
      .filter(x => x !== undefined)
      .join(':')
  if (l.input) return inputLocation(l.input, where)
  return ''
}

/** Code-unit order, not the locale's: the same on every machine, so reports and listings do not move between runs. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The one order findings are reported in: by file, then line, then rule and message, so a report reads top to bottom
 * and two runs over the same repository print the same list.
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.file ?? '', b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    compareText(a.rule, b.rule) ||
    compareText(a.message, b.message)
  )
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, notice: 2 }

/**
 * Each finding once (issue 11, item 8): the same rule at the same file and line with the same message is one
 * finding, whatever its column, the first kept. Where the copies differ in severity (a base that one applied and
 * one unapplied overlay include), the most severe one is kept, at the first one's place in the list.
 */
export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const kept = new Map<string, number>()
  const out: Finding[] = []
  for (const f of findings) {
    const key = [f.rule, f.file, f.line, f.message].join('\u0000')
    const at = kept.get(key)
    if (at === undefined) {
      kept.set(key, out.length)
      out.push(ownStrings(f))
    } else if (SEVERITY_RANK[f.severity] < SEVERITY_RANK[out[at].severity]) out[at] = ownStrings(f)
  }
  return out
}

/**
 * A finding whose texts are strings of their own: a message built around a name read from a manifest would
 * otherwise keep the manifest's whole text alive for as long as the report (a cluster's 1 MB ConfigMap, per
 * warning).
 */
function ownStrings(f: Finding): Finding {
  return {
    ...f,
    message: ownCopy(f.message),
    ...(f.hint !== undefined ? { hint: ownCopy(f.hint) } : {}),
    ...(f.file !== undefined ? { file: ownCopy(f.file) } : {})
  }
}
