/**
 * A local stand-in for github.com and api.github.com as the engine sees them: release lists, release assets
 * (flux archives, calicoctl binaries and their checksum files, all built from the stand-in scripts) and raw Calico
 * manifests from the shared fixtures. Tests and the demo point `download-url` / `releases-api-url` at it, and
 * inject faults per path to exercise retries and verification.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import * as tar from 'tar'
import { defaultFixturesDir, standinScript } from '../standins/index.js'

export interface ReleaseSpec {
  /** The git tag, e.g. `v2.9.3`. */
  tag: string
  draft?: boolean
  prerelease?: boolean
  /** ISO date; the API lists releases newest first by it, as GitHub does. */
  publishedAt?: string
  /** Calico only: false for a release without SHA256SUMS (Calico attached one from 2022 on). */
  checksums?: boolean
}

export interface MirrorOptions {
  /** Served as raw Calico manifests and passed to the stand-ins; default `defaultFixturesDir()`. */
  fixturesDir?: string | null
  releases?: { flux?: (string | ReleaseSpec)[]; calico?: (string | ReleaseSpec)[] }
  /** Default 0 (any free port). */
  port?: number
}

export type Fault =
  /** Answer these statuses first (one per request), then serve normally. */
  | { kind: 'status'; statuses: number[]; headers?: Record<string, string> }
  /** Serve the body with bytes flipped, while the checksum file still lists the original. */
  | { kind: 'corrupt' }
  /** Once: send half the body under the full Content-Length, then drop the connection. */
  | { kind: 'truncate' }
  /** Serve a truncated archive and a checksum file that matches it, so only extraction can tell. */
  | { kind: 'truncated-archive' }
  /** Leave this asset's line out of its release's checksum file. */
  | { kind: 'omit-checksum' }
  /** Once: drop the connection without answering. */
  | { kind: 'reset' }
  /** Accept the request and never answer (until the mirror closes). */
  | { kind: 'stall' }
  /** Answer with this body instead (a proxy's login page, a cut-off JSON list). */
  | { kind: 'body'; status?: number; body: string; contentType?: string }

export interface MirrorRequest {
  method: string
  /** Path and query, as sent. */
  path: string
  headers: IncomingHttpHeaders
}

export interface Mirror {
  /** For `download-url`. */
  url: string
  /** For `releases-api-url`. */
  apiUrl: string
  /** Every request received, in order. */
  requests: MirrorRequest[]
  close(): Promise<void>
  /** Injects a fault for one exact path (no query); replaces an earlier fault on that path. */
  fault(path: string, fault: Fault): void
}

const PLATFORMS = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' }
] as const

/**
 * Dates are invented. The older Calico minors are patched after the newest one (as upstream does), so picking the
 * latest release by date instead of by version gives the wrong answer; the noise tags must be skipped too.
 */
export const defaultReleases: { flux: ReleaseSpec[]; calico: ReleaseSpec[] } = {
  flux: [
    { tag: 'v2.2.2', publishedAt: '2023-12-12T10:00:00Z' },
    { tag: 'v2.3.0', publishedAt: '2024-05-13T10:00:00Z' },
    { tag: 'v2.4.0', publishedAt: '2024-09-30T10:00:00Z' },
    { tag: 'v2.5.1', publishedAt: '2025-02-25T10:00:00Z' },
    { tag: 'v2.7.5', publishedAt: '2025-11-20T10:00:00Z' },
    { tag: 'v2.8.3', publishedAt: '2026-03-10T10:00:00Z' },
    { tag: 'v2.9.3', publishedAt: '2026-06-02T10:00:00Z' },
    { tag: 'v2.10.0-rc.1', prerelease: true, publishedAt: '2026-06-20T10:00:00Z' },
    { tag: 'v2.10.0', draft: true, publishedAt: '2026-06-25T10:00:00Z' }
  ],
  calico: [
    { tag: 'v3.10.0-calicoctl', publishedAt: '2019-10-29T10:00:00Z' },
    { tag: 'v3.21.5', publishedAt: '2022-05-10T10:00:00Z' },
    { tag: 'v3.26.4', publishedAt: '2023-11-20T10:00:00Z' },
    { tag: 'v3.28.2', publishedAt: '2024-09-18T10:00:00Z' },
    { tag: 'v3.31.7', publishedAt: '2026-04-01T10:00:00Z' },
    { tag: 'v3.30.7', publishedAt: '2026-04-08T10:00:00Z' },
    { tag: 'v3.29.7', publishedAt: '2026-04-15T10:00:00Z' },
    { tag: 'v3.34.0-0.dev', publishedAt: '2026-04-20T10:00:00Z' }
  ]
}

const REPOS = { flux: 'fluxcd/flux2', calico: 'projectcalico/calico' } as const
type Repo = keyof typeof REPOS

const FLUX_ASSET = /^\/fluxcd\/flux2\/releases\/download\/v([^/]+)\/([^/]+)$/
const CALICO_ASSET = /^\/projectcalico\/calico\/releases\/download\/v([^/]+)\/([^/]+)$/
const CALICO_RAW = /^\/projectcalico\/calico\/raw\/v([^/]+)\/manifests\/(.+)$/
const API_RELEASES = /^\/api\/repos\/([^/]+\/[^/]+)\/releases$/

/** A release asset; the body is built only when asked for. */
interface Asset {
  name: string
  body: () => Promise<Buffer>
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

const normalise = (list: (string | ReleaseSpec)[]): ReleaseSpec[] =>
  list.map(r => (typeof r === 'string' ? { tag: r } : r))

/** Each platform's build differs by a trailing comment, so a checksum looked up for the wrong platform fails. */
const platformBuild = (script: string, os: string, arch: string): string =>
  `${script}\n// ${os}/${arch} build\n`

/** A tar.gz holding one executable, built with the `tar` package the way goreleaser lays out flux archives. */
async function executableTarGz(name: string, content: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fcu-mirror-'))
  try {
    await writeFile(path.join(dir, name), content)
    await chmod(path.join(dir, name), 0o755)
    const chunks: Buffer[] = []
    for await (const chunk of tar.create({ gzip: true, cwd: dir, portable: true, mtime: new Date(0) }, [
      name
    ])) {
      chunks.push(Buffer.from(chunk as Uint8Array))
    }
    return Buffer.concat(chunks)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export async function startMirror(options: MirrorOptions = {}): Promise<Mirror> {
  const fixturesDir = options.fixturesDir === undefined ? defaultFixturesDir() : options.fixturesDir
  const releases: Record<Repo, ReleaseSpec[]> = {
    flux: normalise(options.releases?.flux ?? defaultReleases.flux),
    calico: normalise(options.releases?.calico ?? defaultReleases.calico)
  }
  const requests: MirrorRequest[] = []
  const faults = new Map<string, Fault>()
  const archives = new Map<string, Promise<Buffer>>()
  let origin = ''

  const published = (repo: Repo, version: string): ReleaseSpec | undefined =>
    releases[repo].find(r => r.tag === `v${version}` && !r.draft)

  const fluxArchive = (version: string, os: string, arch: string): Promise<Buffer> => {
    const key = `${version}/${os}/${arch}`
    let archive = archives.get(key)
    if (archive === undefined) {
      archive = executableTarGz('flux', platformBuild(standinScript('flux', version, fixturesDir), os, arch))
      archives.set(key, archive)
    }
    return archive
  }

  const calicoctlBinary = (version: string, os: string, arch: string): Buffer =>
    Buffer.from(platformBuild(standinScript('calicoctl', version, fixturesDir), os, arch))

  /** The bytes an asset path serves and its checksum lists, after the file-level faults. */
  const assetBody = (assetPath: string, original: Buffer): Buffer =>
    faults.get(assetPath)?.kind === 'truncated-archive'
      ? original.subarray(0, Math.floor(original.length / 2))
      : original

  const checksumFile = async (dir: string, assets: Asset[]): Promise<Buffer> => {
    const lines: string[] = []
    for (const asset of assets) {
      const assetPath = `${dir}/${asset.name}`
      if (faults.get(assetPath)?.kind === 'omit-checksum') continue
      lines.push(`${sha256(assetBody(assetPath, await asset.body()))}  ${asset.name}\n`)
    }
    return Buffer.from(lines.join(''))
  }

  const fluxAssets = (v: string): Asset[] =>
    PLATFORMS.map(p => ({
      name: `flux_${v}_${p.os}_${p.arch}.tar.gz`,
      body: () => fluxArchive(v, p.os, p.arch)
    }))

  const calicoAssets = (v: string): Asset[] =>
    PLATFORMS.map(p => ({
      name: `calicoctl-${p.os}-${p.arch}`,
      body: async () => calicoctlBinary(v, p.os, p.arch)
    }))

  /** The body of a release download path, or undefined when the mirror has no such file. */
  const releaseFile = async (pathname: string): Promise<Buffer | undefined> => {
    const flux = FLUX_ASSET.exec(pathname)
    if (flux) {
      const [, v, name] = flux
      if (!published('flux', v)) return undefined
      const dir = path.posix.dirname(pathname)
      if (name === `flux_${v}_checksums.txt`) return checksumFile(dir, fluxAssets(v))
      const asset = fluxAssets(v).find(a => a.name === name)
      return asset && assetBody(pathname, await asset.body())
    }
    const calico = CALICO_ASSET.exec(pathname)
    if (calico) {
      const [, v, name] = calico
      const release = published('calico', v)
      if (!release) return undefined
      const dir = path.posix.dirname(pathname)
      if (name === 'SHA256SUMS')
        return release.checksums === false ? undefined : checksumFile(dir, calicoAssets(v))
      const asset = calicoAssets(v).find(a => a.name === name)
      return asset && assetBody(pathname, await asset.body())
    }
    return undefined
  }

  const rawManifest = async (pathname: string): Promise<Buffer | undefined> => {
    const raw = CALICO_RAW.exec(pathname)
    if (!raw || fixturesDir === null) return undefined
    const dir = path.resolve(fixturesDir, 'calico', `v${raw[1]}`)
    const file = path.resolve(dir, decodeURIComponent(raw[2]))
    if (!file.startsWith(dir + path.sep)) return undefined
    const served = await readFile(file).catch(() => undefined)
    if (served || raw[2] !== 'calico.yaml') return served
    // v3.21.5's calico.yaml is in the fixtures as the manifest extracted from the seed layout's ConfigMap.
    const minor = raw[1].split('.').slice(0, 2).join('.')
    return readFile(
      path.resolve(fixturesDir, 'calico', `v${raw[1]}-extracted`, `calico-v${minor}.yaml`)
    ).catch(() => undefined)
  }

  const releaseJson = (repo: Repo, r: ReleaseSpec, id: number) => {
    const v = r.tag.replace(/^v/, '')
    const download = `${origin}/${REPOS[repo]}/releases/download/${r.tag}`
    const names =
      repo === 'flux'
        ? [...fluxAssets(v).map(a => a.name), `flux_${v}_checksums.txt`]
        : [...calicoAssets(v).map(a => a.name), ...(r.checksums === false ? [] : ['SHA256SUMS'])]
    return {
      url: `${origin}/api/repos/${REPOS[repo]}/releases/${id}`,
      html_url: `${origin}/${REPOS[repo]}/releases/tag/${r.tag}`,
      id,
      tag_name: r.tag,
      name: r.tag,
      draft: r.draft ?? false,
      prerelease: r.prerelease ?? false,
      created_at: r.publishedAt ?? null,
      published_at: r.draft ? null : (r.publishedAt ?? null),
      body: '',
      assets: names.map(name => ({ name, browser_download_url: `${download}/${name}` }))
    }
  }

  /** GitHub's paginated list: `per_page` (default 30, at most 100), `page`, and a `Link` header. */
  const releaseList = (repo: Repo, url: URL): { body: Buffer; headers: Record<string, string> } => {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30))
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1)
    const all = releases[repo]
      .map((r, i) => ({ r, id: i + 1 }))
      .sort((a, b) => (b.r.publishedAt ?? '').localeCompare(a.r.publishedAt ?? ''))
    const last = Math.max(1, Math.ceil(all.length / perPage))
    const items = all.slice((page - 1) * perPage, page * perPage).map(({ r, id }) => releaseJson(repo, r, id))
    const link = (p: number, rel: string) =>
      `<${origin}${url.pathname}?per_page=${perPage}&page=${p}>; rel="${rel}"`
    const links = [
      ...(page > 1 ? [link(page - 1, 'prev'), link(1, 'first')] : []),
      ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : [])
    ]
    return {
      body: Buffer.from(JSON.stringify(items)),
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(links.length ? { link: links.join(', ') } : {})
      }
    }
  }

  const send = (
    res: ServerResponse,
    status: number,
    body: Buffer,
    headers: Record<string, string> = {}
  ): void => {
    res.writeHead(status, { 'content-length': String(body.length), ...headers })
    res.end(body)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers })
    const url = new URL(req.url ?? '/', origin)
    const fault = faults.get(url.pathname)

    if (fault?.kind === 'reset') {
      faults.delete(url.pathname)
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'stall') return
    if (fault?.kind === 'body') {
      send(res, fault.status ?? 200, Buffer.from(fault.body), {
        'content-type': fault.contentType ?? 'application/json; charset=utf-8'
      })
      return
    }
    if (fault?.kind === 'status') {
      const status = fault.statuses.shift()
      if (fault.statuses.length === 0) faults.delete(url.pathname)
      if (status !== undefined) {
        send(res, status, Buffer.from(`injected HTTP ${status}\n`), {
          'content-type': 'text/plain',
          ...fault.headers
        })
        return
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, Buffer.from('method not allowed\n'), {
        'content-type': 'text/plain',
        allow: 'GET, HEAD'
      })
      return
    }

    const api = API_RELEASES.exec(url.pathname)
    const repo = api && (Object.keys(REPOS) as Repo[]).find(k => REPOS[k] === api[1])
    if (repo) {
      const list = releaseList(repo, url)
      send(res, 200, list.body, list.headers)
      return
    }

    const file = (await releaseFile(url.pathname)) ?? (await rawManifest(url.pathname))
    if (file === undefined) {
      send(res, 404, Buffer.from('Not Found\n'), { 'content-type': 'text/plain' })
      return
    }
    const headers = { 'content-type': 'application/octet-stream' }
    if (fault?.kind === 'corrupt') {
      const flipped = Buffer.from(file)
      flipped[Math.floor(flipped.length / 2)] ^= 0xff
      send(res, 200, flipped, headers)
      return
    }
    if (fault?.kind === 'truncate') {
      faults.delete(url.pathname)
      res.writeHead(200, { 'content-length': String(file.length), ...headers })
      res.write(file.subarray(0, Math.floor(file.length / 2)), () => req.socket.destroy())
      return
    }
    send(res, 200, file, headers)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(e => {
      if (!res.headersSent)
        send(res, 500, Buffer.from(`mirror error: ${String(e)}\n`), { 'content-type': 'text/plain' })
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url: origin,
    apiUrl: `${origin}/api`,
    requests,
    fault: (faultPath, f) => {
      faults.set(faultPath, f.kind === 'status' ? { ...f, statuses: [...f.statuses] } : f)
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close(e => (e ? reject(e) : resolve()))
      })
  }
}
