import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../../src/deps.js'
import type { RetryDeps } from '../../src/http/retry.js'

export interface SeenRequest {
  method: string
  /** Path and query, as the client sent them. */
  path: string
  headers: http.IncomingHttpHeaders
}

/**
 * What the server does with one request: answer; drop the connection without a response (`reset`); accept it and
 * never answer (`stall`); or send the headers and part of the body, then nothing more (`stall-body`).
 */
export type Reply =
  { status: number; headers?: Record<string, string>; body?: string } | 'reset' | 'stall' | 'stall-body'

export interface LocalServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string
  requests: SeenRequest[]
  close(): Promise<void>
}

/** A real HTTP server on 127.0.0.1 that records every request and answers with `reply(request, index)`. */
export async function startServer(reply: (req: SeenRequest, index: number) => Reply): Promise<LocalServer> {
  const requests: SeenRequest[] = []
  const server = http.createServer((req, res) => {
    const seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers }
    requests.push(seen)
    const answer = reply(seen, requests.length - 1)
    if (answer === 'reset') {
      req.socket.destroy()
      return
    }
    if (answer === 'stall') return
    if (answer === 'stall-body') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      res.write('[{"tag_name": "v2.9.3"')
      return
    }
    res.writeHead(answer.status, answer.headers ?? {})
    res.end(answer.body ?? '')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** A logger that keeps every line, so tests can check what a user would read. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: m => lines.push(`info: ${m}`),
    warning: m => lines.push(`warning: ${m}`),
    debug: m => lines.push(`debug: ${m}`)
  }
}

/** Retry deps with the real fetch, a sleep that only records, and a pinned clock. */
export function retryDeps(
  now = 1_700_000_000_000
): RetryDeps & { slept: number[]; log: ReturnType<typeof recordingLogger> } {
  const slept: number[] = []
  return {
    fetch: (url, init) => fetch(url, init),
    sleep: async ms => {
      slept.push(ms)
    },
    log: recordingLogger(),
    now: () => now,
    slept
  }
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body)
})
