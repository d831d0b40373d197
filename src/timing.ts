import type { Logger } from './deps.js'

/**
 * Where a run's time and memory go, on debug lines (`timing <phase>: <ms> ms, heap <MB> MB`) that `npm run bench`
 * sums (time) and takes the largest of (heap) per phase, and a user sees with `--verbose` or `ACTIONS_STEP_DEBUG`.
 * The heap is the V8 heap in use when the phase ends, garbage not yet collected included: what a phase leaves
 * held shows as growth from one phase to the next. Phases that run concurrently each count their own time.
 */
export async function timed<T>(log: Logger, phase: string, work: () => Promise<T> | T): Promise<T> {
  const start = performance.now()
  try {
    return await work()
  } finally {
    const heapMB = process.memoryUsage().heapUsed / (1024 * 1024)
    log.debug(`timing ${phase}: ${(performance.now() - start).toFixed(1)} ms, heap ${Math.round(heapMB)} MB`)
  }
}
