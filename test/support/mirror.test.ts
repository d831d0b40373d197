import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import * as path from 'node:path'
import { gunzipSync } from 'node:zlib'
import * as tar from 'tar'
import { defaultFixturesDir, standinScript } from '../../support/standins/index.js'
import { defaultReleases, startMirror, type Mirror } from '../../support/mirror/server.js'
import { fixturesDir as fixtures } from '../helpers/fixtures.js'

const describeIfFixtures = existsSync(fixtures) ? describe : describe.skip
if (!existsSync(fixtures)) console.warn(`${fixtures} is absent: raw manifest tests are skipped`)

const FLUX = '/fluxcd/flux2/releases/download'
const CALICO = '/projectcalico/calico/releases/download'
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

let mirror: Mirror
afterEach(() => mirror?.close())

async function get(p: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${mirror.url}${p}`, { headers })
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) }
}

function sums(text: Buffer): Map<string, string> {
  return new Map(
    text
      .toString('utf8')
      .trim()
      .split('\n')
      .map(l => l.split(/ +/) as [string, string])
      .map(([hash, name]) => [name, hash])
  )
}

interface Entry {
  path: string
  type: string
  mode: number
  content: string
}

async function entries(archive: Buffer): Promise<Entry[]> {
  const found: Entry[] = []
  const reads: Promise<void>[] = []
  await new Promise<void>((resolve, reject) => {
    const parser = new tar.Parser({
      strict: true,
      onReadEntry: entry => {
        const chunks: Buffer[] = []
        reads.push(
          new Promise(done => {
            entry.on('data', (c: Buffer) => chunks.push(c))
            entry.on('end', () => {
              found.push({
                path: entry.path,
                type: entry.type,
                mode: entry.mode ?? 0,
                content: Buffer.concat(chunks).toString()
              })
              done()
            })
          })
        )
      }
    })
    parser.on('error', reject)
    parser.on('end', () => resolve())
    parser.end(archive)
  })
  await Promise.all(reads)
  return found
}

describe('release API', () => {
  beforeEach(async () => {
    mirror = await startMirror({ fixturesDir: null })
  })

  it('pages the flux releases newest first, with Link headers GitHub-style', async () => {
    const tags: string[] = []
    let next: string | undefined = `${mirror.apiUrl}/repos/fluxcd/flux2/releases?per_page=4`
    let pages = 0
    while (next) {
      const res: Response = await fetch(next)
      expect(res.status).toBe(200)
      const page = (await res.json()) as { tag_name: string; draft: boolean; prerelease: boolean }[]
      expect(page.length).toBeLessThanOrEqual(4)
      tags.push(...page.map(r => r.tag_name))
      const link: string = res.headers.get('link') ?? ''
      if (pages === 0) expect(link).toMatch(/rel="last"/)
      next = /<([^>]+)>; rel="next"/.exec(link)?.[1]
      pages++
    }
    const expected = [...defaultReleases.flux]
      .sort((a, b) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? ''))
      .map(r => r.tag)
    expect(tags).toEqual(expected)
    expect(pages).toBe(Math.ceil(expected.length / 4))
    expect(tags).toEqual(expect.arrayContaining(['v2.2.2', 'v2.9.3', 'v2.10.0-rc.1']))
  })

  it('describes drafts, prereleases and assets of a release', async () => {
    const res = await fetch(`${mirror.apiUrl}/repos/fluxcd/flux2/releases?per_page=100`)
    expect(res.headers.get('link')).toBeNull()
    const all = (await res.json()) as {
      tag_name: string
      draft: boolean
      prerelease: boolean
      assets: { name: string; browser_download_url: string }[]
    }[]
    expect(all.filter(r => r.draft).map(r => r.tag_name)).toEqual(['v2.10.0'])
    expect(all.filter(r => r.prerelease).map(r => r.tag_name)).toEqual(['v2.10.0-rc.1'])
    const v293 = all.find(r => r.tag_name === 'v2.9.3')!
    expect(v293.assets.map(a => a.name)).toContain('flux_2.9.3_checksums.txt')
    const archive = v293.assets.find(a => a.name === 'flux_2.9.3_darwin_arm64.tar.gz')!
    expect((await fetch(archive.browser_download_url)).status).toBe(200)
  })

  it('lists the Calico releases including the non-semver tags', async () => {
    const res = await fetch(`${mirror.apiUrl}/repos/projectcalico/calico/releases`)
    const tags = ((await res.json()) as { tag_name: string }[]).map(r => r.tag_name)
    expect(new Set(tags)).toEqual(new Set(defaultReleases.calico.map(r => r.tag)))
    expect(tags).toContain('v3.10.0-calicoctl')
  })

  it('serves configured release lists', async () => {
    await mirror.close()
    mirror = await startMirror({
      fixturesDir: null,
      releases: { flux: ['v2.4.0', { tag: 'v2.5.0', draft: true }] }
    })
    const res = await fetch(`${mirror.apiUrl}/repos/fluxcd/flux2/releases`)
    const list = (await res.json()) as { tag_name: string; draft: boolean }[]
    expect(list.map(r => [r.tag_name, r.draft])).toEqual(
      expect.arrayContaining([
        ['v2.4.0', false],
        ['v2.5.0', true]
      ])
    )
    expect((await get(`${FLUX}/v2.9.3/flux_2.9.3_linux_amd64.tar.gz`)).status).toBe(404)
    expect((await get(`${FLUX}/v2.5.0/flux_2.5.0_linux_amd64.tar.gz`)).status).toBe(404)
    expect((await get(`${FLUX}/v2.4.0/flux_2.4.0_linux_amd64.tar.gz`)).status).toBe(200)
  })

  it('answers 404 for unknown repositories and paths', async () => {
    expect((await get('/api/repos/kubernetes/kubernetes/releases')).status).toBe(404)
    expect((await get('/nothing/here')).status).toBe(404)
    expect((await get(`${FLUX}/v2.9.3/flux_2.9.3_windows_amd64.zip`)).status).toBe(404)
  })
})

describe('release assets', () => {
  beforeEach(async () => {
    mirror = await startMirror({ fixturesDir: '/fixtures/here' })
  })

  it('builds each flux archive as one executable flux stand-in, listed in the checksum file', async () => {
    const list = sums((await get(`${FLUX}/v2.8.3/flux_2.8.3_checksums.txt`)).body)
    const platforms = ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64']
    expect([...list.keys()].sort()).toEqual(platforms.map(p => `flux_2.8.3_${p}.tar.gz`).sort())
    const hashes = new Set<string>()
    for (const p of platforms) {
      const res = await get(`${FLUX}/v2.8.3/flux_2.8.3_${p}.tar.gz`)
      expect(res.status).toBe(200)
      expect(sha256(res.body)).toBe(list.get(`flux_2.8.3_${p}.tar.gz`))
      hashes.add(sha256(res.body))
      const [entry, ...rest] = await entries(res.body)
      expect(rest).toEqual([])
      expect(entry.path).toBe('flux')
      expect(entry.type).toBe('File')
      expect(entry.mode & 0o777).toBe(0o755)
      expect(entry.content.startsWith(standinScript('flux', '2.8.3', '/fixtures/here'))).toBe(true)
    }
    expect(hashes.size).toBe(4)
  })

  it('serves calicoctl binaries and SHA256SUMS', async () => {
    const list = sums((await get(`${CALICO}/v3.30.7/SHA256SUMS`)).body)
    expect(list.size).toBe(4)
    const res = await get(`${CALICO}/v3.30.7/calicoctl-darwin-amd64`)
    expect(sha256(res.body)).toBe(list.get('calicoctl-darwin-amd64'))
    expect(res.body.toString().startsWith(standinScript('calicoctl', '3.30.7', '/fixtures/here'))).toBe(true)
  })

  it('has no SHA256SUMS for a Calico release configured without one, and no assets for drafts', async () => {
    await mirror.close()
    mirror = await startMirror({
      fixturesDir: null,
      releases: {
        calico: [
          { tag: 'v3.21.5', checksums: false },
          { tag: 'v3.32.0', draft: true }
        ]
      }
    })
    expect((await get(`${CALICO}/v3.21.5/SHA256SUMS`)).status).toBe(404)
    expect((await get(`${CALICO}/v3.21.5/calicoctl-linux-amd64`)).status).toBe(200)
    expect((await get(`${CALICO}/v3.32.0/calicoctl-linux-amd64`)).status).toBe(404)
  })

  it('records every request with its headers', async () => {
    await get(`${CALICO}/v3.30.7/SHA256SUMS?x=1`, { authorization: 'Bearer not-a-real-token' })
    await get('/missing')
    expect(mirror.requests.map(r => [r.method, r.path])).toEqual([
      ['GET', `${CALICO}/v3.30.7/SHA256SUMS?x=1`],
      ['GET', '/missing']
    ])
    expect(mirror.requests[0].headers.authorization).toBe('Bearer not-a-real-token')
    expect(mirror.requests[1].headers.authorization).toBeUndefined()
  })
})

describeIfFixtures('raw Calico manifests', () => {
  beforeEach(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
  })

  it('serves a manifest from the fixtures at its tag', async () => {
    const res = await get('/projectcalico/calico/raw/v3.30.7/manifests/calico.yaml')
    expect(res.status).toBe(200)
    expect(res.body.equals(readFileSync(path.join(fixtures, 'calico/v3.30.7/calico.yaml')))).toBe(true)
  })

  it('answers 404 for a manifest or version the fixtures lack, and for paths out of the version', async () => {
    expect((await get('/projectcalico/calico/raw/v3.30.7/manifests/calico-typha.yaml')).status).toBe(404)
    expect((await get('/projectcalico/calico/raw/v3.0.0/manifests/calico.yaml')).status).toBe(404)
    expect((await get('/projectcalico/calico/raw/v3.30.7/manifests/..%2F..%2FREADME.md')).status).toBe(404)
  })

  it('uses the shared fixtures by default', () => {
    expect(defaultFixturesDir()).toBe(fixtures)
  })
})

describe('faults', () => {
  const archive = `${FLUX}/v2.9.3/flux_2.9.3_linux_amd64.tar.gz`
  const checksums = `${FLUX}/v2.9.3/flux_2.9.3_checksums.txt`

  beforeEach(async () => {
    mirror = await startMirror({ fixturesDir: null })
  })

  it('answers the injected statuses in order, then serves normally', async () => {
    mirror.fault(archive, { kind: 'status', statuses: [503, 429], headers: { 'retry-after': '7' } })
    const first = await get(archive)
    const second = await get(archive)
    const third = await get(archive)
    expect([first.status, second.status, third.status]).toEqual([503, 429, 200])
    expect(second.headers.get('retry-after')).toBe('7')
    expect(sha256(third.body)).toBe(sums((await get(checksums)).body).get('flux_2.9.3_linux_amd64.tar.gz'))
  })

  it('corrupts the body but keeps the checksum of the original', async () => {
    const original = (await get(archive)).body
    mirror.fault(archive, { kind: 'corrupt' })
    const corrupt = (await get(archive)).body
    expect(corrupt.length).toBe(original.length)
    expect(corrupt.equals(original)).toBe(false)
    expect(sums((await get(checksums)).body).get('flux_2.9.3_linux_amd64.tar.gz')).toBe(sha256(original))
  })

  it('truncates a body under its full Content-Length once', async () => {
    const full = (await get(archive)).body
    mirror.fault(archive, { kind: 'truncate' })
    const seen = await new Promise<{ length: number; received: number; aborted: boolean }>(
      (resolve, reject) => {
        request(`${mirror.url}${archive}`, res => {
          let received = 0
          res.on('data', (c: Buffer) => (received += c.length))
          res.on('error', () => {})
          res.on('close', () =>
            resolve({ length: Number(res.headers['content-length']), received, aborted: !res.complete })
          )
        })
          .on('error', reject)
          .end()
      }
    )
    expect(seen).toEqual({ length: full.length, received: Math.floor(full.length / 2), aborted: true })
    expect((await get(archive)).body.equals(full)).toBe(true)
  })

  it('serves a truncated archive whose checksum matches it', async () => {
    mirror.fault(archive, { kind: 'truncated-archive' })
    const served = (await get(archive)).body
    expect(sums((await get(checksums)).body).get('flux_2.9.3_linux_amd64.tar.gz')).toBe(sha256(served))
    expect(() => gunzipSync(served)).toThrow()
  })

  it('leaves an asset out of the checksum file', async () => {
    mirror.fault(archive, { kind: 'omit-checksum' })
    const list = sums((await get(checksums)).body)
    expect(list.has('flux_2.9.3_linux_amd64.tar.gz')).toBe(false)
    expect(list.size).toBe(3)
    expect((await get(archive)).status).toBe(200)
  })

  it('resets the connection once', async () => {
    mirror.fault(archive, { kind: 'reset' })
    await expect(fetch(`${mirror.url}${archive}`)).rejects.toThrow()
    expect((await get(archive)).status).toBe(200)
    expect(mirror.requests.filter(r => r.path === archive)).toHaveLength(2)
  })
})
