import { describe, expect, it } from '@jest/globals'
import { FcuError } from '../../src/errors.js'
import { releasesCredentials } from '../../src/versions/auth.js'

const runToken = 'ghs_runTokenValue123'
const releasesToken = 'github_pat_releasesValue456'

describe('releasesCredentials', () => {
  it('uses the run token for the run’s own API', () => {
    const c = releasesCredentials({ releasesApiUrl: 'https://api.github.com', token: runToken })
    expect(c).toMatchObject({ token: runToken, source: 'run-token' })
  })

  it('compares API URLs without caring for trailing slashes, host case or a default port', () => {
    const c = releasesCredentials({
      releasesApiUrl: 'https://GHES.example.com:443/api/v3/',
      runApiUrl: 'https://ghes.example.com/api/v3',
      token: runToken,
      releasesToken
    })
    expect(c).toMatchObject({ token: runToken, source: 'run-token' })
  })

  it('never sends a GHES run token to github.com', () => {
    const c = releasesCredentials({
      releasesApiUrl: 'https://api.github.com',
      runApiUrl: 'https://ghes.example.com/api/v3',
      token: runToken
    })
    expect(c.token).toBeUndefined()
    expect(c.source).toBe('anonymous')
    expect(c.message).toMatch(/anonymous/i)
    expect(c.message).toContain('https://ghes.example.com/api/v3')
  })

  it('treats a different path on the same host as a different API', () => {
    const c = releasesCredentials({
      releasesApiUrl: 'https://ghes.example.com/mirror',
      runApiUrl: 'https://ghes.example.com/api/v3',
      token: runToken
    })
    expect(c.token).toBeUndefined()
  })

  it('uses releases-token for an API that is not the run’s', () => {
    const c = releasesCredentials({
      releasesApiUrl: 'https://api.github.com/',
      runApiUrl: 'https://ghes.example.com/api/v3',
      token: runToken,
      releasesToken
    })
    expect(c).toMatchObject({ token: releasesToken, source: 'releases-token' })
  })

  it('falls back to releases-token on the run’s API when there is no run token', () => {
    const c = releasesCredentials({ releasesApiUrl: 'https://api.github.com', token: '', releasesToken })
    expect(c).toMatchObject({ token: releasesToken, source: 'releases-token' })
  })

  it('goes anonymous, and says so, when no token applies', () => {
    const c = releasesCredentials({ releasesApiUrl: 'https://api.github.com' })
    expect(c.token).toBeUndefined()
    expect(c.source).toBe('anonymous')
    expect(c.message).toMatch(/anonymous/i)
    expect(c.message).toMatch(/releases-token/)
  })

  it('warns of the anonymous rate limit only on github.com, where runs meet it', () => {
    const c = releasesCredentials({ releasesApiUrl: 'https://api.github.com/' })
    expect(c.level).toBe('warning')
    expect(c.message).toMatch(/limited to 60 an hour/)
  })

  it('says plainly that a mirror is asked without a token, with no rate-limit warning', () => {
    for (const releasesApiUrl of ['http://127.0.0.1:8080/api', 'https://ghes.example.com/api/v3']) {
      const c = releasesCredentials({ releasesApiUrl, runApiUrl: 'https://api.github.com', token: runToken })
      expect(c).toMatchObject({ source: 'anonymous', level: 'info' })
      expect(c.message).toContain(`Listing releases from ${releasesApiUrl} without a token`)
      expect(c.message).not.toMatch(/rate limit|an hour/)
    }
  })

  it('announces a token in use at info level', () => {
    expect(releasesCredentials({ releasesApiUrl: 'https://api.github.com', token: runToken }).level).toBe(
      'info'
    )
    expect(releasesCredentials({ releasesApiUrl: 'http://127.0.0.1:8080/api', releasesToken }).level).toBe(
      'info'
    )
  })

  it('never puts a token in its message', () => {
    const cases = [
      releasesCredentials({ releasesApiUrl: 'https://api.github.com', token: runToken, releasesToken }),
      releasesCredentials({ releasesApiUrl: 'https://mirror.example', token: runToken, releasesToken }),
      releasesCredentials({
        releasesApiUrl: 'https://mirror.example',
        runApiUrl: 'https://x.example',
        token: runToken
      })
    ]
    for (const c of cases) {
      expect(c.message).not.toContain(runToken)
      expect(c.message).not.toContain(releasesToken)
    }
  })

  it('rejects a releases-api-url that is not an http(s) URL, naming the input', () => {
    for (const releasesApiUrl of ['api.github.com', 'file:///etc/passwd']) {
      let error: unknown
      try {
        releasesCredentials({ releasesApiUrl, token: runToken })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(FcuError)
      expect((error as FcuError).code).toBe('input')
      expect((error as FcuError).location.input).toBe('releases-api-url')
    }
  })
})
