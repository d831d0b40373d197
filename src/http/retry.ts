import { FcuError } from '../errors.js'
import type { Fetch, Logger, Sleep } from '../deps.js'

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number
  /** First backoff; doubles each retry. */
  baseDelayMs: number
  /** A server-requested wait (Retry-After, rate-limit reset) longer than this fails instead of waiting. */
  maxWaitMs: number
  /**
   * A request with no answer after this long is abandoned and not retried: a server that accepts the connection
   * and then stalls for this long is not having a blip, and the run should fail in a bounded time. Default 30 s.
   */
  timeoutMs?: number
}

export const defaultRetryPolicy: Required<RetryPolicy> = {
  attempts: 4,
  baseDelayMs: 1000,
  maxWaitMs: 60_000,
  timeoutMs: 30_000
}

export interface RetryDeps {
  fetch: Fetch
  sleep: Sleep
  log: Logger
  /** Current time in ms, for `x-ratelimit-reset`; injectable so tests can pin it. */
  now?: () => number
  policy?: RetryPolicy
}

/** 5xx, 408 and 429 are worth another try; every other 4xx is a final answer. */
export const isTransientStatus = (status: number): boolean =>
  status >= 500 || status === 408 || status === 429

/**
 * GitHub's advice for a secondary rate limit that names no reset: wait at least a minute.
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
 */
export const secondaryRateLimitWaitMs = 60_000

/**
 * How long the server asked us to wait, in ms, or undefined when it did not. A rate-limit reset counts only when
 * the limit is exhausted (429, or `x-ratelimit-remaining: 0`): every GitHub response carries a reset time.
 */
export function requestedWaitMs(
  res: { status: number; headers: Pick<Headers, 'get'> },
  now: number
): number | undefined {
  const retryAfter = res.headers.get('retry-after')?.trim()
  if (retryAfter) {
    const seconds = Number(retryAfter)
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  const reset = res.headers.get('x-ratelimit-reset')?.trim()
  const remaining = res.headers.get('x-ratelimit-remaining')?.trim()
  if (reset && (res.status === 429 || remaining === '0')) {
    const at = Number(reset) * 1000
    if (Number.isFinite(at)) return Math.max(0, at - now)
  }
  return undefined
}

/**
 * A 403 is a rate limit only when GitHub says so (exhausted quota, Retry-After, or a "secondary rate limit" body);
 * otherwise it is a permission error and retrying it would only burn quota.
 */
async function rateLimitOf(res: Response): Promise<{ limited: boolean; secondary: boolean }> {
  if (res.status !== 403 && res.status !== 429) return { limited: false, secondary: false }
  if (res.headers.get('x-ratelimit-remaining')?.trim() === '0' || res.headers.has('retry-after')) {
    return { limited: true, secondary: false }
  }
  // Read a copy so the caller still gets an unread body when this is a plain permission error.
  const body = await res
    .clone()
    .text()
    .catch(() => '')
  const secondary = /secondary rate limit|abuse detection/i.test(body)
  return { limited: secondary || res.status === 429, secondary }
}

/**
 * A host name that does not resolve (ENOTFOUND; EAI_AGAIN, the resolver giving up) fails the same way a second
 * later: a typo in a URL or a runner without DNS, not a blip worth four attempts.
 */
export function isUnresolvableHost(e: unknown): boolean {
  return causes(e).some(c => {
    const code = (c as { code?: unknown }).code
    return code === 'ENOTFOUND' || code === 'EAI_AGAIN'
  })
}

export const timeoutOf = (policy: RetryPolicy): number => policy.timeoutMs ?? defaultRetryPolicy.timeoutMs

/**
 * An error of ours that a wrapper (fetch, Octokit) nests: a fetch that stops the run says why itself (the run's
 * network budget is spent), and is neither retried nor worded again.
 */
export const ownError = (e: unknown): FcuError | undefined =>
  causes(e).find((c): c is FcuError => c instanceof FcuError)

/** A request that got no HTTP answer is tried again, unless another try is bound to fail the same way. */
export const isWorthRetrying = (e: unknown): boolean =>
  !isUnresolvableHost(e) && !isTimeout(e) && ownError(e) === undefined

/** The failure for a request that got no HTTP answer after `attempts` tries (`what`: "GET <url>"). */
export function networkError(what: string, e: unknown, attempts: number, policy: RetryPolicy): FcuError {
  const own = ownError(e)
  if (own) return own
  if (isTimeout(e)) {
    return new FcuError('network', `${what} got no answer within ${timeoutOf(policy) / 1000} s`, {
      hint: 'The server accepted the connection and then stalled: re-run the job later, or point download-url / releases-api-url at a mirror.',
      cause: e
    })
  }
  if (isUnresolvableHost(e)) {
    return new FcuError('network', `${what} failed: the host name does not resolve (${errorText(e)})`, {
      hint: 'Check the host name in the URL, and that the runner can resolve it (DNS, proxy settings).',
      cause: e
    })
  }
  return new FcuError(
    'network',
    `${what} failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${errorText(e)}`,
    {
      hint: 'Check that the host is reachable from the runner, or point download-url / releases-api-url at a mirror.',
      cause: e
    }
  )
}

/** The error a `deadline` aborts with, wherever fetch or a wrapper nests it. */
export function isTimeout(e: unknown): boolean {
  return causes(e).some(c => (c as { name?: unknown }).name === 'TimeoutError')
}

/** `e` and the errors it was caused by, outermost first (bounded: a cause chain can loop). */
function causes(e: unknown): object[] {
  const out: object[] = []
  for (
    let c = e;
    typeof c === 'object' && c !== null && out.length < 8;
    c = (c as { cause?: unknown }).cause
  ) {
    out.push(c)
  }
  return out
}

/**
 * A signal that aborts with a `TimeoutError` after `ms`; `clear` stops the clock (once the headers are in, for a
 * download whose body may rightly take longer). The timer does not keep the process alive.
 */
export function deadline(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController()
  const timer = setTimeout(
    () =>
      controller.abort(new DOMException(`no answer within ${Math.round(ms / 100) / 10} s`, 'TimeoutError')),
    ms
  )
  timer.unref()
  return { signal: controller.signal, clear: () => clearTimeout(timer) }
}

/** The failure for a rate limit this run does not wait out: the wait is too long, or attempts ran out. */
export function rateLimitError(
  shown: string,
  status: number,
  outcome: { waitMs?: number; now: number; attempts: number; policy: RetryPolicy }
): FcuError {
  const { waitMs, now, attempts, policy } = outcome
  if (waitMs !== undefined && waitMs > policy.maxWaitMs) {
    const reset = new Date(now + waitMs).toISOString().replace(/\.\d{3}Z$/, 'Z')
    return new FcuError(
      'network',
      `${shown} is rate limited (HTTP ${status}) for another ${Math.ceil(waitMs / 1000)} s (until ${reset}), longer than the ${Math.round(policy.maxWaitMs / 1000)} s this run waits`,
      { hint: rateLimitHint }
    )
  }
  return new FcuError(
    'network',
    `${shown} is still rate limited (HTTP ${status}) after ${attempts} attempts`,
    {
      hint: rateLimitHint
    }
  )
}

/** Query parameters that carry credentials on mirrors and signed download URLs. */
const secretParam = /token|signature|sig$|secret|password|passwd|credential|auth|key/i

/** Redacts credentials (user info, secret-looking query values) from a URL before it reaches a log or a message. */
export function redactUrl(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return url
  }
  if (u.username || u.password) {
    u.username = '***'
    u.password = ''
  }
  for (const key of [...new Set(u.searchParams.keys())]) {
    if (secretParam.test(key)) u.searchParams.set(key, '***')
  }
  return u.toString()
}

/**
 * GET with retries on transient failures (5xx, 408, 429, connection errors) and exponential backoff, and waits
 * for rate limits the server says end soon. Returns the final response whatever its status (so callers can turn
 * a 404 into their own message), except for rate limits: a limit that lasts longer than the policy allows, or
 * that is still there after the last attempt, throws, so no caller mistakes a rate-limit 403 for a bad token.
 * Throws too when the network itself failed every time, and at once when the host does not resolve or the server
 * sends no headers within `policy.timeoutMs`.
 */
export async function fetchWithRetry(
  url: string,
  init: { headers?: Record<string, string> },
  deps: RetryDeps
): Promise<Response> {
  const policy = deps.policy ?? defaultRetryPolicy
  const attempts = Math.max(1, Math.floor(policy.attempts))
  const now = deps.now ?? Date.now
  const shown = redactUrl(url)
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const last = attempt === attempts
    const backoff = policy.baseDelayMs * 2 ** (attempt - 1)
    let res: Response
    // The clock runs until the headers are in: a body (a 60 MB calicoctl) may rightly take longer.
    const timer = deadline(timeoutOf(policy))
    try {
      res = await deps.fetch(url, { method: 'GET', headers: init.headers, signal: timer.signal })
    } catch (e) {
      if (last || !isWorthRetrying(e)) throw networkError(`GET ${shown}`, e, attempt, policy)
      deps.log.info(
        `GET ${shown} failed (${errorText(e)}); retrying in ${backoff} ms (attempt ${attempt + 1} of ${attempts})`
      )
      await deps.sleep(backoff)
      continue
    } finally {
      timer.clear()
    }
    const rateLimit = await rateLimitOf(res)
    if (!rateLimit.limited && !isTransientStatus(res.status)) return res
    const asked = requestedWaitMs(res, now()) ?? (rateLimit.secondary ? secondaryRateLimitWaitMs : undefined)
    // A server that asks for a long pause is better answered with a clear failure than a job that hangs.
    if (asked !== undefined && asked > policy.maxWaitMs) {
      await res.body?.cancel()
      if (rateLimit.limited)
        throw rateLimitError(shown, res.status, { waitMs: asked, now: now(), attempts, policy })
      throw new FcuError(
        'network',
        `${shown} is unavailable (HTTP ${res.status}) for another ${Math.ceil(asked / 1000)} s, longer than the ${Math.round(policy.maxWaitMs / 1000)} s this run waits`,
        { hint: 'Re-run the job later, or point download-url / releases-api-url at a mirror.' }
      )
    }
    if (last) {
      if (!rateLimit.limited) return res
      await res.body?.cancel()
      throw rateLimitError(shown, res.status, { now: now(), attempts, policy })
    }
    const delay = asked ?? backoff
    await res.body?.cancel()
    deps.log.info(
      `GET ${shown} answered HTTP ${res.status}; retrying in ${delay} ms (attempt ${attempt + 1} of ${attempts})`
    )
    await deps.sleep(delay)
  }
  throw new FcuError('internal', `GET ${shown}: no attempt was made`)
}

export const rateLimitHint =
  'Authenticate the request (token or releases-token) for a higher limit, or re-run the job after the reset.'

export function errorText(e: unknown): string {
  // Not `instanceof Error`: fetch's errors may come from another realm (a test VM).
  if (typeof e !== 'object' || e === null) return String(e)
  // The innermost cause says most: fetch's "fetch failed" wraps getaddrinfo's ENOTFOUND, Octokit wraps fetch's.
  const chain = causes(e).reverse()
  for (const c of chain) {
    const code = (c as { code?: unknown }).code
    if (typeof code === 'string' && code !== '') return code
  }
  const message = (chain[0] as { message?: unknown }).message
  return typeof message === 'string' && message !== '' ? message : String(e)
}
