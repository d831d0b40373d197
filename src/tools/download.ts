import { FcuError } from '../errors.js'
import { defaultRetryPolicy, fetchWithRetry, redactUrl, timeoutOf, type RetryDeps } from '../http/retry.js'

export type DownloadResult<T> = { ok: true; value: T } | { ok: false; status: number }

/** A response body that stopped before its end: the connection broke, or fewer bytes than Content-Length came. */
class BrokenBody extends Error {}

function declaredLength(res: Response): number | undefined {
  // fetch decodes a compressed body, so Content-Length then counts other bytes than the ones we read.
  const encoding = res.headers.get('content-encoding')
  if (encoding !== null && encoding !== 'identity') return undefined
  const value = res.headers.get('content-length')
  const n = value === null ? NaN : Number(value)
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

/** The next chunk, or a `network` error when none comes within `idleMs`: a body that stalls is not waited on. */
async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleMs: number,
  stalled: () => FcuError
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: NodeJS.Timeout | undefined
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(stalled()), idleMs)
    timer.unref()
  })
  try {
    return await Promise.race([reader.read(), idle])
  } finally {
    clearTimeout(timer)
  }
}

async function* chunksOf(res: Response, url: string, idleMs: number): AsyncGenerator<Uint8Array> {
  if (res.body === null) return
  const expected = declaredLength(res)
  const reader = res.body.getReader()
  let received = 0
  let finished = false
  const stalled = () =>
    new FcuError(
      'network',
      `GET ${redactUrl(url)} stalled: no byte of the body came for ${idleMs / 1000} s (after ${received} bytes)`,
      {
        hint: 'The server sent the headers and then stopped: re-run the job later, or point download-url at a mirror.'
      }
    )
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>
      try {
        next = await readWithin(reader, idleMs, stalled)
      } catch (e) {
        if (e instanceof FcuError) throw e
        throw new BrokenBody(`the connection broke after ${received} bytes`, { cause: e })
      }
      if (next.done) break
      received += next.value.byteLength
      yield next.value
    }
    finished = true
  } finally {
    // The consumer stopped early (e.g. a disk error): free the connection instead of leaving it half read.
    if (!finished) await reader.cancel().catch(() => {})
  }
  if (expected !== undefined && received < expected) {
    throw new BrokenBody(`the body ended after ${received} of ${expected} bytes`)
  }
}

/**
 * GETs `url` and streams a 2xx body through `consume`; any other final status is returned for the caller to word.
 * `fetchWithRetry` retries what fails before the body starts; a body that breaks off midway is retried here under
 * the same policy, with a fresh `consume` each time (so a file sink must truncate what it wrote before). No
 * credentials are ever sent: release assets are public, and a GHES token must not reach github.com.
 */
export async function download<T>(
  url: string,
  deps: RetryDeps,
  consume: (chunks: AsyncIterable<Uint8Array>) => Promise<T>
): Promise<DownloadResult<T>> {
  const policy = deps.policy ?? defaultRetryPolicy
  for (let attempt = 1; ; attempt++) {
    const res = await fetchWithRetry(url, { headers: {} }, deps)
    if (!res.ok) {
      await res.body?.cancel().catch(() => {})
      return { ok: false, status: res.status }
    }
    try {
      return { ok: true, value: await consume(chunksOf(res, url, timeoutOf(policy))) }
    } catch (e) {
      if (!(e instanceof BrokenBody)) throw e
      if (attempt >= policy.attempts) {
        throw new FcuError(
          'network',
          `GET ${redactUrl(url)} failed after ${attempt} attempts: ${e.message}`,
          {
            hint: 'The connection to download-url keeps breaking off; re-run the job, or point download-url at a closer mirror.',
            cause: e
          }
        )
      }
      const delay = policy.baseDelayMs * 2 ** (attempt - 1)
      deps.log.info(
        `GET ${redactUrl(url)}: ${e.message}; retrying in ${delay} ms (attempt ${attempt + 1} of ${policy.attempts})`
      )
      await deps.sleep(delay)
    }
  }
}

/** Collects a body as UTF-8 text (for small files such as checksum lists). */
export async function collectText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return Buffer.concat(parts).toString('utf8')
}
