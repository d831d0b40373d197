/**
 * Silences the runner-log lines `@actions/*` write straight to stdout, in tests only. `core.debug` always writes
 * `::debug::…` (the runner, not the library, hides them unless step debugging is on), and `@actions/exec` echoes
 * each command it runs as `[command]…` (tool-cache's tar); jest captures `console` but not `process.stdout.write`,
 * so every install in a test would print them. Any other write to stdout passes through unchanged.
 */
const RUNNER_LOG = /^(::debug::|\[command\])/

const write = process.stdout.write.bind(process.stdout)
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).subarray(0, 16).toString('utf8')
  if (!RUNNER_LOG.test(text)) return (write as (...args: unknown[]) => boolean)(chunk, ...rest)
  const done = rest.find(r => typeof r === 'function') as (() => void) | undefined
  if (done) process.nextTick(done)
  return true
}) as typeof process.stdout.write
