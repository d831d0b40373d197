import { isFcuError, type ErrorCode, type Finding } from '../errors.js'
import type { RunResult } from '../result.js'
import { inInterface } from '../settings/names.js'
import type { Command } from './args.js'

/**
 * The one JSON document `--json` prints on stdout, whatever happens: the shape is `schemas/cli-output.schema.json`
 * (a test checks real outputs against it). Engine texts are in the CLI's words; `input` keeps the canonical name.
 */
export interface CliDocument {
  version: 1
  ok: boolean
  exitCode: 0 | 1 | 2
  command: Command | null
  /** Why the exit code is 1 or 2, in one sentence; null when ok. */
  failure: string | null
  /** The run's result; null when the run did not complete. */
  result: RunResult | null
  /** Every finding: the result's, or those of the error that stopped the run. */
  findings: Finding[]
  /** What stopped the run (or the command line); null when it completed. */
  error: CliError | null
}

export interface CliError {
  kind: ErrorCode | 'usage'
  message: string
  file?: string
  line?: number
  column?: number
  input?: string
  hint?: string
}

const cli = (s: string) => inInterface(s, 'cli')

/** Findings in the CLI's words. */
export const cliFindings = (findings: readonly Finding[]): Finding[] =>
  findings.map(f => ({ ...f, message: cli(f.message), ...(f.hint ? { hint: cli(f.hint) } : {}) }))

/** The error of a run that did not complete, as the document reports it. */
export function cliError(e: unknown): CliError {
  if (isFcuError(e)) {
    const { file, line, column, input } = e.location
    return {
      kind: e.code,
      message: cli(e.message),
      ...(file !== undefined ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
      ...(column !== undefined ? { column } : {}),
      ...(input !== undefined ? { input } : {}),
      ...(e.hint ? { hint: cli(e.hint) } : {})
    }
  }
  return { kind: 'internal', message: e instanceof Error ? e.message : String(e) }
}

/** The result with its texts (notes, reasons, findings) in the CLI's words. */
export const cliResult = (r: RunResult): RunResult => ({
  ...r,
  components: r.components.map(c => ({ ...c, reason: cli(c.reason) })),
  findings: cliFindings(r.findings),
  notes: r.notes.map(cli)
})
