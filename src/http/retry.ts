import { FcuError } from '../errors.js'
import type { Fetch, Logger, Sleep } from '../deps.js'

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number
  /** First backoff; doubles each retry. */
  baseDelayMs: number
  /** A server-requested wait (Retry-After, rate-limit reset) longer than this fails instead of waiting. */
  maxWaitMs: number
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxWaitMs: 60_000 }

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
export function requestedWaitMs(res: Response, now: number): number | undefined {
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
 * Throws too when the network itself failed every time.
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
  let lastError: unknown
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const last = attempt === attempts
    const backoff = policy.baseDelayMs * 2 ** (attempt - 1)
    let res: Response
    try {
      res = await deps.fetch(url, { method: 'GET', headers: init.headers })
    } catch (e) {
      lastError = e
      if (last) break
      deps.log.info(
        `GET ${shown} failed (${errorText(e)}); retrying in ${backoff} ms (attempt ${attempt + 1} of ${attempts})`
      )
      await deps.sleep(backoff)
      continue
    }
    const rateLimit = await rateLimitOf(res)
    if (!rateLimit.limited && !isTransientStatus(res.status)) return res
    const asked = requestedWaitMs(res, now()) ?? (rateLimit.secondary ? secondaryRateLimitWaitMs : undefined)
    // A server that asks for a long pause is better answered with a clear failure than a job that hangs.
    if (asked !== undefined && asked > policy.maxWaitMs) {
      await res.body?.cancel()
      throw new FcuError(
        'network',
        `${shown} ${rateLimit.limited ? 'is rate limited' : 'is unavailable'} (HTTP ${res.status}) for another ${Math.ceil(asked / 1000)} s, longer than the ${Math.round(policy.maxWaitMs / 1000)} s this run waits`,
        {
          hint: rateLimit.limited
            ? rateLimitHint
            : 'Re-run the job later, or point download-url / releases-api-url at a mirror.'
        }
      )
    }
    if (last) {
      if (!rateLimit.limited) return res
      await res.body?.cancel()
      throw new FcuError(
        'network',
        `${shown} is still rate limited (HTTP ${res.status}) after ${attempts} attempts`,
        {
          hint: rateLimitHint
        }
      )
    }
    const delay = asked ?? backoff
    await res.body?.cancel()
    deps.log.info(
      `GET ${shown} answered HTTP ${res.status}; retrying in ${delay} ms (attempt ${attempt + 1} of ${attempts})`
    )
    await deps.sleep(delay)
  }
  throw new FcuError('network', `GET ${shown} failed after ${attempts} attempts: ${errorText(lastError)}`, {
    hint: 'Check that the host is reachable from the runner, or point download-url / releases-api-url at a mirror.',
    cause: lastError
  })
}

const rateLimitHint =
  'Authenticate the request (token or releases-token) for a higher limit, or re-run the job after the reset.'

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause
    return cause?.code ?? cause?.message ?? e.message
  }
  return String(e)
}
