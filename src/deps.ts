import type { Plan } from './plan/plan.js'
import type { Finding } from './errors.js'
import type { Component } from './settings/inputs.js'
import type { RunResult } from './result.js'
import type { RetryDeps } from './http/retry.js'
import type { ToolCache } from './tools/cache.js'
import type { ToolPlatform } from './tools/platform.js'
import type { ToolLookup } from './validate/kustomize-binary.js'

/**
 * The narrow interfaces the engine talks to the world through. `main.ts` and `cli.ts` pass real ones
 * (`src/adapters.ts`); tests pass real local servers or in-memory fakes.
 */

export interface Logger {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
}

export const silentLogger: Logger = { info: () => {}, warning: () => {}, debug: () => {} }

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs a program without a shell; never throws on a non-zero exit (the caller decides). */
export type Exec = (
  file: string,
  args: string[],
  options?: { cwd?: string; env?: Record<string, string>; input?: string }
) => Promise<ExecResult>

export type Sleep = (ms: number) => Promise<void>

/** `fetch` as the engine uses it; tests pass the global one pointed at 127.0.0.1 servers. */
export type Fetch = (
  url: string,
  init?: {
    method?: string
    headers?: Record<string, string>
    body?: string
    redirect?: RequestRedirect
    signal?: AbortSignal
  }
) => Promise<Response>

/**
 * The GitHub REST API at one base URL, with the token chosen for it. The token goes to that API's origin only:
 * never to another host a Link or a redirect points at. Rate limits, retries and timeouts are the client's;
 * what it throws is an `FcuError` (network, rate limit) or a `GitHubApiError` for the caller to word.
 */
export interface GitHubApi {
  /** The API base URL as given: https://api.github.com, https://<host>/api/v3 on GHES, or a mirror. */
  readonly baseUrl: string
  /** Whether requests to this API carry a token. */
  readonly authenticated: boolean
  /**
   * The releases of `owner/repo` as the API gives them (newest first), following `Link: rel="next"` for at most
   * `maxPages` pages of 100; `truncated` when the list went on (or looped) past that.
   */
  listReleases(
    owner: string,
    repo: string,
    options: { maxPages: number }
  ): Promise<{ items: unknown[]; pages: number; truncated: boolean }>
}

/** A client for the API at `baseUrl`, sending `token` (when given) to that API only. */
export type GitHubClientFactory = (baseUrl: string, token?: string) => GitHubApi

/** Why a GitHub API call did not give what was asked for, in terms the caller turns into its own message. */
export type GitHubFailure =
  /** The base URL is not an http(s) URL. */
  | 'bad-base-url'
  /** A final HTTP status: not retried (404, 401, 403 that is no rate limit, ...) or still failing after retries. */
  | 'status'
  /** The connection broke, or the time ran out, while the body was read. */
  | 'broken-body'
  /** The body is not JSON (a login page, a proxy's error page). */
  | 'not-json'
  /** JSON, but not the list the endpoint returns. */
  | 'not-a-list'

export class GitHubApiError extends Error {
  constructor(
    readonly failure: GitHubFailure,
    message: string,
    readonly details: {
      /** The request URL, credentials redacted. */
      url: string
      status?: number
      /** GitHub's `message`, on one line, without the token should a mirror echo it. */
      serverMessage?: string
    },
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'GitHubApiError'
  }
}

/** What a file's path holds, as `lstat` sees it (a symlink is not followed). */
export interface FileStat {
  isFile(): boolean
  isDirectory(): boolean
  isSymbolicLink(): boolean
  /** The filesystem it is on: a rename is atomic only within one. */
  dev: number
  mode: number
}

/**
 * The file operations writing the working tree needs (`src/workspace/transaction.ts`), each one step a crash
 * cannot split. Tests inject failures through it: a disk that fills midway, a process killed between two renames.
 */
export interface Files {
  /** Creates a new file (never an existing one) holding `data` (a text is written as UTF-8). */
  writeFile(file: string, data: string | Uint8Array, mode?: number): Promise<void>
  rename(from: string, to: string): Promise<void>
  link(existing: string, created: string): Promise<void>
  /** Copies a file (with its mode) to a path where nothing is: the backup where hard links are not possible. */
  copy(existing: string, created: string): Promise<void>
  /** The names in a directory; none when it is not there. */
  list(dir: string): Promise<string[]>
  /** Removes a file; nothing when it is not there. */
  remove(file: string): Promise<void>
  mkdir(dir: string): Promise<void>
  rmdir(dir: string): Promise<void>
  /** undefined when nothing is there. */
  lstat(file: string): Promise<FileStat | undefined>
  /** Whether this process may write the file (false for a read-only file, root aside). */
  writable(file: string): Promise<boolean>
}

/** Everything the engine needs from outside; `main.ts` and `cli.ts` pass real ones, tests local servers. */
export interface RunDeps extends RetryDeps {
  exec: Exec
  toolCache: ToolCache
  /**
   * A scratch directory for downloads, migrations and staged writes; removed by the caller. On a runner it is under
   * RUNNER_TEMP, on the workspace's filesystem, so a write staged there is renamed into place atomically and a killed
   * run leaves its temporary files there, not in the workspace.
   */
  tempDir: string
  /** Writing the working tree; the real filesystem when absent. */
  files?: Files
  platform: ToolPlatform
  /** `GITHUB_API_URL` of the run: the run token goes to this API only. */
  runApiUrl?: string
  /** Finds a program on PATH (kustomize, kubectl); absent means none is used. */
  which?: ToolLookup
  /** The GitHub API clients: release lists now, pull requests next. */
  github: GitHubClientFactory
  /**
   * Publishes a validated plan (branches and pull requests), recording them in `result.pullRequests`. Absent (the
   * CLI): outside dry-run nothing is written.
   */
  publish?: (plan: Plan, result: RunResult, findingsOf: FindingsOf) => Promise<void>
}

/** The validation findings of the repository with these components' changes: what one pull request merges. */
export type FindingsOf = (components: readonly Component[]) => Finding[]
