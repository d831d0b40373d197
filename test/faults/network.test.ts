import { paths, shortTimeout, startBench, state, stopBench, upgrade, type Bench } from './harness.js'

/**
 * Faults on the release mirror (the releases API and the downloads) during a full upgrade that opens a pull
 * request: a transient fault is retried and the run opens its pull request; a lasting one fails the run with a
 * message that says what and where, and the working tree, origin and the pull requests stay exactly as they were.
 */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('the release mirror failing during an upgrade', () => {
  let b: Bench
  beforeEach(async () => {
    b = await startBench()
  })
  afterEach(() => stopBench(b))

  /** The run recovered: one pull request, opened from a clean tree. */
  const expectRecovered = (o: Awaited<ReturnType<typeof upgrade>>) => {
    expect(o.error).toBeUndefined()
    expect(o.result?.pullRequests).toEqual([
      expect.objectContaining({ component: 'flux', operation: 'created' })
    ])
    expect(b.fleet.github.pulls).toHaveLength(1)
    expect(b.fleet.github.problems).toEqual([])
  }

  /** The run failed with `message` and left everything as it was. */
  const expectFailedCleanly = async (
    message: string | RegExp,
    options: Parameters<typeof upgrade>[1] = {}
  ): Promise<Awaited<ReturnType<typeof upgrade>>> => {
    const before = state(b)
    const o = await upgrade(b, options)
    expect(o.error).toBeDefined()
    if (typeof message === 'string') expect(o.error!.message).toBe(message)
    else expect(o.error!.message).toMatch(message)
    expect(state(b)).toEqual(before)
    expect(b.fleet.github.writes()).toEqual([])
    return o
  }

  it('retries a download whose connection breaks off midway, and opens the pull request', async () => {
    b.mirror.fault(paths.fluxArchive('2.9.3'), { kind: 'truncate' })
    const o = await upgrade(b)
    expectRecovered(o)
    expect(o.logs).toContainEqual(
      expect.stringMatching(
        /^GET \S+flux_2\.9\.3_linux_amd64\.tar\.gz: the (body ended after \d+ of \d+ bytes|connection broke after \d+ bytes); retrying in 1000 ms \(attempt 2 of 4\)$/
      )
    )
    expect(o.sleeps).toEqual([1000])
  })

  it('retries a releases request whose connection is dropped unanswered', async () => {
    b.mirror.fault(paths.releases, { kind: 'reset' })
    const o = await upgrade(b)
    expectRecovered(o)
    expect(o.logs.join('\n')).toMatch(/GET \S+\/releases\S* .*retrying in 1000 ms \(attempt 2 of 4\)/)
  })

  it('fails in bounded time when the releases API accepts the request and never answers', async () => {
    b.mirror.fault(paths.releases, { kind: 'stall' })
    const started = Date.now()
    const o = await expectFailedCleanly(
      `GET ${b.mirror.apiUrl}/repos/fluxcd/flux2/releases?per_page=100&page=1 got no answer within 0.3 s`,
      { deps: { policy: shortTimeout } }
    )
    expect(o.error!.code).toBe('network')
    // Not retried: a stalled server gets one wait, not four.
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(b.mirror.requests.filter(r => r.path.startsWith(paths.releases))).toHaveLength(1)
  })

  it('fails in bounded time when a download never answers', async () => {
    b.mirror.fault(paths.fluxArchive('2.9.3'), { kind: 'stall' })
    const o = await expectFailedCleanly(
      `GET ${b.mirror.url}${paths.fluxArchive('2.9.3')} got no answer within 0.3 s`,
      { deps: { policy: shortTimeout } }
    )
    expect(o.error!.hint).toBe(
      'The server accepted the connection and then stalled: re-run the job later, or point download-url / releases-api-url at a mirror.'
    )
  })

  it('waits out a burst of 5xx answers with growing backoff, and opens the pull request', async () => {
    b.mirror.fault(paths.fluxArchive('2.9.3'), { kind: 'status', statuses: [502, 503, 504] })
    const o = await upgrade(b)
    expectRecovered(o)
    expect(o.sleeps).toEqual([1000, 2000, 4000])
    expect(o.logs).toContainEqual(
      expect.stringMatching(/answered HTTP 504; retrying in 4000 ms \(attempt 4 of 4\)$/)
    )
  })

  it('fails with the status when the server keeps answering 5xx', async () => {
    b.mirror.fault(paths.fluxArchive('2.9.3'), { kind: 'status', statuses: [500, 500, 500, 500] })
    const o = await expectFailedCleanly(
      `GET ${b.mirror.url}${paths.fluxArchive('2.9.3')} answered HTTP 500 after 4 attempts`
    )
    expect(o.error!.hint).toBe(
      'The download host keeps failing: re-run the job later, or point download-url at a mirror.'
    )
    expect(o.sleeps).toEqual([1000, 2000, 4000])
  })

  it('waits as long as a 429 retry-after asks, through the injected sleep, and opens the pull request', async () => {
    b.mirror.fault(paths.releases, { kind: 'status', statuses: [429, 429], headers: { 'retry-after': '7' } })
    const o = await upgrade(b)
    expectRecovered(o)
    expect(o.sleeps.filter(ms => ms === 7000)).toHaveLength(2)
  })

  it('fails at once when a 429 asks for a longer wait than the run allows', async () => {
    b.mirror.fault(paths.releases, { kind: 'status', statuses: [429], headers: { 'retry-after': '3600' } })
    const o = await expectFailedCleanly(
      new RegExp(
        `^${escape(b.mirror.apiUrl)}/repos/fluxcd/flux2/releases\\?per_page=100&page=1 is rate limited \\(HTTP 429\\) for another 3600 s \\(until \\S+Z\\), longer than the 60 s this run waits$`
      )
    )
    expect(o.sleeps).toEqual([])
  })

  it('refuses a corrupt archive: the checksum does not match', async () => {
    b.mirror.fault(paths.fluxArchive('2.9.3'), { kind: 'corrupt' })
    const archive = `${b.mirror.url}${paths.fluxArchive('2.9.3')}`
    const o = await expectFailedCleanly(
      new RegExp(
        `^sha256 of flux_2\\.9\\.3_linux_amd64\\.tar\\.gz downloaded from ${escape(archive)} is [0-9a-f]{64}, but ${escape(b.mirror.url + paths.fluxChecksums('2.9.3'))} lists [0-9a-f]{64}$`
      )
    )
    expect(o.error!.code).toBe('integrity')
  })

  it('refuses a truncated archive whose checksum matches: extraction fails', async () => {
    b.mirror.fault(paths.fluxArchive('2.9.3'), { kind: 'truncated-archive' })
    const o = await expectFailedCleanly(
      new RegExp(
        `^flux_2\\.9\\.3_linux_amd64\\.tar\\.gz from ${escape(b.mirror.url + paths.fluxArchive('2.9.3'))} is a corrupt or truncated archive: tar exited with 2`
      )
    )
    expect(o.error!.code).toBe('integrity')
  })

  it('refuses an archive its release’s checksum file does not list', async () => {
    b.mirror.fault(paths.fluxArchive('2.9.3'), { kind: 'omit-checksum' })
    const o = await expectFailedCleanly(
      `${b.mirror.url}${paths.fluxChecksums('2.9.3')} has no sha256 entry for flux_2.9.3_linux_amd64.tar.gz, so it cannot be verified`
    )
    expect(o.error!.code).toBe('integrity')
  })

  it('fails on a releases list that is not JSON, naming the URL', async () => {
    b.mirror.fault(paths.releases, { kind: 'body', body: '[{"tag_name": "v2.9.3", "draft": fal' })
    const o = await expectFailedCleanly(
      `${b.mirror.apiUrl}/repos/fluxcd/flux2/releases?per_page=100&page=1 did not answer with JSON for the fluxcd/flux2 releases`
    )
    expect(o.error!.code).toBe('network')
  })
})
