import path from 'node:path'
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { toFindings } from './errors.js'
import type { Logger } from './deps.js'
import { DEFAULT_CONFIG_PATH, DEFAULTS, readSettings } from './settings/inputs.js'
import { run } from './run.js'
import { realDeps } from './shell.js'
import { findingLine, renderText } from './report/text.js'

const USAGE = `Usage: flux-crs-upgrade <command> [options]

Commands:
  upgrade    regenerate Flux targets for new versions, validate, and write the working tree
  validate   check the repository as it is (schemas, CRDs, ClusterResourceSet references)

Options (the action's inputs, as flags):
  -C, --working-directory <dir>   repository root (default: .)
      --components <list>         flux,calico (default: ${DEFAULTS.components})
      --flux-version <v>          latest, 2.9.3, ~2.8, 2.x ... (default: latest)
      --calico-version <v>        latest, 3.31.7, ~3.30 ... (default: latest)
      --config <file>             config file (default: ${DEFAULT_CONFIG_PATH} if it exists)
      --releases-api-url <url>    release lists (default: ${DEFAULTS['releases-api-url']})
      --download-url <url>        release assets (default: ${DEFAULTS['download-url']})
      --check                     upgrade: report what would change, write nothing
      --json                      print the result as JSON instead of text
  -h, --help                      this help

Environment: GITHUB_TOKEN (or RELEASES_TOKEN) authenticates release-list requests.
Exit codes: 0 ok, 1 findings or failure, 2 usage.
`

const VALUE_FLAGS = new Set([
  'working-directory',
  'components',
  'flux-version',
  'calico-version',
  'config',
  'releases-api-url',
  'download-url'
])

class UsageError extends Error {}

export interface CliIo {
  stdout: (s: string) => void
  stderr: (s: string) => void
  env: NodeJS.ProcessEnv
  cwd: string
}

/** Parses argv and runs the engine; returns the exit code. Progress goes to stderr, the summary to stdout. */
export async function cli(argv: string[], io: CliIo): Promise<number> {
  let command: string | undefined
  const values = new Map<string, string>()
  const flags = new Set<string>()
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]
      if (a === '-h' || a === '--help') {
        io.stdout(USAGE)
        return 0
      }
      if (a === '-C') {
        if (i + 1 >= argv.length) throw new UsageError('-C needs a directory')
        values.set('working-directory', argv[++i])
      } else if (a.startsWith('--')) {
        const [name, inline] = a.slice(2).split(/=(.*)/s, 2)
        if (VALUE_FLAGS.has(name)) {
          const v = inline ?? argv[++i]
          if (v === undefined) throw new UsageError(`--${name} needs a value`)
          values.set(name, v)
        } else if (name === 'check' || name === 'json') {
          flags.add(name)
        } else {
          throw new UsageError(`unknown option --${name}`)
        }
      } else if (!command) {
        command = a
      } else {
        throw new UsageError(`unexpected argument "${a}"`)
      }
    }
    if (command !== 'upgrade' && command !== 'validate') {
      throw new UsageError(command ? `unknown command "${command}"` : 'a command is required')
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`flux-crs-upgrade: ${e.message}\n\n${USAGE}`)
      return 2
    }
    throw e
  }

  const log: Logger = {
    info: m => io.stderr(`${m}\n`),
    warning: m => io.stderr(`warning: ${m}\n`),
    debug: () => {}
  }
  try {
    const settings = readSettings(name => {
      if (name === 'mode') return command!
      // No pull requests from the CLI: an upgrade writes the working tree unless --check asks only for a report.
      if (name === 'dry-run') return 'true'
      if (name === 'token') return io.env.GITHUB_TOKEN ?? ''
      if (name === 'releases-token') return io.env.RELEASES_TOKEN ?? ''
      return values.get(name) ?? ''
    })
    const root = path.resolve(io.cwd, settings.workingDirectory)
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
      const { result } = await run({ ...settings, workingDirectory: root, dryRun: !flags.has('check') }, deps)
      io.stdout(flags.has('json') ? JSON.stringify(result, null, 2) + '\n' : renderText(result))
      return result.findings.some(f => f.severity === 'error') ? 1 : 0
    } finally {
      await dispose()
    }
  } catch (e) {
    const findings = toFindings(e)
    for (const f of findings) io.stdout(findingLine(f) + '\n')
    return 1
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
})()

if (invokedDirectly) {
  // Libraries below (tool-cache, exec) write progress to stdout as workflow commands; the CLI's stdout carries
  // only the summary, so everything else is sent to stderr.
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write
  cli(process.argv.slice(2), {
    stdout: s => write(s),
    stderr: s => process.stderr.write(s),
    env: process.env,
    cwd: process.cwd()
  }).then(code => {
    process.exitCode = code
  })
}
