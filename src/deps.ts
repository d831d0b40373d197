/**
 * The narrow interfaces the engine talks to the world through. `main.ts` and `cli.ts` pass real ones; tests pass
 * real local servers or in-memory fakes.
 */

export interface Logger {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
}

export const silentLogger: Logger = { info: () => {}, warning: () => {}, debug: () => {} }

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs a program without a shell; never throws on a non-zero exit (the caller decides). */
export type Exec = (
  file: string,
  args: string[],
  options?: { cwd?: string; env?: Record<string, string>; input?: string }
) => Promise<ExecResult>

export type Sleep = (ms: number) => Promise<void>

/** `fetch` as the engine uses it; tests pass the global one pointed at 127.0.0.1 servers. */
export type Fetch = (
  url: string,
  init?: { method?: string; headers?: Record<string, string> }
) => Promise<Response>
