import { GitHub } from '@actions/github/lib/utils'
import type { Octokit } from '@octokit/core'
import { retry } from '@octokit/plugin-retry'
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling'
import { FcuError } from '../errors.js'
import { GitHubApiError, type Fetch, type GitHubApi, type GitHubClientFactory, type Logger } from '../deps.js'
import {
  deadline,
  defaultRetryPolicy,
  errorText,
  isTimeout,
  isTransientStatus,
  isWorthRetrying,
  networkError,
  rateLimitError,
  redactUrl,
  requestedWaitMs,
  secondaryRateLimitWaitMs,
  timeoutOf,
  type RetryDeps,
  type RetryPolicy
} from '../http/retry.js'
import { nextLink } from './link.js'
import { pushAll } from '../arrays.js'

/**
 * The real GitHub client: Octokit from `@actions/github` with the retry and throttling plugins. The plugins decide
 * when a request is sent again; how long to wait, and whether to try at all, is this module's rule (the same
 * policy as `fetchWithRetry`), and the waits go through the injected `sleep`, so tests never wait for real: both
 * plugins are told to wait 0 ms themselves, and the throttling plugin's spacing of writes (real timers) is replaced
 * by this module's, on the same sleep.
 */

/** The configured Octokit: REST methods with the retries, rate-limit waits and write spacing of this module. */
export type GitHubOctokit = InstanceType<typeof GitHub>

/**
 * The Octokit of the shared client, for callers that need the REST API beyond `GitHubApi` (pull requests). The
 * token rule is the same: it goes to `baseUrl`'s origin only.
 */
export const githubOctokit = (baseUrl: string, token: string | undefined, deps: RetryDeps): GitHubOctokit =>
  new OctokitClient(baseUrl, token?.trim() || undefined, deps).octokit()

/**
 * GitHub asks for mutating requests to be made one at a time, at least a second apart, to stay clear of its
 * secondary rate limits.
 * https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#avoid-concurrent-requests
 */
const writeSpacingMs = 1000

/**
 * Stands in for the throttling plugin's limiter groups for writes and notifications, which space requests on real
 * timers: the spacing is `OctokitClient.inWriteTurn`'s. The plugin still handles the rate-limit answers.
 */
const unspaced = {
  key: () => ({ schedule: (_options: unknown, task: () => Promise<unknown>) => task() })
} as unknown as NonNullable<Extract<ThrottlingOptions, { onRateLimit: unknown }>['write']>

/** What every request carries: the REST API's media type and version, as GitHub documents them. */
const apiHeaders = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' }

const userAgent = 'flux-crs-upgrade'

/** One client per API base URL and token; the deps are the run's (or a test's). */
export const githubClients =
  (deps: RetryDeps): GitHubClientFactory =>
  (baseUrl, token) =>
    new OctokitClient(baseUrl, token?.trim() || undefined, deps)

/** An Octokit error as `@octokit/request` throws it: a status, and a response when the server answered. */
interface OctokitFailure extends Error {
  status: number
  request: { url: string }
  response?: { url: string; status: number; headers: Record<string, unknown>; data: unknown }
}

const isOctokitFailure = (e: unknown): e is OctokitFailure =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as { status?: unknown }).status === 'number' &&
  'request' in e

/** The request options object Octokit hands every hook of one call, the same across its retries. */
interface HookOptions {
  method: string
  url: string
  headers: Record<string, string>
  request: { retries?: number; parseSuccessResponseBody?: boolean }
}

/**
 * Told apart as the throttling plugin does, so that it is the one to handle exactly these: a primary limit has no
 * requests left, a secondary one says so in its message.
 */
function rateLimitOf(e: OctokitFailure): 'primary' | 'secondary' | undefined {
  if (e.status !== 403 && e.status !== 429) return undefined
  if (/\bsecondary rate\b/i.test(e.message)) return 'secondary'
  return e.response?.headers['x-ratelimit-remaining'] === '0' ? 'primary' : undefined
}

const responseOf = (e: OctokitFailure) => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(e.response?.headers ?? {})) {
    if (value !== undefined) headers.set(name, String(value))
  }
  return { status: e.status, headers }
}

class OctokitClient implements GitHubApi {
  readonly authenticated: boolean
  private readonly policy: RetryPolicy
  private readonly now: () => number
  private octokitInstance?: InstanceType<typeof GitHub>
  /** Attempts made in the current round of retries, per call. */
  private readonly attempts = new WeakMap<object, number>()
  /** The last rate-limit answer of a call, for the throttling handlers (which are given the call, not the answer). */
  private readonly limited = new WeakMap<object, OctokitFailure>()
  /** The last write's turn: writes go one at a time. */
  private writeQueue: Promise<unknown> = Promise.resolve()
  private lastWriteAt = -Infinity

  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly deps: RetryDeps
  ) {
    this.authenticated = token !== undefined
    this.policy = deps.policy ?? defaultRetryPolicy
    this.now = deps.now ?? Date.now
  }

  async listReleases(
    owner: string,
    repo: string,
    options: { maxPages: number }
  ): Promise<{ items: unknown[]; pages: number; truncated: boolean }> {
    const base = this.base()
    const first = new URL(`${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/releases`)
    first.searchParams.set('per_page', '100')
    first.searchParams.set('page', '1')
    const items: unknown[] = []
    const seen = new Set<string>()
    let next: string | undefined = first.toString()
    let pages = 0
    while (next !== undefined) {
      if (pages >= options.maxPages || seen.has(next)) return { items, pages, truncated: true }
      seen.add(next)
      pages++
      const url: string = next
      const page = await this.getJson(url)
      if (!Array.isArray(page.body)) {
        throw new GitHubApiError('not-a-list', `${redactUrl(url)} answered something other than a list`, {
          url: redactUrl(url)
        })
      }
      pushAll(items, page.body as unknown[])
      next = nextLink(page.link, url)
    }
    return { items, pages, truncated: false }
  }

  /** GET `url` (absolute) and its body as JSON, read here so a body cut short is told from one that is not JSON. */
  private async getJson(url: string): Promise<{ body: unknown; link?: string }> {
    const shown = redactUrl(url)
    let res: { headers: Record<string, unknown>; data: unknown }
    try {
      res = await this.octokit().request({
        method: 'GET',
        url,
        request: { parseSuccessResponseBody: false }
      })
    } catch (e) {
      throw this.failure(e, shown)
    }
    let text: string
    try {
      text = await new Response(res.data as ReadableStream<Uint8Array> | null).text()
    } catch (e) {
      const why = isTimeout(e)
        ? `the body did not arrive within ${timeoutOf(this.policy) / 1000} s`
        : errorText(e)
      throw new GitHubApiError(
        'broken-body',
        `the connection broke while reading ${shown} (${why})`,
        {
          url: shown
        },
        { cause: e }
      )
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (e) {
      throw new GitHubApiError('not-json', `${shown} did not answer with JSON`, { url: shown }, { cause: e })
    }
    const link = res.headers.link
    return { body, ...(typeof link === 'string' ? { link } : {}) }
  }

  /** What a call that failed for good throws: rate limits and network failures worded here, statuses for the caller. */
  private failure(e: unknown, shown: string): Error {
    if (!isOctokitFailure(e)) return e instanceof Error ? e : new Error(String(e))
    if (!e.response) {
      return networkError(`GET ${shown}`, e, isWorthRetrying(e) ? this.policy.attempts : 1, this.policy)
    }
    if (rateLimitOf(e) !== undefined || e.status === 429) {
      return rateLimitError(shown, e.status, {
        waitMs: this.limitWaitMs(e),
        now: this.now(),
        attempts: this.policy.attempts,
        policy: this.policy
      })
    }
    const serverMessage = this.serverMessage(e.response.data)
    return new GitHubApiError(
      'status',
      `${shown} answered HTTP ${e.status}${serverMessage ? `: ${serverMessage}` : ''}`,
      { url: shown, status: e.status, ...(serverMessage ? { serverMessage } : {}) }
    )
  }

  /** GitHub's `{"message": ...}`, one line, short, and without the token should a mirror echo it. */
  private serverMessage(data: unknown): string | undefined {
    const message =
      typeof data === 'object' && data !== null ? (data as { message?: unknown }).message : undefined
    if (typeof message !== 'string' || message.trim() === '') return undefined
    const scrubbed = this.token ? message.split(this.token).join('***') : message
    const oneLine = scrubbed.replace(/\s+/g, ' ').trim()
    return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine
  }

  /** How long a rate-limited answer asks to wait, by the same rule as `fetchWithRetry` and on the injected clock. */
  private limitWaitMs(e: OctokitFailure): number | undefined {
    return (
      requestedWaitMs(responseOf(e), this.now()) ??
      (rateLimitOf(e) === 'secondary' ? secondaryRateLimitWaitMs : undefined)
    )
  }

  /** The API base URL without a trailing slash; a bad one fails the first call, as the caller words it. */
  private base(): string {
    let u: URL | undefined
    try {
      u = new URL(this.baseUrl.trim())
    } catch {
      u = undefined
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) {
      throw new GitHubApiError('bad-base-url', `"${redactUrl(this.baseUrl)}" is not an http(s) URL`, {
        url: redactUrl(this.baseUrl)
      })
    }
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`
  }

  octokit(): GitHubOctokit {
    if (this.octokitInstance) return this.octokitInstance
    const base = this.base()
    const Client = GitHub.plugin(this.attemptPolicy, retry, throttling)
    const onLimit = this.onRateLimit.bind(this)
    this.octokitInstance = new Client({
      baseUrl: base,
      userAgent,
      log: octokitLog(this.deps.log),
      request: { fetch: this.fetchFor(new URL(base).origin) },
      // The plugins only count and re-send; the waits are ours (see attemptPolicy and onRateLimit).
      retry: { retries: this.policy.attempts - 1, retryAfterBaseValue: 0 },
      throttle: {
        retryAfterBaseValue: 0,
        onRateLimit: onLimit,
        onSecondaryRateLimit: onLimit,
        write: unspaced,
        notifications: unspaced
      }
    })
    return this.octokitInstance
  }

  /**
   * The injected fetch with this API's token on requests to its own origin only (a Link or redirect to another
   * host goes without it; fetch itself drops Authorization on a cross-origin redirect), and a deadline that covers
   * the body too: a page of releases is small.
   */
  private fetchFor(apiOrigin: string): Fetch {
    return (url, init = {}) => {
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(init.headers ?? {})) {
        if (name.toLowerCase() !== 'authorization') headers[name] = value
      }
      if (this.token && new URL(url).origin === apiOrigin) headers.authorization = `Bearer ${this.token}`
      const timeout = deadline(timeoutOf(this.policy)).signal
      return this.deps.fetch(url, {
        ...init,
        headers,
        signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout
      })
    }
  }

  /**
   * An Octokit plugin, applied before the retry plugin so that its hook sees each attempt first: it vetoes what
   * must not be sent again (a final status, a host that does not resolve, a server that stalled, a rate limit the
   * throttling plugin handles) by setting the call's `retries` to 0, and waits before what will be. (The retry
   * plugin reads `retries` from the call for the statuses it would retry; the others it never retries.)
   */
  private readonly attemptPolicy = (octokit: Octokit) => {
    octokit.hook.wrap('request', async (send, endpoint) => {
      const options = endpoint as unknown as HookOptions
      const request = send as unknown as (options: HookOptions) => ReturnType<typeof send>
      Object.assign(options.headers, apiHeaders)
      const attempt = (this.attempts.get(options) ?? 0) + 1
      this.attempts.set(options, attempt)
      try {
        const response =
          options.method === 'GET' || options.method === 'HEAD'
            ? await request(options)
            : await this.inWriteTurn(async () => request(options))
        // Octokit hands back the text of a JSON answer it cannot parse (a proxy's page, a body cut short): callers
        // would read fields of a string. (No Content has no body to parse.)
        if (
          typeof response.data === 'string' &&
          response.status !== 204 &&
          response.status !== 205 &&
          options.request.parseSuccessResponseBody !== false
        ) {
          throw new FcuError(
            'network',
            `${options.method} ${redactUrl(response.url)} answered HTTP ${response.status} with a body that is not JSON`,
            {
              hint: 'Another server (a proxy, a login page) answered for the API, or the connection broke off: check GITHUB_API_URL and re-run the job.'
            }
          )
        }
        return response
      } catch (e) {
        if (!isOctokitFailure(e)) throw e
        if (rateLimitOf(e) !== undefined) {
          this.limited.set(options, e)
          options.request.retries = 0
          throw e
        }
        const delay = attempt < this.policy.attempts ? this.retryDelay(e, attempt) : undefined
        if (delay === undefined) {
          options.request.retries = 0
          // No answer at all (a stall, a reset, DNS): Octokit would call it "HTTP 500: Unknown Error".
          if (!e.response)
            throw networkError(`${options.method} ${redactUrl(e.request.url)}`, e, attempt, this.policy)
          throw e
        }
        const what = e.response ? `answered HTTP ${e.status}` : `failed (${errorText(e.cause ?? e)})`
        this.deps.log.info(
          `${options.method} ${redactUrl(e.request.url)} ${what}; retrying in ${delay} ms (attempt ${attempt + 1} of ${this.policy.attempts})`
        )
        await this.deps.sleep(delay)
        throw e
      }
    })
  }

  /** Runs `send` once the previous write has finished and at least `writeSpacingMs` after it started. */
  private inWriteTurn<T>(send: () => Promise<T>): Promise<T> {
    const turn = this.writeQueue.then(async () => {
      const wait = this.lastWriteAt + writeSpacingMs - this.now()
      if (wait > 0) await this.deps.sleep(wait)
      this.lastWriteAt = this.now()
      return send()
    })
    this.writeQueue = turn.catch(() => undefined)
    return turn
  }

  /** The wait before another try, or undefined when there is to be none. */
  private retryDelay(e: OctokitFailure, attempt: number): number | undefined {
    const backoff = this.policy.baseDelayMs * 2 ** (attempt - 1)
    if (!e.response) return isWorthRetrying(e) ? backoff : undefined
    if (!isTransientStatus(e.status)) return undefined
    const asked = requestedWaitMs(responseOf(e), this.now())
    // A server that asks for a long pause is better answered with a clear failure than a job that hangs.
    if (asked !== undefined && asked > this.policy.maxWaitMs) return undefined
    return asked ?? backoff
  }

  /**
   * The throttling plugin's handler for both kinds of limit: wait (through the injected sleep) when the reset is
   * near and attempts remain, else give up and let `failure` word it.
   */
  private async onRateLimit(
    retryAfterSeconds: number,
    options: object,
    _octokit: unknown,
    retryCount: number
  ): Promise<boolean> {
    const e = this.limited.get(options)
    const waitMs = (e && this.limitWaitMs(e)) ?? retryAfterSeconds * 1000
    if (waitMs > this.policy.maxWaitMs || retryCount + 1 >= this.policy.attempts) return false
    this.deps.log.info(
      `${(options as HookOptions).method} ${redactUrl(e?.request.url ?? (options as HookOptions).url)} is rate limited (HTTP ${e?.status ?? 403}); waiting ${Math.ceil(waitMs / 1000)} s for the reset (attempt ${retryCount + 2} of ${this.policy.attempts})`
    )
    await this.deps.sleep(waitMs)
    // After the wait, a fresh round: a 5xx that follows gets its own retries.
    this.attempts.delete(options)
    delete (options as HookOptions).request.retries
    return true
  }
}

/** Octokit's own log lines (deprecations, plugin trouble) go to the run's log, at no louder level. */
function octokitLog(log: Logger) {
  return {
    debug: (m: string) => log.debug(m),
    info: (m: string) => log.debug(m),
    warn: (m: string) => log.warning(m),
    error: (m: string) => log.warning(m)
  }
}
