import { FcuError } from '../errors.js'

export const defaultApiUrl = 'https://api.github.com'

export interface ReleasesCredentials {
  token?: string
  source: 'run-token' | 'releases-token' | 'anonymous'
  /** Which credential is used and why, for the caller to log. Never contains a token. */
  message: string
  /**
   * How loud: a warning only where anonymous requests hit a limit runs will meet (github.com's 60 an hour); a
   * GHES or a mirror sets its own, and a warning there would cry wolf.
   */
  level: 'info' | 'warning'
}

/**
 * Chooses the token for the release-list API. The run's own token goes only to the run's own API (so a GHES
 * token never reaches github.com, nor a github.com token a mirror); any other API gets `releases-token`, or no
 * token at all.
 */
export function releasesCredentials(options: {
  releasesApiUrl: string
  /** `GITHUB_API_URL` of the run. */
  runApiUrl?: string
  /** The run token (`token` input). */
  token?: string
  releasesToken?: string
}): ReleasesCredentials {
  const releasesApi = apiIdentity(options.releasesApiUrl || defaultApiUrl, 'releases-api-url')
  const runApi = apiIdentity(options.runApiUrl || defaultApiUrl, 'GITHUB_API_URL')
  const token = options.token?.trim() || undefined
  const releasesToken = options.releasesToken?.trim() || undefined

  if (releasesApi === runApi && token) {
    return {
      token,
      source: 'run-token',
      message: `Listing releases from ${releasesApi} with the run token`,
      level: 'info'
    }
  }
  if (releasesToken) {
    return {
      token: releasesToken,
      source: 'releases-token',
      message: `Listing releases from ${releasesApi} with releases-token`,
      level: 'info'
    }
  }
  const why =
    releasesApi === runApi
      ? 'no token was given'
      : `it is not the run's own API (${runApi}), so the run token is not sent there, and releases-token is empty`
  if (releasesApi === defaultApiUrl) {
    return {
      source: 'anonymous',
      message: `Listing releases from ${releasesApi} anonymously: ${why}. Anonymous requests to github.com are limited to 60 an hour; set releases-token if runs hit it.`,
      level: 'warning'
    }
  }
  return {
    source: 'anonymous',
    message: `Listing releases from ${releasesApi} without a token (anonymously): ${why}.`,
    level: 'info'
  }
}

/**
 * Origin and path, the way two spellings of one API compare equal: scheme and host lower-cased, default port
 * dropped (URL does both), trailing slashes ignored. Query, fragment and user info are not part of an API's identity.
 */
function apiIdentity(raw: string, input: string): string {
  let u: URL
  try {
    u = new URL(raw.trim())
  } catch {
    throw new FcuError('input', `${input} "${raw}" is not a URL`, {
      location: { input },
      hint: 'Use the API base URL, e.g. https://api.github.com or, on GHES, https://<host>/api/v3.'
    })
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new FcuError('input', `${input} "${u.protocol}" URLs are not supported`, {
      location: { input },
      hint: 'Use an https:// URL, e.g. https://api.github.com or, on GHES, https://<host>/api/v3.'
    })
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`
}
