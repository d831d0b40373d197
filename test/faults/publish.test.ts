import { git } from '../../support/github/fleet.js'
import { paths, shortTimeout, startBench, state, stopBench, upgrade, type Bench } from './harness.js'

/**
 * Faults on the GitHub API double and on the bare origin while the upgrade publishes its pull request. A transient
 * fault is retried; a lasting one fails the run with a message, and origin (every ref and reachable object), the
 * pull requests and the working tree are exactly as they were: a branch pushed before the failure is put back.
 */
const BRANCH = 'flux-crs-upgrade/flux'

describe('GitHub and origin failing while the upgrade publishes', () => {
  let b: Bench
  beforeEach(async () => {
    b = await startBench()
  })
  afterEach(() => stopBench(b))

  /** The look-up of the branch's open pull request. */
  const pullsList = () =>
    `${b.fleet.github.apiUrl}/repos/example-org/fleet/pulls?state=open&head=example-org%3A${encodeURIComponent(BRANCH)}&base=main`

  const expectFailedCleanly = async (
    message: string,
    options: Parameters<typeof upgrade>[1] = {}
  ): Promise<Awaited<ReturnType<typeof upgrade>>> => {
    const before = state(b)
    const o = await upgrade(b, options)
    expect(o.error?.message).toBe(message)
    expect(state(b)).toEqual(before)
    return o
  }

  it('fails on a pull request list that is not JSON, before pushing anything', async () => {
    b.fleet.github.fail({ operationId: 'pulls/list', status: 200, rawBody: '[{"number": 1, "sta' })
    const o = await expectFailedCleanly(`GET ${pullsList()} answered HTTP 200 with a body that is not JSON`)
    expect(o.error?.code).toBe('network')
    expect(b.fleet.github.requests.some(r => r.path.endsWith('git-receive-pack'))).toBe(false)
  })

  it('puts the pushed branch back when GitHub keeps failing to open the pull request', async () => {
    b.fleet.github.fail({ operationId: 'pulls/create', status: 502, message: 'Bad Gateway', times: 4 })
    const o = await expectFailedCleanly(
      'GitHub refused pulls/create in example-org/fleet: HTTP 502: Bad Gateway'
    )
    expect(o.sleeps.filter(ms => ms >= 1000)).toEqual([1000, 2000, 4000])
    expect(o.logs).toContain(`${BRANCH}: the run failed after pushing it, so it was deleted`)
    expect(b.fleet.github.problems).toEqual([])
  })

  it('puts the pushed branch back when the pull request is answered with a body that is not JSON', async () => {
    b.fleet.github.fail({
      operationId: 'pulls/create',
      status: 201,
      rawBody: '{"number": 1, "html_url": "ht'
    })
    const o = await expectFailedCleanly(
      `POST ${b.fleet.github.apiUrl}/repos/example-org/fleet/pulls answered HTTP 201 with a body that is not JSON`
    )
    expect(o.logs).toContain(`${BRANCH}: the run failed after pushing it, so it was deleted`)
  })

  it('puts a branch made through the API back too (sign-commits)', async () => {
    b.fleet.github.fail({ operationId: 'pulls/create', status: 503, message: 'Unavailable', times: 4 })
    const o = await expectFailedCleanly(
      'GitHub refused pulls/create in example-org/fleet: HTTP 503: Unavailable',
      {
        inputs: { 'sign-commits': 'true' }
      }
    )
    expect(o.logs).toContain(`${BRANCH}: the run failed after pushing it, so it was deleted`)
    expect(b.fleet.github.writes().map(w => w.operationId)).toContain('git/delete-ref')
  })

  it('moves an updated branch back when its open pull request cannot be updated', async () => {
    const first = await upgrade(b, { inputs: { 'flux-version': '2.8.3' } })
    expect(first.result?.pullRequests).toEqual([expect.objectContaining({ number: 1, operation: 'created' })])
    const before = git(b.fleet.github.bareDir, ['rev-parse', BRANCH]).trim()
    b.fleet.github.fail({ operationId: 'pulls/update', status: 500, message: 'Server Error', times: 4 })
    const o = await expectFailedCleanly(
      'GitHub refused pulls/update in example-org/fleet: HTTP 500: Server Error'
    )
    expect(o.logs).toContain(
      `${BRANCH}: the run failed after pushing it, so it was moved back to ${before.slice(0, 12)}`
    )
    expect(b.fleet.github.pulls[0].title).toBe('Upgrade flux from 2.7.5 to 2.8.3')
  })

  it('retries a burst of 5xx from the API and opens the pull request', async () => {
    b.fleet.github.fail({ operationId: 'pulls/create', status: 502, message: 'Bad Gateway', times: 2 })
    const o = await upgrade(b)
    expect(o.error).toBeUndefined()
    expect(o.result?.pullRequests).toEqual([expect.objectContaining({ number: 1, operation: 'created' })])
    // The 1 s backoff, then 2 s; the other waits are the client's spacing between writes.
    expect(o.logs).toContainEqual(
      expect.stringMatching(/^POST \S+\/pulls answered HTTP 502; retrying in 2000 ms \(attempt 3 of 4\)$/)
    )
    expect(o.sleeps.filter(ms => ms >= 1000)).toEqual([1000, 2000])
  })

  it('waits as long as a 429 retry-after asks, through the injected sleep, and opens the pull request', async () => {
    b.fleet.github.fail({
      operationId: 'pulls/list',
      status: 429,
      message: 'API rate limit exceeded',
      headers: { 'retry-after': '3' },
      times: 2
    })
    const o = await upgrade(b)
    expect(o.error).toBeUndefined()
    expect(o.result?.pullRequests).toEqual([expect.objectContaining({ number: 1, operation: 'created' })])
    expect(o.sleeps).toEqual([3000, 3000])
  })

  it('fails in bounded time when the API accepts a request and never answers', async () => {
    // The mirror builds a release's archive when first asked for it, which on a loaded machine takes longer than the
    // 0.3 s every request is given here: built beforehand, so that the limit meets only the stalled API.
    for (const p of [paths.fluxArchive('2.9.3'), paths.fluxChecksums('2.9.3')]) {
      const response = await fetch(`${b.mirror.url}${p}`)
      await response.arrayBuffer()
      expect(response.ok).toBe(true)
    }
    b.fleet.github.fail({ operationId: 'pulls/list', status: 0, stall: true })
    const started = Date.now()
    const o = await expectFailedCleanly(`GET ${pullsList()} got no answer within 0.3 s`, {
      deps: { policy: shortTimeout }
    })
    expect(o.error?.code).toBe('network')
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('fails with origin’s reason when a hook refuses the push, and tries nothing else', async () => {
    b.fleet.github.refusePushes('flux-crs-upgrade/* is frozen until the release')
    const o = await expectFailedCleanly(
      `origin refused the push of ${BRANCH}: pre-receive hook declined (flux-crs-upgrade/* is frozen until the release)`
    )
    expect(o.error?.hint).toContain('A hook or a branch protection rule on origin refuses this branch')
    // One push, no rebuild: a refusal is not a race.
    expect(b.fleet.github.requests.filter(r => r.path.endsWith('git-receive-pack'))).toHaveLength(1)
    expect(b.fleet.github.pulls).toEqual([])
  })

  it('never overwrites a branch that moved between fetch and push: the lease refuses, twice, and the run stops', async () => {
    const theirs: string[] = []
    for (const n of [1, 2])
      b.fleet.github.beforeNextPush(() =>
        theirs.push(b.fleet.pushAsOther({ 'stray.txt': `${n}\n` }, `Someone else ${n}`, BRANCH))
      )
    const main = git(b.fleet.github.bareDir, ['rev-parse', 'main']).trim()
    const o = await upgrade(b)
    expect(o.error?.message).toBe(`${BRANCH} moved again while this run rebuilt and pushed it`)
    expect(o.logs).toContain(
      `warning: ${BRANCH} moved on origin since it was fetched: fetching it and main again and rebuilding once`
    )
    // Their last commit is where they left it; main is untouched; no pull request.
    expect(git(b.fleet.github.bareDir, ['rev-parse', BRANCH]).trim()).toBe(theirs[1])
    expect(git(b.fleet.github.bareDir, ['rev-parse', 'main']).trim()).toBe(main)
    expect(b.fleet.github.pulls).toEqual([])
  })
})
