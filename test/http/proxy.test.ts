import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { proxyAwareFetch, type ProxyFetch } from '../../src/http/proxy.js'
import { prepareExample } from '../../support/example/prepare.js'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { startCountingProxy, type CountingProxy } from '../../support/proxy.js'
import { ensureNode24 } from '../../support/node24.js'
import { runAction } from '../../support/runner.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { startServer, type LocalServer } from './localServer.js'

/**
 * Behind a proxy, every request the action makes goes through it, by the rules the rest of the Actions toolkit
 * applies: `HTTPS_PROXY` / `HTTP_PROXY` (lower case first), `NO_PROXY` exclusions, loopback always direct. The
 * targets are named `*.example.test` at a local server's port: names that do not resolve, so only a request sent
 * through the proxy (which sends everything to 127.0.0.1) can reach them.
 */
const fixtures = defaultFixturesDir()
const proxyVars = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']

describe('proxyAwareFetch', () => {
  let proxy: CountingProxy
  let server: LocalServer
  let client: ProxyFetch
  let saved: Record<string, string | undefined>
  beforeAll(async () => {
    proxy = await startCountingProxy()
    server = await startServer(req => ({ status: 200, body: `served ${req.path}` }))
  })
  afterAll(async () => {
    await proxy.close()
    await server.close()
  })
  beforeEach(() => {
    saved = Object.fromEntries(proxyVars.map(k => [k, process.env[k]]))
    for (const k of proxyVars) delete process.env[k]
    proxy.requests.length = 0
    server.requests.length = 0
    client = proxyAwareFetch()
  })
  afterEach(async () => {
    await client.close()
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  })

  const port = () => new URL(server.url).port
  const at = (host: string, p: string) => `http://${host}:${port()}${p}`

  it('sends each request through HTTP_PROXY / HTTPS_PROXY, every request of a kept-alive tunnel counted', async () => {
    process.env.HTTP_PROXY = proxy.url
    for (const p of [
      '/api/repos/fluxcd/flux2/releases',
      '/fluxcd/flux2/releases/download/v2.9.3/checksums.txt'
    ]) {
      const res = await client.fetch(at('releases.example.test', p))
      expect(await res.text()).toBe(`served ${p}`)
    }
    expect(proxy.requests.map(r => `${r.method} ${r.host}${r.path}`)).toEqual([
      `GET releases.example.test:${port()}/api/repos/fluxcd/flux2/releases`,
      `GET releases.example.test:${port()}/fluxcd/flux2/releases/download/v2.9.3/checksums.txt`
    ])
    expect(server.requests.map(r => r.headers.host)).toEqual([
      `releases.example.test:${port()}`,
      `releases.example.test:${port()}`
    ])
  })

  it('takes the lower-case variable before the upper-case one, as the runner and the toolkit do', async () => {
    process.env.http_proxy = proxy.url
    process.env.HTTP_PROXY = 'http://127.0.0.1:9'
    await (await client.fetch(at('releases.example.test', '/x'))).text()
    expect(proxy.requests).toHaveLength(1)
  })

  it('sends the credentials of the proxy URL to the proxy only, decoded', async () => {
    const u = new URL(proxy.url)
    process.env.HTTP_PROXY = `http://build%40corp:p%3Ass@${u.host}`
    await (await client.fetch(at('releases.example.test', '/x'))).text()
    expect(proxy.requests[0].proxyAuthorization).toBe(
      `Basic ${Buffer.from('build@corp:p:ss').toString('base64')}`
    )
    expect(server.requests[0].headers['proxy-authorization']).toBeUndefined()
  })

  it.each([
    ['the host', 'releases.example.test'],
    ['host:port', () => `releases.example.test:${port()}`],
    ['a parent domain', 'example.test'],
    ['a leading-dot suffix', '.example.test'],
    ['*', '*'],
    ['one entry of several, spaced', ' other.example.org , releases.example.test ']
  ])('goes direct for a host NO_PROXY names by %s: the proxy sees nothing', async (_what, entry) => {
    process.env.HTTP_PROXY = proxy.url
    process.env.NO_PROXY = typeof entry === 'function' ? entry() : entry
    // Direct, the name does not resolve: the request fails, and not at the proxy.
    await expect(client.fetch(at('releases.example.test', '/x'))).rejects.toThrow()
    expect(proxy.requests).toHaveLength(0)
  })

  it('still proxies a host NO_PROXY does not name (another port, another domain)', async () => {
    process.env.HTTP_PROXY = proxy.url
    process.env.NO_PROXY = 'releases.example.test:1,example.org'
    await (await client.fetch(at('releases.example.test', '/x'))).text()
    expect(proxy.requests).toHaveLength(1)
  })

  it('goes direct to loopback addresses whatever the variables say', async () => {
    process.env.HTTP_PROXY = proxy.url
    expect(await (await client.fetch(`${server.url}/x`)).text()).toBe('served /x')
    expect(proxy.requests).toHaveLength(0)
    expect(server.requests).toHaveLength(1)
  })

  it('uses HTTPS_PROXY for https URLs and HTTP_PROXY for http ones', async () => {
    process.env.HTTPS_PROXY = proxy.url
    // An https URL would go through the proxy; an http one with only HTTPS_PROXY set goes direct and fails here.
    await expect(client.fetch(at('releases.example.test', '/x'))).rejects.toThrow()
    expect(proxy.requests).toHaveLength(0)
  })

  it('goes direct without proxy variables', async () => {
    expect(await (await client.fetch(`${server.url}/y`)).text()).toBe('served /y')
    await expect(client.fetch(at('releases.example.test', '/y'))).rejects.toThrow()
    expect(proxy.requests).toHaveLength(0)
  })
})

describe('one way out', () => {
  // A module calling the global fetch itself would bypass the proxy: every request goes through RunDeps.fetch.
  it('no module but src/http/proxy.ts calls the global fetch', () => {
    const src = path.resolve('src')
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('.ts'))
    const callers = files.filter(f => {
      const text = readFileSync(path.join(src, f), 'utf8')
      const code = text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')
      // A call `fetch(` or `globalThis.fetch`, not a method `.fetch(` or `async fetch(` of an object.
      return /(?<![.\w]|async )fetch\(|globalThis\.fetch\b/.test(code)
    })
    expect(callers).toEqual([path.join('http', 'proxy.ts')])
  })
})

// On the runtime action.yml declares when this machine can have it: undici's proxy agent inside the bundle must work
// with the Node that runs it, not only with the one running the tests.
const node24 = ensureNode24()
const node = 'node' in node24 ? node24.node : process.execPath

describe(`the bundled action behind a proxy, under node ${'node' in node24 ? '24' : process.versions.node}`, () => {
  let proxy: CountingProxy
  let mirror: Mirror
  beforeAll(async () => {
    proxy = await startCountingProxy()
    mirror = await startMirror({ fixturesDir: fixtures })
  })
  afterAll(async () => {
    await proxy.close()
    await mirror.close()
  })

  it('sends the release lists and every download through HTTPS_PROXY / HTTP_PROXY, and nothing around it', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-proxy-'))
    prepareExample(workspace, '2.7.5', fixtures)
    // Names that do not resolve: without the proxy the run fails at its first request.
    const behind = (u: string) => u.replace('127.0.0.1', 'mirror.example.test')
    const run = await runAction({
      workspace,
      node,
      inputs: {
        'dry-run': 'true',
        'releases-api-url': behind(mirror.apiUrl),
        'download-url': behind(mirror.url)
      },
      env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'github.internal.example' }
    })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs['flux-version']).toBe('2.9.3')
    const through = proxy.requests.map(r => r.path)
    expect(through).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/api\/repos\/fluxcd\/flux2\/releases/)])
    )
    expect(through).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /\/fluxcd\/flux2\/releases\/download\/v2\.9\.3\/flux_2\.9\.3_linux_amd64\.tar\.gz$/
        )
      ])
    )
    // Everything the mirror served came through the proxy.
    expect(proxy.requests.length).toBe(mirror.requests.length)
    expect(new Set(mirror.requests.map(r => r.headers.host))).toEqual(
      new Set([`mirror.example.test:${new URL(mirror.url).port}`])
    )
  })
})
