import { afterEach, describe, expect, it } from '@jest/globals'
import { FcuError } from '../../src/errors.js'
import { githubClients } from '../../src/github/client.js'
import { listReleases, maxReleasePages } from '../../src/versions/releases.js'
import { resolveVersion } from '../../src/versions/select.js'
import {
  json,
  retryDeps,
  startServer,
  type LocalServer,
  type Reply,
  type SeenRequest
} from '../http/localServer.js'
import { rejection } from '../helpers/errors.js'

const token = 'ghp_secretTokenValue0123456789'
const now = 1_700_000_000_000

const apiRelease = (tag: string, extra: Record<string, unknown> = {}) => ({
  tag_name: tag,
  name: tag,
  draft: false,
  prerelease: false,
  published_at: '2026-01-01T00:00:00Z',
  assets: [],
  ...extra
})

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

/** Everything a failing call left behind that a user could read. */
const visibleText = (e: FcuError, lines: string[]) =>
  [
    e.message,
    e.hint ?? '',
    e.cause instanceof Error ? e.cause.message : String(e.cause ?? ''),
    ...lines
  ].join('\n')

/** The release list through the real client, as the engine wires it. */
const list = (repo: string, api: { baseUrl: string; token?: string }, deps = retryDeps(now)) =>
  listReleases(repo, githubClients(deps)(api.baseUrl, api.token), deps.log)

describe('listReleases', () => {
  it('follows Link rel="next" over three pages, in order, as GitHub paginates', async () => {
    const pages = [
      [apiRelease('v2.9.3'), apiRelease('v2.9.2')],
      [apiRelease('v2.9.1'), apiRelease('v2.9.0', { prerelease: true })],
      [apiRelease('v2.8.6', { draft: true, published_at: null })]
    ]
    const s = await serve(req => {
      const page = Number(new URL(req.path, 'http://x').searchParams.get('page'))
      const link = (p: number, rel: string) =>
        `<${s.url}/repositories/1234/releases?per_page=100&page=${p}>; rel="${rel}"`
      const links = [
        page > 1 ? link(page - 1, 'prev') : undefined,
        page < 3 ? link(page + 1, 'next') : undefined,
        link(3, 'last'),
        link(1, 'first')
      ].filter(Boolean)
      return json(200, pages[page - 1], { link: links.join(', ') })
    })

    const releases = await list('fluxcd/flux2', { baseUrl: s.url }, retryDeps(now))

    expect(s.requests.map(r => r.path)).toEqual([
      '/repos/fluxcd/flux2/releases?per_page=100&page=1',
      '/repositories/1234/releases?per_page=100&page=2',
      '/repositories/1234/releases?per_page=100&page=3'
    ])
    expect(releases).toEqual([
      { tag: 'v2.9.3', draft: false, prerelease: false, publishedAt: '2026-01-01T00:00:00Z' },
      { tag: 'v2.9.2', draft: false, prerelease: false, publishedAt: '2026-01-01T00:00:00Z' },
      { tag: 'v2.9.1', draft: false, prerelease: false, publishedAt: '2026-01-01T00:00:00Z' },
      { tag: 'v2.9.0', draft: false, prerelease: true, publishedAt: '2026-01-01T00:00:00Z' },
      { tag: 'v2.8.6', draft: true, prerelease: false }
    ])
  })

  it('keeps the path of a GHES API base URL', async () => {
    const s = await serve(() => json(200, [apiRelease('v3.31.3')]))
    await list('projectcalico/calico', { baseUrl: `${s.url}/api/v3/` }, retryDeps(now))
    expect(s.requests.map(r => r.path)).toEqual([
      '/api/v3/repos/projectcalico/calico/releases?per_page=100&page=1'
    ])
  })

  it('sends the GitHub API headers, and Authorization only when given a token', async () => {
    const s = await serve(() => json(200, []))
    await list('fluxcd/flux2', { baseUrl: s.url, token }, retryDeps(now))
    await list('fluxcd/flux2', { baseUrl: s.url }, retryDeps(now))
    const [withToken, anonymous] = s.requests
    for (const r of [withToken, anonymous]) {
      expect(r.method).toBe('GET')
      expect(r.headers.accept).toBe('application/vnd.github+json')
      expect(r.headers['x-github-api-version']).toBe('2022-11-28')
      expect(r.headers['user-agent']).toMatch(/^flux-crs-upgrade /)
    }
    expect(withToken.headers.authorization).toBe(`Bearer ${token}`)
    expect(anonymous.headers.authorization).toBeUndefined()
  })

  it('does not send the token to another host a Link points at', async () => {
    const elsewhere = await serve(() => json(200, [apiRelease('v2.9.0')]))
    const api = await serve(() =>
      json(200, [apiRelease('v2.9.1')], {
        link: `<${elsewhere.url.replace('127.0.0.1', 'localhost')}/page2>; rel="next"`
      })
    )
    const releases = await list('fluxcd/flux2', { baseUrl: api.url, token }, retryDeps(now))
    expect(releases.map(r => r.tag)).toEqual(['v2.9.1', 'v2.9.0'])
    expect(api.requests[0].headers.authorization).toBe(`Bearer ${token}`)
    expect(elsewhere.requests).toHaveLength(1)
    expect(elsewhere.requests[0].headers.authorization).toBeUndefined()
  })

  it('does not carry the token across a redirect to another host', async () => {
    const elsewhere = await serve(() => json(200, [apiRelease('v2.9.3')]))
    const api = await serve(() => ({
      status: 302,
      headers: { location: `${elsewhere.url.replace('127.0.0.1', 'localhost')}/moved` }
    }))
    const releases = await list('fluxcd/flux2', { baseUrl: api.url, token }, retryDeps(now))
    expect(releases.map(r => r.tag)).toEqual(['v2.9.3'])
    expect(api.requests[0].headers.authorization).toBe(`Bearer ${token}`)
    expect(elsewhere.requests[0].headers.authorization).toBeUndefined()
  })

  it(`stops after ${maxReleasePages} pages of a Link that never ends, and warns`, async () => {
    const s = await serve(req => {
      const page = Number(new URL(req.path, 'http://x').searchParams.get('page'))
      return json(200, [apiRelease(`v1.0.${page}`)], { link: `<${s.url}/r?page=${page + 1}>; rel="next"` })
    })
    const deps = retryDeps(now)
    const releases = await list('fluxcd/flux2', { baseUrl: s.url }, deps)
    expect(s.requests).toHaveLength(maxReleasePages)
    expect(releases).toHaveLength(maxReleasePages)
    expect(deps.log.lines.filter(l => l.startsWith('warning:')).join('\n')).toMatch(
      /stopped listing releases after 20 pages/
    )
  })

  it('feeds resolveVersion: latest is the highest stable semver whatever the page order', async () => {
    const s = await serve((_req, i) =>
      i === 0
        ? json(
            200,
            [
              apiRelease('v3.34.0-0.dev'),
              apiRelease('v3.10.0-calicoctl'),
              apiRelease('v3.32.0', { draft: true }),
              apiRelease('v3.29.8')
            ],
            { link: `<${s.url}/p2>; rel="next"` }
          )
        : json(200, [apiRelease('v3.31.3'), apiRelease('v3.30.7')])
    )
    const releases = await list('projectcalico/calico', { baseUrl: s.url }, retryDeps(now))
    const r = resolveVersion({ kind: 'latest' }, releases, { component: 'calico', input: 'calico-version' })
    expect(r).toMatchObject({ version: '3.31.3', tag: 'v3.31.3' })
  })

  it('turns a 404 into a version error about releases-api-url, without retrying', async () => {
    const s = await serve(() => json(404, { message: 'Not Found' }))
    const deps = retryDeps(now)
    const e = await rejection(list('fluxcd/flux2', { baseUrl: `${s.url}/wrong`, token }, deps))
    expect(e.code).toBe('version')
    expect(e.location).toEqual({ input: 'releases-api-url' })
    expect(e.message).toContain('fluxcd/flux2')
    expect(e.message).toContain(`${s.url}/wrong/repos/fluxcd/flux2/releases`)
    expect(e.hint).toMatch(/releases-api-url/)
    expect(s.requests).toHaveLength(1)
    expect(deps.slept).toEqual([])
    expect(visibleText(e, deps.log.lines)).not.toContain(token)
  })

  it.each([401, 403])('turns a %i into a network error about the token, never showing it', async status => {
    // A careless mirror that echoes the credentials back must not leak them either.
    const s = await serve(req =>
      json(status, { message: `Bad credentials: ${String(req.headers.authorization)}` })
    )
    const deps = retryDeps(now)
    const e = await rejection(list('fluxcd/flux2', { baseUrl: s.url, token }, deps))
    expect(e.code).toBe('network')
    expect(e.location).toEqual({ input: 'releases-api-url' })
    expect(e.message).toContain(`HTTP ${status}`)
    expect(e.message).toContain('Bad credentials')
    expect(e.hint).toMatch(/token/)
    expect(s.requests).toHaveLength(1)
    expect(visibleText(e, deps.log.lines)).not.toContain(token)
  })

  it('waits for a short rate-limit reset, then lists the releases', async () => {
    const s = await serve((_req, i) =>
      i === 0
        ? json(
            403,
            { message: 'API rate limit exceeded for 203.0.113.7.' },
            { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 5) }
          )
        : json(200, [apiRelease('v2.9.3')])
    )
    const deps = retryDeps(now)
    const releases = await list('fluxcd/flux2', { baseUrl: s.url, token }, deps)
    expect(releases.map(r => r.tag)).toEqual(['v2.9.3'])
    expect(deps.slept).toEqual([5000])
    expect(s.requests).toHaveLength(2)
    expect(deps.log.lines.join('\n')).not.toContain(token)
  })

  it('fails with a rate-limit message, not a token complaint, when the reset is far off', async () => {
    const s = await serve(() =>
      json(
        403,
        { message: 'API rate limit exceeded for 203.0.113.7.' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 3000) }
      )
    )
    const deps = retryDeps(now)
    const e = await rejection(list('fluxcd/flux2', { baseUrl: s.url }, deps))
    expect(e.code).toBe('network')
    expect(e.message).toMatch(/rate limited \(HTTP 403\) for another 3000 s/)
    expect(e.hint).toMatch(/releases-token/)
    expect(deps.slept).toEqual([])
  })

  it('retries a 500 and a reset connection, then succeeds', async () => {
    const s = await serve((_req, i) =>
      i === 0 ? { status: 500 } : i === 1 ? 'reset' : json(200, [apiRelease('v2.9.3')])
    )
    const deps = retryDeps(now)
    const releases = await list('fluxcd/flux2', { baseUrl: s.url }, deps)
    expect(releases.map(r => r.tag)).toEqual(['v2.9.3'])
    expect(s.requests).toHaveLength(3)
    expect(deps.slept).toEqual([1000, 2000])
  })

  it('says so when the URL answers with a web page instead of the API', async () => {
    const s = await serve(() => ({
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html>login</html>'
    }))
    const e = await rejection(list('fluxcd/flux2', { baseUrl: s.url }, retryDeps(now)))
    expect(e.code).toBe('network')
    expect(e.message).toMatch(/did not answer with JSON/)
    expect(e.hint).toMatch(/api\/v3/)
  })

  it('rejects a base URL that is not a URL, naming releases-api-url', async () => {
    const e = await rejection(list('fluxcd/flux2', { baseUrl: 'api.github.com' }, retryDeps(now)))
    expect(e.code).toBe('input')
    expect(e.location).toEqual({ input: 'releases-api-url' })
  })
})
