import path from 'node:path'
import { realpathSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { toFindings } from './errors.js'
import type { Logger } from './deps.js'
import { readSettings } from './settings/inputs.js'
import { inInterface, SETTING_NAMES } from './settings/names.js'
import { run } from './run.js'
import { realDeps } from './adapters.js'
import { findingLine, renderText } from './report/text.js'
import { commandHelp, globalHelp, parseArgs, UsageError, wantsJson, type Command } from './cli/args.js'
import { cliError, cliFindings, cliResult, type CliDocument } from './cli/document.js'
import packageJson from '../package.json' with { type: 'json' }

export interface CliIo {
  stdout: (s: string) => void
  stderr: (s: string) => void
  env: NodeJS.ProcessEnv
  cwd: string
  /** Receives whether debug lines are wanted, before anything runs (the process edge filters library output). */
  verbose?: (on: boolean) => void
}

export const CLI_VERSION: string = packageJson.version

/**
 * Parses argv and runs the engine; returns the exit code (0 ok, 1 findings or failure or files that `--check`
 * would change, 2 usage). Progress goes to stderr; stdout carries the summary, or with `--json` one JSON document.
 */
export async function cli(argv: string[], io: CliIo): Promise<number> {
  const json = wantsJson(argv)
  const document = (d: Omit<CliDocument, 'version' | 'ok'>): void =>
    io.stdout(JSON.stringify({ version: 1, ok: d.exitCode === 0, ...d }, null, 2) + '\n')

  let parsed: ReturnType<typeof parseArgs>
  let root: string
  try {
    parsed = parseArgs(argv)
    if (parsed.kind === 'help') {
      io.stdout(parsed.command ? commandHelp(parsed.command) : globalHelp(CLI_VERSION))
      return 0
    }
    if (parsed.kind === 'version') {
      io.stdout(`${CLI_VERSION}\n`)
      return 0
    }
    root = workingDirectory(parsed.settings.get('working-directory') ?? '.', io.cwd, parsed.command)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    const see = `flux-crs-upgrade ${e.command ? `${e.command} ` : ''}--help`
    io.stderr(`flux-crs-upgrade: ${e.message} (see ${see})\n`)
    if (json)
      document({
        exitCode: 2,
        command: e.command ?? null,
        failure: e.message,
        result: null,
        findings: [],
        error: { kind: 'usage', message: e.message, hint: `See ${see}.` }
      })
    return 2
  }

  const { command, settings: values, check, verbose } = parsed
  io.verbose?.(verbose)
  const say = (m: string) => inInterface(m, 'cli')
  const log: Logger = {
    info: m => io.stderr(`${say(m)}\n`),
    warning: m => io.stderr(`warning: ${say(m)}\n`),
    debug: verbose ? m => io.stderr(`debug: ${say(m)}\n`) : () => {}
  }
  try {
    const settings = readSettings(name => {
      if (name === 'mode') return command
      // No pull requests from the CLI: an upgrade writes the working tree unless --check asks only for a report.
      if (name === 'dry-run') return 'true'
      const env = SETTING_NAMES[name]?.env
      if (env) return io.env[env] ?? ''
      return values.get(name) ?? ''
    })
    // tool-cache keeps tools under RUNNER_TOOL_CACHE; outside Actions keep them in the user's cache between runs.
    const home = io.env.HOME || io.cwd
    process.env.RUNNER_TOOL_CACHE ||= path.join(
      io.env.XDG_CACHE_HOME || path.join(home, '.cache'),
      'flux-crs-upgrade',
      'tools'
    )
    process.env.RUNNER_TEMP ||= path.join(io.env.TMPDIR || '/tmp')
    const { deps, dispose } = await realDeps(log, io.env)
    try {
      const { result } = await run({ ...settings, workingDirectory: root, dryRun: !check }, deps)
      const errors = result.findings.filter(f => f.severity === 'error').length
      const wouldChange = check && result.changed
      const failure =
        errors > 0
          ? `Validation found ${errors} error(s)`
          : wouldChange
            ? `${result.files.length} file(s) would change: ${result.files.map(f => f.path).join(', ')}`
            : null
      const exitCode = failure === null ? 0 : 1
      if (json) {
        const shown = cliResult(result)
        document({ exitCode, command, failure, result: shown, findings: shown.findings, error: null })
      } else io.stdout(renderText(result, { check }))
      return exitCode
    } finally {
      await dispose()
    }
  } catch (e) {
    const findings = toFindings(e)
    if (json) {
      const error = cliError(e)
      document({
        exitCode: 1,
        command,
        failure: error.message,
        result: null,
        findings: cliFindings(findings),
        error
      })
    } else for (const f of findings) io.stdout(findingLine(f) + '\n')
    return 1
  }
}

/** `-C`: an existing directory, or a usage error (not an engine failure about the config file it cannot read). */
function workingDirectory(given: string, cwd: string, command: Command): string {
  const root = path.resolve(cwd, given)
  let isDirectory: boolean
  try {
    isDirectory = statSync(root).isDirectory()
  } catch {
    throw new UsageError(`-C ${given}: no such directory`, command)
  }
  if (!isDirectory) throw new UsageError(`-C ${given} is not a directory`, command)
  return root
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
})()

if (invokedDirectly) {
  // Libraries below (tool-cache, exec) write progress to stdout as workflow commands (`::debug::`, `[command]`):
  // the CLI's stdout carries only its summary or JSON, so those go to stderr, and only with --verbose.
  const write = process.stdout.write.bind(process.stdout)
  let verbose = false
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (verbose) return (process.stderr.write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest)
    const done = rest.find(r => typeof r === 'function') as (() => void) | undefined
    done?.()
    return true
  }) as typeof process.stdout.write
  cli(process.argv.slice(2), {
    stdout: s => write(s),
    stderr: s => process.stderr.write(s),
    env: process.env,
    cwd: process.cwd(),
    verbose: on => (verbose = on)
  }).then(code => {
    process.exitCode = code
  })
}
