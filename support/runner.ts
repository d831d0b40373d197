import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import yaml from 'js-yaml'
import { Evaluator, Lexer, Parser, data } from '@actions/expressions'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface ActionRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** The `GITHUB_ENV`, `GITHUB_PATH` and `GITHUB_STATE` files as the step left them. */
  env: string
  path: string
  state: string
  /** The environment the step ran with (for assertions on what a runner sends). */
  sent: Record<string, string>
}

export interface DeclaredInput {
  name: string
  default?: string
  required: boolean
}

/** The inputs `action.yml` declares, in order, with their defaults as written (expressions unexpanded). */
export function declaredInputs(actionYml = path.join(repoRoot, 'action.yml')): DeclaredInput[] {
  const doc = yaml.load(readFileSync(actionYml, 'utf8')) as {
    inputs?: Record<string, { default?: unknown; required?: unknown }>
  }
  return Object.entries(doc.inputs ?? {}).map(([name, spec]) => ({
    name,
    ...(spec?.default !== undefined ? { default: String(spec.default) } : {}),
    required: spec?.required === true
  }))
}

/** The variable a runner sets for an input: upper-cased, spaces to `_`, hyphens kept. */
export const inputVariable = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`

export type RunnerEvent =
  | { name: 'schedule'; schedule?: string }
  | { name: 'workflow_dispatch'; inputs?: Record<string, string | boolean> }
  | { name: 'pull_request'; number?: number; head?: string }

export interface RunOptions {
  workspace: string
  /**
   * The workflow step's `with:`; every other declared input gets its `action.yml` default, as on a runner. Values
   * may hold `${{ ... }}` expressions, evaluated as the runner does before the step starts (see `evaluate`).
   */
  inputs?: Record<string, string>
  /** What `${{ github.token }}` expands to; empty when not given. */
  token?: string
  /** The repository's configuration variables, `${{ vars.NAME }}`. */
  vars?: Record<string, string>
  event?: RunnerEvent
  /** The run's own GitHub (`GITHUB_API_URL`, `GITHUB_SERVER_URL`); github.com when not given. */
  apiUrl?: string
  serverUrl?: string
  repository?: string
  /** The node binary; the runner's is node24. */
  node?: string
  toolCache?: string
  /** Extra variables (a proxy, PATH); they cannot set inputs: those go through `inputs`. */
  env?: Record<string, string>
  /** A command the node process runs under (`/usr/bin/time -f %M -o <file>` for its peak RSS). */
  wrapper?: string[]
}

/**
 * Runs the bundled action (`dist/index.js`) in the environment a runner gives a node action step: every input of
 * `action.yml` as `INPUT_<NAME>` (`inputsSent`), the `GITHUB_*` and `RUNNER_*` variables, an event payload, and the
 * file commands. An input the action does not declare is refused: a runner would only warn, and a test that sets
 * one tests nothing. Asynchronous, so a server in the calling process keeps answering.
 */
export async function runAction(options: RunOptions): Promise<ActionRun> {
  for (const k of Object.keys(options.env ?? {})) {
    if (k.startsWith('INPUT_')) throw new Error(`set inputs through "inputs", not env (${k})`)
  }

  const inputs = inputsSent(options)
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fcu-runner-'))
  const files = {
    GITHUB_OUTPUT: path.join(scratch, 'output'),
    GITHUB_STEP_SUMMARY: path.join(scratch, 'summary'),
    GITHUB_ENV: path.join(scratch, 'env'),
    GITHUB_PATH: path.join(scratch, 'path'),
    GITHUB_STATE: path.join(scratch, 'state')
  }
  for (const f of Object.values(files)) writeFileSync(f, '')
  const runnerTemp = path.join(scratch, 'temp')
  mkdirSync(runnerTemp)

  const event = options.event ?? { name: 'schedule' }
  const repository = options.repository ?? 'example-org/fleet'
  const serverUrl = options.serverUrl ?? 'https://github.com'
  const eventPath = path.join(scratch, 'event.json')
  writeFileSync(eventPath, JSON.stringify(eventPayload(event, repository, serverUrl), null, 2))

  const sent: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? scratch,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: '__self',
    GITHUB_ACTION_REPOSITORY: '',
    GITHUB_ACTOR: 'octocat',
    GITHUB_API_URL: options.apiUrl ?? 'https://api.github.com',
    GITHUB_GRAPHQL_URL: `${options.apiUrl ?? 'https://api.github.com'}/graphql`,
    GITHUB_SERVER_URL: serverUrl,
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0],
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    ...(event.name === 'pull_request'
      ? {
          GITHUB_REF: `refs/pull/${event.number ?? 1}/merge`,
          GITHUB_REF_NAME: `${event.number ?? 1}/merge`,
          GITHUB_HEAD_REF: event.head ?? 'topic',
          GITHUB_BASE_REF: 'main'
        }
      : { GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main' }),
    GITHUB_REF_TYPE: 'branch',
    GITHUB_SHA: '0'.repeat(40),
    GITHUB_WORKFLOW: 'flux-upgrade',
    GITHUB_JOB: 'upgrade',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RETENTION_DAYS: '90',
    GITHUB_WORKSPACE: options.workspace,
    ...files,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'GitHub Actions 1',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: options.toolCache ?? path.join(scratch, 'tool-cache'),
    ...options.env
  }
  Object.assign(sent, inputs)

  const [file, ...args] = [
    ...(options.wrapper ?? []),
    options.node ?? process.execPath,
    path.join(repoRoot, 'dist/index.js')
  ]
  const child = spawn(file, args, {
    cwd: options.workspace,
    env: sent,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', code => resolve(code ?? 1))
  })
  const read = (f: string) => readFileSync(f, 'utf8')
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(read(files.GITHUB_OUTPUT)),
    summary: read(files.GITHUB_STEP_SUMMARY),
    env: read(files.GITHUB_ENV),
    path: read(files.GITHUB_PATH),
    state: read(files.GITHUB_STATE),
    sent
  }
}

/**
 * The `INPUT_*` variables a runner sets for the step: each declared input from the step's `with:`, or else its
 * `action.yml` default, expressions evaluated. A dispatch payload's inputs reach the action only through `with:`
 * (`${{ inputs.x }}`): the runner never turns them into `INPUT_*` itself.
 */
export function inputsSent(
  options: Pick<RunOptions, 'inputs' | 'token' | 'event' | 'repository' | 'serverUrl' | 'vars'>
): Record<string, string> {
  const declared = declaredInputs()
  const given = options.inputs ?? {}
  const unknown = Object.keys(given).filter(k => !declared.some(d => d.name === k))
  if (unknown.length > 0) {
    throw new Error(`action.yml declares no input ${unknown.join(', ')}: a runner would not pass it`)
  }
  const event = options.event ?? { name: 'schedule' }
  const repository = options.repository ?? 'example-org/fleet'
  const contexts = expressionContexts(
    eventPayload(event, repository, options.serverUrl ?? 'https://github.com'),
    event,
    options.token ?? '',
    repository,
    options.vars ?? {}
  )
  const written = evaluateWith(
    Object.fromEntries(declared.map(input => [input.name, given[input.name] ?? input.default ?? ''])),
    contexts
  )
  return Object.fromEntries(declared.map(input => [inputVariable(input.name), written[input.name]]))
}

/**
 * What a step's `${{ }}` expressions can read. `github.event` is the event's payload: a `workflow_dispatch` run's
 * `inputs` (and `github.event.inputs`) are the payload's inputs (GitHub fills in the workflow's declared defaults
 * before it sends the event); every other event has no inputs, so `${{ inputs.x }}` is empty there, and the action
 * sees its own default for an empty input.
 */
function expressionContexts(
  payload: Record<string, unknown>,
  event: RunnerEvent,
  token: string,
  repository: string,
  vars: Record<string, string>
): Record<string, unknown> {
  return {
    github: { event_name: event.name, event: payload, repository, token },
    inputs: event.name === 'workflow_dispatch' ? (payload.inputs ?? {}) : {},
    secrets: { GITHUB_TOKEN: token },
    vars
  }
}

/**
 * Each value with its `${{ expr }}` expanded by GitHub's own expression evaluator (`@actions/expressions`) against
 * `contexts`, into the string a runner passes; a context the expressions name that is not given is an error.
 */
export function evaluateWith(
  values: Record<string, unknown>,
  contexts: Record<string, unknown>
): Record<string, string> {
  const names = Object.keys(contexts)
  const ctx = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary
  const evaluate = (expr: string): string => {
    const lexed = new Lexer(expr).lex()
    const ast = new Parser(lexed.tokens, names, []).parse()
    return new Evaluator(ast, ctx).evaluate().coerceString()
  }
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      typeof v === 'string'
        ? v.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => evaluate(expr.trim()))
        : String(v)
    ])
  )
}

function eventPayload(event: RunnerEvent, repository: string, serverUrl: string): Record<string, unknown> {
  const [owner, name] = repository.split('/')
  const repo = {
    name,
    full_name: repository,
    owner: { login: owner },
    default_branch: 'main',
    html_url: `${serverUrl}/${repository}`
  }
  if (event.name === 'schedule') return { schedule: event.schedule ?? '17 6 * * 1', repository: repo }
  if (event.name === 'pull_request') {
    const number = event.number ?? 1
    return {
      action: 'synchronize',
      number,
      pull_request: { number, head: { ref: event.head ?? 'topic' }, base: { ref: 'main' } },
      repository: repo,
      sender: { login: 'octocat', type: 'User' }
    }
  }
  return {
    inputs: event.inputs ?? {},
    ref: 'refs/heads/main',
    repository: repo,
    sender: { login: 'octocat', type: 'User' },
    workflow: '.github/workflows/flux-upgrade.yaml'
  }
}

/** Reads the `name<<delimiter` blocks @actions/core writes to GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (m) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
      out[m[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const [k, ...v] = lines[i].split('=')
      out[k] = v.join('=')
    }
  }
  return out
}
