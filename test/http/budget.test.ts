import { afterEach, describe, expect, it } from '@jest/globals'
import { FcuError } from '../../src/errors.js'
import { githubClients } from '../../src/github/client.js'
import { NETWORK_BUDGET_MS, NetworkBudget } from '../../src/http/budget.js'
import { defaultRetryPolicy, fetchWithRetry, type RetryDeps } from '../../src/http/retry.js'
import { rejection } from '../helpers/errors.js'
import { json, retryDeps, startServer, type LocalServer, type Reply } from './localServer.js'

let servers: LocalServer[] = []
afterEach(async () => {
  await Promise.all(servers.map(s => s.close()))
  servers = []
})
const serve = async (reply: Reply) => {
  const s = await startServer(() => reply)
  servers.push(s)
  return s
}

/** Retry deps whose fetch and sleep spend `budget`; sleeps are recorded, not waited, and count as asked. */
function budgeted(totalMs: number, policy: Partial<RetryDeps['policy']> = {}) {
  const base = retryDeps()
  const budget = new NetworkBudget(totalMs)
  const deps = { ...base, ...budget.wrap(base), policy: { ...defaultRetryPolicy, ...policy } }
  return { deps, slept: base.slept, budget }
}

describe("the run's network budget", () => {
  it('is five minutes, retries and the waits between them included', () => {
    expect(NETWORK_BUDGET_MS).toBe(300_000)
  })

  it('stops retrying a failing server when the next pause would pass it, without taking the pause', async () => {
    const s = await serve(json(503, { message: 'unavailable' }))
    const { deps, slept } = budgeted(2_000, { baseDelayMs: 800 })
    const e = await rejection(fetchWithRetry(`${s.url}/x`, {}, deps))
    expect(e).toBeInstanceOf(FcuError)
    expect(e.message).toBe(
      "The run's network budget of 2 s (waiting for answers and between retries) is spent: a retry in 2 s would pass it"
    )
    expect(slept).toEqual([800])
    expect(s.requests).toHaveLength(2)
  })

  it('abandons a request that stalls past what is left of it, whatever its own timeout', async () => {
    const s = await serve('stall')
    const { deps } = budgeted(300)
    const e = await rejection(fetchWithRetry(`${s.url}/releases`, {}, deps))
    expect(e.message).toBe(
      `The run's network budget of 0 s (waiting for answers and between retries) is spent: GET ${s.url}/releases was abandoned`
    )
    expect((e as FcuError).hint).toContain('point download-url / releases-api-url at a reachable mirror')
    expect(s.requests).toHaveLength(1)
  })

  it('is shared: once spent, the next request is not sent, the GitHub client included', async () => {
    const s = await serve('stall')
    const { deps, budget } = budgeted(300)
    await rejection(fetchWithRetry(`${s.url}/first`, {}, deps))
    expect(budget.remainingMs).toBe(0)
    const e = await rejection(githubClients(deps)(s.url).listReleases('fluxcd', 'flux2', { maxPages: 1 }))
    expect(e).toBeInstanceOf(FcuError)
    expect(e.message).toMatch(
      /is spent: GET http:\/\/127\.0\.0\.1:\d+\/repos\/fluxcd\/flux2\/releases\S* was not sent$/
    )
    expect(s.requests).toHaveLength(1)
  })
})
