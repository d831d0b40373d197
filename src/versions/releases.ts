import { FcuError } from '../errors.js'
import { fetchWithRetry, redactUrl, type RetryDeps } from '../http/retry.js'
import type { Release } from './select.js'

/** 20 pages of 100 cover every project we track many times over; the bound stops a Link loop on a bad mirror. */
export const maxReleasePages = 20

const releasesApiInput = 'releases-api-url'

/**
 * Lists a repository's releases (`owner/name`) from the GitHub REST API at `api.baseUrl` (github.com, GHES
 * `/api/v3`, or a mirror), following `Link: rel="next"`. GitHub lists releases newest first, so when the page
 * bound cuts the list, what is lost is old.
 */
export async function listReleases(
  repo: string,
  api: { baseUrl: string; token?: string },
  deps: RetryDeps
): Promise<Release[]> {
  const [owner, name, ...rest] = repo.split('/')
  if (!owner || !name || rest.length > 0) {
    throw new FcuError('internal', `"${repo}" is not an owner/name repository`)
  }
  const first = firstPageUrl(api.baseUrl, owner, name)
  const apiOrigin = first.origin
  const releases: Release[] = []
  const seen = new Set<string>()
  let next: string | undefined = first.toString()

  for (let page = 1; next !== undefined; page++) {
    if (page > maxReleasePages || seen.has(next)) {
      deps.log.warning(
        `${repo}: stopped listing releases after ${page - 1} pages from ${redactUrl(api.baseUrl)}; older releases are not considered`
      )
      break
    }
    seen.add(next)
    const url: string = next
    // The token belongs to the API it was chosen for; a Link pointing elsewhere is followed without it.
    const sameApi = new URL(url).origin === apiOrigin
    const res = await fetchWithRetry(url, { headers: requestHeaders(sameApi ? api.token : undefined) }, deps)
    if (!res.ok) throw await responseError(res, repo, url, api.token)
    releases.push(...(await readPage(res, repo, url, api.token)))
    next = nextLink(res.headers.get('link'), url)
  }
  deps.log.debug(`${repo}: ${releases.length} releases from ${redactUrl(api.baseUrl)}`)
  return releases
}

function firstPageUrl(baseUrl: string, owner: string, name: string): URL {
  let base: URL
  try {
    base = new URL(baseUrl.trim())
  } catch {
    throw new FcuError('input', `${releasesApiInput} "${redactUrl(baseUrl)}" is not a URL`, {
      location: { input: releasesApiInput },
      hint: 'Use the API base URL, e.g. https://api.github.com or, on GHES, https://<host>/api/v3.'
    })
  }
  const path = `${base.pathname.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/releases`
  const url = new URL(path, base.origin)
  url.searchParams.set('per_page', '100')
  url.searchParams.set('page', '1')
  return url
}

function requestHeaders(token: string | undefined): Record<string, string> {
  return {
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': '2022-11-28',
    'User-Agent': 'flux-crs-upgrade',
    ...(token ? { Authorization: `Bearer ${token}` } : {})
  }
}

/** The `rel="next"` target of an RFC 8288 Link header, resolved against the page it came with. */
export function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (!match) continue
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2])
    const names = (rels?.[1] ?? rels?.[2] ?? '').toLowerCase().split(/\s+/)
    if (!names.includes('next')) continue
    try {
      return new URL(match[1], base).toString()
    } catch {
      return undefined
    }
  }
  return undefined
}

async function readPage(
  res: Response,
  repo: string,
  url: string,
  token: string | undefined
): Promise<Release[]> {
  let text: string
  try {
    text = await res.text()
  } catch (e) {
    throw new FcuError('network', `the connection broke while reading ${redactUrl(url)} (${repo} releases)`, {
      location: { input: releasesApiInput },
      hint: 'Re-run the job; if it keeps happening, check the network path to releases-api-url.',
      cause: scrubbed(e, token)
    })
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (e) {
    throw new FcuError('network', `${redactUrl(url)} did not answer with JSON for the ${repo} releases`, {
      location: { input: releasesApiInput },
      hint: 'Check that releases-api-url points at the GitHub REST API (on GHES: https://<host>/api/v3), not a web page.',
      cause: scrubbed(e, token)
    })
  }
  if (!Array.isArray(body)) {
    throw new FcuError(
      'network',
      `${redactUrl(url)} answered something other than a list of releases for ${repo}`,
      {
        location: { input: releasesApiInput },
        hint: 'Check that releases-api-url points at the GitHub REST API (on GHES: https://<host>/api/v3).'
      }
    )
  }
  const releases: Release[] = []
  for (const item of body as unknown[]) {
    if (typeof item !== 'object' || item === null) continue
    const r = item as Record<string, unknown>
    if (typeof r.tag_name !== 'string') continue
    releases.push({
      tag: r.tag_name,
      draft: r.draft === true,
      prerelease: r.prerelease === true,
      ...(typeof r.published_at === 'string' ? { publishedAt: r.published_at } : {}),
      ...(typeof r.html_url === 'string' && /^https?:\/\//.test(r.html_url) ? { htmlUrl: r.html_url } : {})
    })
  }
  return releases
}

async function responseError(
  res: Response,
  repo: string,
  url: string,
  token: string | undefined
): Promise<FcuError> {
  const detail = await serverMessage(res, token)
  const shown = redactUrl(url)
  if (res.status === 404) {
    return new FcuError('version', `${repo} has no releases at ${shown} (HTTP 404${detail})`, {
      location: { input: releasesApiInput },
      hint:
        'Check releases-api-url: it must be the GitHub REST API that hosts the repository (https://api.github.com, or ' +
        'https://<host>/api/v3 on GHES, or a mirror of it). A private mirror may also answer 404 to a missing token.'
    })
  }
  if (res.status === 401 || res.status === 403) {
    return new FcuError(
      'network',
      `${shown} refused the request for ${repo} releases (HTTP ${res.status}${detail}) ${token ? 'with the token it was given' : 'without a token'}`,
      {
        location: { input: releasesApiInput },
        hint: token
          ? "The token is invalid, expired or lacks read access to the repository: check releases-token (or token, when releases-api-url is the run's own API)."
          : 'This API requires authentication: set releases-token.'
      }
    )
  }
  return new FcuError('network', `${shown} answered HTTP ${res.status}${detail} for the ${repo} releases`, {
    location: { input: releasesApiInput },
    hint: 'Check releases-api-url, or re-run the job if the server was failing.'
  })
}

/** GitHub's `{"message": ...}`, one line, short, and without the token should a mirror echo it. */
async function serverMessage(res: Response, token: string | undefined): Promise<string> {
  const text = await res.text().catch(() => '')
  let message: unknown
  try {
    message = (JSON.parse(text) as { message?: unknown }).message
  } catch {
    return ''
  }
  if (typeof message !== 'string' || message.trim() === '') return ''
  const oneLine = scrub(message, token).replace(/\s+/g, ' ').trim()
  return `: ${oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine}`
}

function scrub(text: string, token: string | undefined): string {
  return token ? text.split(token).join('***') : text
}

function scrubbed(e: unknown, token: string | undefined): unknown {
  if (!token || !(e instanceof Error)) return e
  return new Error(scrub(e.message, token))
}
