import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import { FcuError } from '../../src/errors.js'
import {
  fetchWithRetry,
  isTransientStatus,
  redactUrl,
  requestedWaitMs,
  secondaryRateLimitWaitMs,
  type RetryPolicy
} from '../../src/http/retry.js'
import { json, retryDeps, startServer, type LocalServer, type Reply } from './localServer.js'

const now = 1_700_000_000_000
const nowSeconds = now / 1000
const response = (status: number, headers: Record<string, string> = {}) =>
  new Response(null, { status, headers })

describe('requestedWaitMs', () => {
  it('reads Retry-After in seconds', () => {
    expect(requestedWaitMs(response(429, { 'retry-after': '2' }), now)).toBe(2000)
  })

  it('reads Retry-After as an HTTP date, relative to now', () => {
    const at = new Date(now + 30_000).toUTCString()
    expect(requestedWaitMs(response(503, { 'retry-after': at }), now)).toBe(30_000)
  })

  it('reads x-ratelimit-reset (epoch seconds) when the quota is exhausted', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(nowSeconds + 7) }
    expect(requestedWaitMs(response(403, headers), now)).toBe(7000)
  })

  it('reads x-ratelimit-reset on a 429 even without x-ratelimit-remaining', () => {
    expect(requestedWaitMs(response(429, { 'x-ratelimit-reset': String(nowSeconds + 3) }), now)).toBe(3000)
  })

  it('ignores the reset time GitHub sends on every response while quota remains', () => {
    const headers = { 'x-ratelimit-remaining': '42', 'x-ratelimit-reset': String(nowSeconds + 600) }
    expect(requestedWaitMs(response(403, headers), now)).toBeUndefined()
  })

  it('never asks for a negative wait when the reset is already past', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(nowSeconds - 10) }
    expect(requestedWaitMs(response(403, headers), now)).toBe(0)
  })

  it('treats a blank or unreadable Retry-After as absent', () => {
    expect(requestedWaitMs(response(503, { 'retry-after': ' ' }), now)).toBeUndefined()
    expect(requestedWaitMs(response(503, { 'retry-after': 'soon' }), now)).toBeUndefined()
  })

  it('is undefined when the server asked for nothing', () => {
    expect(requestedWaitMs(response(500), now)).toBeUndefined()
  })
})

describe('isTransientStatus', () => {
  it.each([500, 502, 503, 504, 408, 429])('retries %i', status => {
    expect(isTransientStatus(status)).toBe(true)
  })

  it.each([200, 301, 400, 401, 403, 404, 410, 422])('does not retry %i', status => {
    expect(isTransientStatus(status)).toBe(false)
  })
})

describe('redactUrl', () => {
  it('hides user info', () => {
    const shown = redactUrl('https://user:s3cr3t@mirror.example/releases')
    expect(shown).not.toContain('s3cr3t')
    expect(shown).not.toContain('user')
    expect(shown).toContain('mirror.example/releases')
  })

  it('hides secret-looking query values and keeps the others', () => {
    const shown = redactUrl(
      'https://objects.example/a.tar.gz?X-Amz-Signature=abc123&access_token=tok456&page=2'
    )
    expect(shown).not.toContain('abc123')
    expect(shown).not.toContain('tok456')
    expect(shown).toContain('page=2')
  })

  it('leaves a URL without credentials as it was', () => {
    expect(redactUrl('https://api.github.com/repos/fluxcd/flux2/releases?per_page=100&page=1')).toBe(
      'https://api.github.com/repos/fluxcd/flux2/releases?per_page=100&page=1'
    )
  })

  it('returns text that is not a URL unchanged', () => {
    expect(redactUrl('not a url')).toBe('not a url')
  })
})

describe('fetchWithRetry against a local server', () => {
  let server: LocalServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  /** Serves the replies in order; the last one repeats. */
  const serve = async (...replies: Reply[]) => {
    server = await startServer((_req, i) => replies[Math.min(i, replies.length - 1)])
    return server
  }
  const policy: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxWaitMs: 60_000, timeoutMs: 30_000 }

  it('retries a 500 and returns the 200 that follows', async () => {
    const s = await serve({ status: 500 }, json(200, { ok: true }))
    const deps = retryDeps(now)
    const res = await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
    expect(s.requests).toHaveLength(2)
    expect(deps.slept).toEqual([1000])
  })

  it('backs off exponentially and returns the last 5xx when every attempt fails', async () => {
    const s = await serve({ status: 502 })
    const deps = retryDeps(now)
    const res = await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy })
    expect(res.status).toBe(502)
    expect(s.requests).toHaveLength(4)
    expect(deps.slept).toEqual([1000, 2000, 4000])
  })

  it('does not retry a 404', async () => {
    const s = await serve({ status: 404 }, json(200, {}))
    const deps = retryDeps(now)
    const res = await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy })
    expect(res.status).toBe(404)
    expect(s.requests).toHaveLength(1)
    expect(deps.slept).toEqual([])
  })

  it('does not retry a 403 that is a permission error, and leaves its body readable', async () => {
    const s = await serve(json(403, { message: 'Resource not accessible by integration' }))
    const deps = retryDeps(now)
    const res = await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ message: 'Resource not accessible by integration' })
    expect(s.requests).toHaveLength(1)
  })

  it('retries a connection the server resets', async () => {
    const s = await serve('reset', json(200, { ok: true }))
    const deps = retryDeps(now)
    const res = await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy })
    expect(res.status).toBe(200)
    expect(s.requests).toHaveLength(2)
    expect(deps.slept).toEqual([1000])
  })

  it('fails with a network error naming the URL when every connection is reset', async () => {
    const s = await serve('reset')
    const deps = retryDeps(now)
    const error = await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FcuError)
    expect((error as FcuError).code).toBe('network')
    expect((error as FcuError).message).toContain(`${s.url}/x`)
    expect((error as FcuError).message).toContain('4 attempts')
    expect(s.requests).toHaveLength(4)
  })

  it('waits until x-ratelimit-reset on a rate-limited 403, then succeeds', async () => {
    const limited = json(
      403,
      { message: 'API rate limit exceeded' },
      {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(nowSeconds + 12)
      }
    )
    const s = await serve(limited, json(200, []))
    const deps = retryDeps(now)
    const res = await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy })
    expect(res.status).toBe(200)
    expect(deps.slept).toEqual([12_000])
  })

  it('fails at once, with a clear message, when the rate limit resets later than the run waits', async () => {
    const limited = json(
      403,
      { message: 'API rate limit exceeded' },
      {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(nowSeconds + 1800)
      }
    )
    const s = await serve(limited, json(200, []))
    const deps = retryDeps(now)
    const error = (await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy }).catch(
      (e: unknown) => e
    )) as FcuError
    expect(error).toBeInstanceOf(FcuError)
    expect(error.code).toBe('network')
    expect(error.message).toMatch(
      /rate limited \(HTTP 403\) for another 1800 s \(until 2023-11-14T22:43:20Z\), longer than the 60 s/
    )
    expect(error.hint).toMatch(/releases-token/)
    expect(s.requests).toHaveLength(1)
    expect(deps.slept).toEqual([])
  })

  it('waits Retry-After seconds on a 429', async () => {
    const s = await serve({ status: 429, headers: { 'retry-after': '2' } }, json(200, []))
    const deps = retryDeps(now)
    const res = await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy })
    expect(res.status).toBe(200)
    expect(deps.slept).toEqual([2000])
  })

  it('waits a minute on a secondary rate limit that names no reset, as GitHub asks', async () => {
    const secondary = json(403, {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes.'
    })
    const s = await serve(secondary, json(200, []))
    const deps = retryDeps(now)
    const res = await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy })
    expect(res.status).toBe(200)
    expect(deps.slept).toEqual([secondaryRateLimitWaitMs])
  })

  it('throws instead of handing back a 403 when the rate limit outlasts every attempt', async () => {
    const s = await serve({ status: 429, headers: { 'retry-after': '1' } })
    const deps = retryDeps(now)
    const error = (await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy }).catch(
      (e: unknown) => e
    )) as FcuError
    expect(error).toBeInstanceOf(FcuError)
    expect(error.message).toMatch(/still rate limited \(HTTP 429\) after 4 attempts/)
    expect(s.requests).toHaveLength(4)
    expect(deps.slept).toEqual([1000, 1000, 1000])
  })

  it('does not sleep for an hour because a 503 asked it to', async () => {
    const s = await serve({ status: 503, headers: { 'retry-after': '3600' } }, json(200, []))
    const deps = retryDeps(now)
    const error = (await fetchWithRetry(`${s.url}/x`, {}, { ...deps, policy }).catch(
      (e: unknown) => e
    )) as FcuError
    expect(error).toBeInstanceOf(FcuError)
    expect(error.message).toMatch(/unavailable \(HTTP 503\) for another 3600 s/)
    expect(deps.slept).toEqual([])
  })

  it('sends the caller headers and never logs credentials from the URL', async () => {
    const s = await serve({ status: 500 }, json(200, []))
    const deps = retryDeps(now)
    const url = `${s.url}/x?access_token=tok-in-url`
    await fetchWithRetry(url, { headers: { 'X-Probe': 'yes' } }, { ...deps, policy })
    expect(s.requests.map(r => r.headers['x-probe'])).toEqual(['yes', 'yes'])
    expect(deps.log.lines.length).toBeGreaterThan(0)
    expect(deps.log.lines.join('\n')).not.toContain('tok-in-url')
  })

  it('does not retry a host that does not resolve', async () => {
    const deps = retryDeps(now)
    const error = (await fetchWithRetry(
      'http://assets.fcu-test.invalid/flux.tar.gz',
      {},
      { ...deps, policy }
    ).catch((e: unknown) => e)) as FcuError
    expect(error).toBeInstanceOf(FcuError)
    expect(error.message).toMatch(
      /^GET http:\/\/assets\.fcu-test\.invalid\/flux\.tar\.gz failed: the host name does not resolve \((ENOTFOUND|EAI_AGAIN)\)$/
    )
    expect(deps.slept).toEqual([])
    expect(deps.log.lines).toEqual([])
  })

  it('abandons a server that sends no headers within the timeout, without retrying it', async () => {
    const s = await serve('stall')
    const deps = retryDeps(now)
    const error = (await fetchWithRetry(
      `${s.url}/x`,
      {},
      { ...deps, policy: { ...policy, timeoutMs: 200 } }
    ).catch((e: unknown) => e)) as FcuError
    expect(error).toBeInstanceOf(FcuError)
    expect(error.message).toBe(`GET ${s.url}/x got no answer within 0.2 s`)
    expect(s.requests).toHaveLength(1)
    expect(deps.slept).toEqual([])
  })

  it('lets a body take longer than the timeout once the headers are in (a large download)', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.write('first ')
      setTimeout(() => res.end('and last'), 400)
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const res = await fetchWithRetry(
        `http://127.0.0.1:${port}/big`,
        {},
        {
          ...retryDeps(now),
          policy: { ...policy, timeoutMs: 200 }
        }
      )
      expect(await res.text()).toBe('first and last')
    } finally {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  })
})
