import { FcuError } from '../errors.js'
import type { Fetch, Sleep } from '../deps.js'
import { deadline, redactUrl } from './retry.js'

/**
 * The run's bound on network waits, retries included: 5 minutes. Each request already gives up after 30 s
 * without headers, and a download after 30 s without a byte, but a run makes a dozen requests, each with up to
 * four attempts and backoff between them: without a total, a slow or failing mirror could hold a job for a
 * quarter of an hour. A healthy run waits seconds.
 */
export const NETWORK_BUDGET_MS = 5 * 60_000

/** The time a run has waited on the network (for headers, and between retries), against its bound. */
export class NetworkBudget {
  private spentMs = 0

  constructor(
    readonly totalMs: number = NETWORK_BUDGET_MS,
    private readonly now: () => number = Date.now
  ) {}

  get remainingMs(): number {
    return Math.max(0, this.totalMs - this.spentMs)
  }

  spend(ms: number): void {
    this.spentMs += ms
  }

  /** `fetch` and `sleep` that spend this budget, and stop the run with a clear error once it is spent. */
  wrap(net: { fetch: Fetch; sleep: Sleep }): { fetch: Fetch; sleep: Sleep } {
    return {
      fetch: async (url, init = {}) => {
        if (this.remainingMs <= 0) throw this.spent(`GET ${redactUrl(url)} was not sent`)
        const timer = deadline(this.remainingMs)
        const started = this.now()
        try {
          return await net.fetch(url, {
            ...init,
            signal: init.signal ? AbortSignal.any([init.signal, timer.signal]) : timer.signal
          })
        } catch (e) {
          // Our own deadline, not the request's: the request's timeout is shorter and reads as its own error.
          if (timer.signal.aborted && !init.signal?.aborted) {
            // Spent, whatever the clock says: a timer may fire a millisecond before it is due.
            this.spend(this.totalMs)
            throw this.spent(`${init.method ?? 'GET'} ${redactUrl(url)} was abandoned`, e)
          }
          throw e
        } finally {
          // The clock stops at the headers: a body (a 60 MB calicoctl) has its own stall timeout.
          timer.clear()
          this.spend(this.now() - started)
        }
      },
      sleep: async ms => {
        if (ms > this.remainingMs) throw this.spent(`a retry in ${Math.ceil(ms / 1000)} s would pass it`)
        this.spend(ms)
        await net.sleep(ms)
      }
    }
  }

  private spent(what: string, cause?: unknown): FcuError {
    return new FcuError(
      'network',
      `The run's network budget of ${Math.round(this.totalMs / 1000)} s (waiting for answers and between retries) is spent: ${what}`,
      {
        hint: 'The servers are stalling or failing: re-run the job later, or point download-url / releases-api-url at a reachable mirror.',
        ...(cause === undefined ? {} : { cause })
      }
    )
  }
}
