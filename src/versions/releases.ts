import { GitHubApiError, type GitHubApi, type Logger } from '../deps.js'
import { FcuError } from '../errors.js'
import { redactUrl } from '../http/retry.js'
import type { Release } from './select.js'

/** 20 pages of 100 cover every project we track many times over; the bound stops a Link loop on a bad mirror. */
export const maxReleasePages = 20

const releasesApiInput = 'releases-api-url'

/**
 * Lists a repository's releases (`owner/name`) from the GitHub REST API the client talks to (github.com, GHES
 * `/api/v3`, or a mirror). GitHub lists releases newest first, so when the page bound cuts the list, what is lost
 * is old.
 */
export async function listReleases(repo: string, github: GitHubApi, log: Logger): Promise<Release[]> {
  const [owner, name, ...rest] = repo.split('/')
  if (!owner || !name || rest.length > 0) {
    throw new FcuError('internal', `"${repo}" is not an owner/name repository`)
  }
  let list: { items: unknown[]; pages: number; truncated: boolean }
  try {
    list = await github.listReleases(owner, name, { maxPages: maxReleasePages })
  } catch (e) {
    throw e instanceof GitHubApiError ? releasesError(e, repo, github) : e
  }
  if (list.truncated) {
    log.warning(
      `${repo}: stopped listing releases after ${list.pages} pages from ${redactUrl(github.baseUrl)}; older releases are not considered`
    )
  }
  const releases = list.items.flatMap(item => releaseOf(item) ?? [])
  log.debug(`${repo}: ${releases.length} releases from ${redactUrl(github.baseUrl)}`)
  return releases
}

function releaseOf(item: unknown): Release | undefined {
  if (typeof item !== 'object' || item === null) return undefined
  const r = item as Record<string, unknown>
  if (typeof r.tag_name !== 'string') return undefined
  return {
    tag: r.tag_name,
    draft: r.draft === true,
    prerelease: r.prerelease === true,
    ...(typeof r.published_at === 'string' ? { publishedAt: r.published_at } : {}),
    ...(typeof r.html_url === 'string' && /^https?:\/\//.test(r.html_url) ? { htmlUrl: r.html_url } : {})
  }
}

/** The client's failure in the words of the input that chose the API. */
function releasesError(e: GitHubApiError, repo: string, github: GitHubApi): FcuError {
  const location = { input: releasesApiInput }
  const shown = e.details.url
  switch (e.failure) {
    case 'bad-base-url':
      return new FcuError('input', `${releasesApiInput} "${redactUrl(github.baseUrl)}" is not a URL`, {
        location,
        hint: 'Use the API base URL, e.g. https://api.github.com or, on GHES, https://<host>/api/v3.'
      })
    case 'broken-body':
      return new FcuError('network', `${e.message} (${repo} releases)`, {
        location,
        hint: 'Re-run the job; if it keeps happening, check the network path to releases-api-url.',
        cause: e.cause
      })
    case 'not-json':
      return new FcuError('network', `${shown} did not answer with JSON for the ${repo} releases`, {
        location,
        hint: 'Check that releases-api-url points at the GitHub REST API (on GHES: https://<host>/api/v3), not a web page.',
        cause: e.cause
      })
    case 'not-a-list':
      return new FcuError(
        'network',
        `${shown} answered something other than a list of releases for ${repo}`,
        {
          location,
          hint: 'Check that releases-api-url points at the GitHub REST API (on GHES: https://<host>/api/v3).'
        }
      )
    case 'status':
      return statusError(e.details.status ?? 0, e.details.serverMessage, repo, shown, github.authenticated)
  }
}

function statusError(
  status: number,
  serverMessage: string | undefined,
  repo: string,
  shown: string,
  authenticated: boolean
): FcuError {
  const detail = serverMessage ? `: ${serverMessage}` : ''
  const location = { input: releasesApiInput }
  if (status === 404) {
    return new FcuError('version', `${repo} has no releases at ${shown} (HTTP 404${detail})`, {
      location,
      hint:
        'Check releases-api-url: it must be the GitHub REST API that hosts the repository (https://api.github.com, or ' +
        'https://<host>/api/v3 on GHES, or a mirror of it). A private mirror may also answer 404 to a missing token.'
    })
  }
  if (status === 401 || status === 403) {
    return new FcuError(
      'network',
      `${shown} refused the request for ${repo} releases (HTTP ${status}${detail}) ${authenticated ? 'with the token it was given' : 'without a token'}`,
      {
        location,
        hint: authenticated
          ? "The token is invalid, expired or lacks read access to the repository: check releases-token (or token, when releases-api-url is the run's own API)."
          : 'This API requires authentication: set releases-token.'
      }
    )
  }
  return new FcuError('network', `${shown} answered HTTP ${status}${detail} for the ${repo} releases`, {
    location,
    hint: 'Check releases-api-url, or re-run the job if the server was failing.'
  })
}
