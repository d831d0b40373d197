import type { Logger } from './deps.js'

/**
 * Where a run's time goes, on debug lines (`timing <phase>: <ms> ms`) that `npm run bench` sums per phase and a
 * user sees with `--verbose` or `ACTIONS_STEP_DEBUG`. Phases that run concurrently each count their own time.
 */
export async function timed<T>(log: Logger, phase: string, work: () => Promise<T> | T): Promise<T> {
  const start = performance.now()
  try {
    return await work()
  } finally {
    log.debug(`timing ${phase}: ${(performance.now() - start).toFixed(1)} ms`)
  }
}
