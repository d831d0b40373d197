import { afterEach, describe, expect, it } from '@jest/globals'
import { GitHubApiError } from '../../src/deps.js'
import { FcuError } from '../../src/errors.js'
import { githubClients, githubOctokit } from '../../src/github/client.js'
import { defaultRetryPolicy, type RetryPolicy } from '../../src/http/retry.js'
import {
  json,
  retryDeps,
  startServer,
  type LocalServer,
  type Reply,
  type SeenRequest
} from '../http/localServer.js'

const token = 'ghp_clientTokenValue0123456789'
const now = 1_700_000_000_000
const release = (tag: string) => ({ tag_name: tag, draft: false, prerelease: false })

let servers: LocalServer[] = []
afterEach(async () => {
  await Promise.all(servers.map(s => s.close()))
  servers = []
})
const serve = async (reply: (req: SeenRequest, index: number) => Reply) => {
  const s = await startServer(reply)
  servers.push(s)
  return s
}
/** Serves the replies in order; the last one repeats. */
const serveInOrder = (...replies: Reply[]) => serve((_req, i) => replies[Math.min(i, replies.length - 1)])

function client(baseUrl: string, options: { token?: string; policy?: Partial<RetryPolicy> } = {}) {
  const deps = { ...retryDeps(now), policy: { ...defaultRetryPolicy, ...options.policy } }
  return { api: githubClients(deps)(baseUrl, options.token), deps }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err
  )
  if (!(e instanceof Error)) throw new Error(`expected a rejection, got ${String(e)}`)
  return e
}

/** Everything a failure left for a user to read: message, hint, cause, and the log. */
const visible = (e: Error, lines: string[]) =>
  [
    e.message,
    e instanceof FcuError ? (e.hint ?? '') : '',
    String((e.cause as Error | undefined)?.message),
    ...lines
  ].join('\n')

const list = (api: ReturnType<typeof client>['api']) => api.listReleases('fluxcd', 'flux2', { maxPages: 20 })

describe('the GitHub client (Octokit with the retry and throttling plugins)', () => {
  it('says whether it authenticates, and sends the token only to its own API', async () => {
    const s = await serveInOrder(json(200, [release('v2.9.3')]))
    const withToken = client(s.url, { token })
    const anonymous = client(s.url, { token: '  ' })
    expect(withToken.api.authenticated).toBe(true)
    expect(anonymous.api.authenticated).toBe(false)
    await list(withToken.api)
    await list(anonymous.api)
    expect(s.requests.map(r => r.headers.authorization)).toEqual([`Bearer ${token}`, undefined])
  })

  it('retries 5xx answers with backoff through the injected sleep, then succeeds', async () => {
    const s = await serveInOrder({ status: 502 }, { status: 503 }, json(200, [release('v2.9.3')]))
    const { api, deps } = client(s.url, { token })
    const page = await list(api)
    expect(page.items).toEqual([release('v2.9.3')])
    expect(s.requests).toHaveLength(3)
    expect(deps.slept).toEqual([1000, 2000])
    expect(deps.log.lines.filter(l => l.includes('retrying'))).toEqual([
      `info: GET ${s.url}/repos/fluxcd/flux2/releases?per_page=100&page=1 answered HTTP 502; retrying in 1000 ms (attempt 2 of 4)`,
      `info: GET ${s.url}/repos/fluxcd/flux2/releases?per_page=100&page=1 answered HTTP 503; retrying in 2000 ms (attempt 3 of 4)`
    ])
  })

  it('gives up after the last attempt with the status for the caller to word, and no token anywhere', async () => {
    const s = await serve(req => json(500, { message: `boom for ${String(req.headers.authorization)}` }))
    const { api, deps } = client(s.url, { token })
    const e = await rejection(list(api))
    expect(e).toBeInstanceOf(GitHubApiError)
    expect((e as GitHubApiError).details).toMatchObject({ status: 500, serverMessage: 'boom for Bearer ***' })
    expect(s.requests).toHaveLength(4)
    expect(deps.slept).toEqual([1000, 2000, 4000])
    expect(visible(e, deps.log.lines)).not.toContain(token)
  })

  it.each([404, 409, 422])('does not retry a %i', async status => {
    const s = await serveInOrder(json(status, { message: 'no' }), json(200, []))
    const { api, deps } = client(s.url)
    const e = await rejection(list(api))
    expect((e as GitHubApiError).details.status).toBe(status)
    expect(s.requests).toHaveLength(1)
    expect(deps.slept).toEqual([])
  })

  it('honours a short Retry-After on a 503', async () => {
    const s = await serveInOrder({ status: 503, headers: { 'retry-after': '7' } }, json(200, []))
    const { api, deps } = client(s.url)
    await list(api)
    expect(deps.slept).toEqual([7000])
  })

  it('does not retry a host that does not resolve', async () => {
    const { api, deps } = client('http://releases.fcu-test.invalid/api', { token })
    const e = await rejection(list(api))
    expect(e).toBeInstanceOf(FcuError)
    expect(e.message).toMatch(
      /^GET http:\/\/releases\.fcu-test\.invalid\/api\/repos\/fluxcd\/flux2\/releases\?per_page=100&page=1 failed: the host name does not resolve \((ENOTFOUND|EAI_AGAIN)\)$/
    )
    expect(deps.slept).toEqual([])
    expect(deps.log.lines.filter(l => l.includes('retrying'))).toEqual([])
  })

  it('abandons a server that accepts the connection and never answers, without retrying it', async () => {
    const s = await serveInOrder('stall')
    const { api, deps } = client(s.url, { policy: { timeoutMs: 200 } })
    const started = Date.now()
    const e = await rejection(list(api))
    expect(Date.now() - started).toBeLessThan(5000)
    expect(e).toBeInstanceOf(FcuError)
    expect(e.message).toMatch(/got no answer within 0\.2 s$/)
    expect(s.requests).toHaveLength(1)
    expect(deps.slept).toEqual([])
  })

  it('abandons a body that stops halfway', async () => {
    const s = await serveInOrder('stall-body')
    const { api } = client(s.url, { policy: { timeoutMs: 200 } })
    const e = await rejection(list(api))
    expect(e).toBeInstanceOf(GitHubApiError)
    expect((e as GitHubApiError).failure).toBe('broken-body')
    expect(e.message).toMatch(/the body did not arrive within 0\.2 s/)
  })

  describe('rate limits, through the throttling plugin', () => {
    const primary = (resetInSeconds: number): Reply =>
      json(
        403,
        { message: 'API rate limit exceeded for 203.0.113.7.' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + resetInSeconds) }
      )
    const secondary = (status: number, headers: Record<string, string> = {}): Reply =>
      json(
        status,
        { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' },
        headers
      )

    it('waits for a primary limit that resets within 60 s, once, then lists', async () => {
      const s = await serveInOrder(primary(42), json(200, [release('v2.9.3')]))
      const { api, deps } = client(s.url, { token })
      expect((await list(api)).items).toHaveLength(1)
      expect(s.requests).toHaveLength(2)
      expect(deps.slept).toEqual([42_000])
      expect(deps.log.lines.join('\n')).toMatch(/rate limited \(HTTP 403\); waiting 42 s for the reset/)
    })

    it('fails at once, naming the reset time, when the limit lasts longer than 60 s', async () => {
      const s = await serveInOrder(primary(600), json(200, []))
      const { api, deps } = client(s.url, { token })
      const e = await rejection(list(api))
      expect(e).toBeInstanceOf(FcuError)
      expect(e.message).toMatch(
        /is rate limited \(HTTP 403\) for another 600 s \(until 2023-11-14T22:23:20Z\), longer than the 60 s this run waits$/
      )
      expect((e as FcuError).hint).toMatch(/releases-token/)
      expect(s.requests).toHaveLength(1)
      expect(deps.slept).toEqual([])
      expect(visible(e, deps.log.lines)).not.toContain(token)
    })

    it.each([403, 429])(
      'waits the Retry-After of a secondary limit (HTTP %i), without retrying it as a 5xx',
      async status => {
        const s = await serveInOrder(secondary(status, { 'retry-after': '30' }), json(200, []))
        const { api, deps } = client(s.url)
        await list(api)
        expect(s.requests).toHaveLength(2)
        expect(deps.slept).toEqual([30_000])
      }
    )

    it('waits a minute on a secondary limit that names no time, as GitHub asks', async () => {
      const s = await serveInOrder(secondary(403), json(200, []))
      const { api, deps } = client(s.url)
      await list(api)
      expect(deps.slept).toEqual([60_000])
    })

    it('stops after four attempts when the limit does not lift', async () => {
      const s = await serveInOrder(primary(1))
      const { api, deps } = client(s.url)
      const e = await rejection(list(api))
      expect(e.message).toMatch(/is still rate limited \(HTTP 403\) after 4 attempts$/)
      expect(s.requests).toHaveLength(4)
      expect(deps.slept).toEqual([1000, 1000, 1000])
    })

    it('gives a 5xx after a waited-out limit its own retries', async () => {
      const s = await serveInOrder(primary(2), { status: 500 }, json(200, []))
      const { api, deps } = client(s.url)
      await list(api)
      expect(s.requests).toHaveLength(3)
      expect(deps.slept).toEqual([2000, 1000])
    })

    it('retries a 429 that names no limit (a mirror) after its Retry-After, as a transient answer', async () => {
      const s = await serveInOrder({ status: 429, headers: { 'retry-after': '3' } }, json(200, []))
      const { api, deps } = client(s.url)
      await list(api)
      expect(s.requests).toHaveLength(2)
      expect(deps.slept).toEqual([3000])
    })

    it('treats a 403 without rate-limit signs as a refusal, once', async () => {
      const s = await serveInOrder(json(403, { message: 'Resource not accessible by integration' }))
      const { api, deps } = client(s.url, { token })
      const e = await rejection(list(api))
      expect((e as GitHubApiError).details).toMatchObject({ status: 403 })
      expect(s.requests).toHaveLength(1)
      expect(deps.slept).toEqual([])
    })
  })
})

describe('the shared Octokit, as publishing uses it', () => {
  const octokit = (baseUrl: string) => {
    const deps = retryDeps(now)
    return { octokit: githubOctokit(baseUrl, token, deps), deps }
  }
  const createLabel = (o: ReturnType<typeof octokit>['octokit'], name: string) =>
    o.rest.issues.createLabel({ owner: 'example-org', repo: 'fleet', name })

  it('sends writes one at a time, a second apart, waiting through the injected sleep', async () => {
    const s = await serve(() => json(201, {}))
    const { octokit: o, deps } = octokit(s.url)
    await Promise.all(['a', 'b', 'c'].map(name => createLabel(o, name)))
    await o.rest.repos.get({ owner: 'example-org', repo: 'fleet' })
    expect(s.requests.map(r => r.method)).toEqual(['POST', 'POST', 'POST', 'GET'])
    // The clock stands still here, so each write after the first waits the whole second; the read waits not at all.
    expect(deps.slept).toEqual([1000, 1000])
    expect(s.requests.every(r => r.headers.authorization === `Bearer ${token}`)).toBe(true)
  })

  it('retries a write that got a 5xx, and not one that got a 4xx', async () => {
    const s = await serveInOrder({ status: 502 }, json(201, {}), json(422, { message: 'Validation Failed' }))
    const { octokit: o, deps } = octokit(s.url)
    await createLabel(o, 'a')
    expect(deps.log.lines.filter(l => l.includes('retrying'))).toEqual([
      `info: POST ${s.url}/repos/example-org/fleet/labels answered HTTP 502; retrying in 1000 ms (attempt 2 of 4)`
    ])
    await expect(createLabel(o, 'b')).rejects.toMatchObject({ status: 422 })
    expect(s.requests).toHaveLength(3)
  })

  it('waits out a secondary rate limit on a write through the injected sleep', async () => {
    const s = await serveInOrder(
      json(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' }),
      json(201, {})
    )
    const { octokit: o, deps } = octokit(s.url)
    await createLabel(o, 'a')
    expect(s.requests).toHaveLength(2)
    expect(deps.slept).toContain(60_000)
  })
})
