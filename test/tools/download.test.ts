import { afterEach, describe, expect, it } from '@jest/globals'
import { FcuError } from '../../src/errors.js'
import { defaultRetryPolicy } from '../../src/http/retry.js'
import { collectText, download } from '../../src/tools/download.js'
import { rejection } from '../helpers/errors.js'
import { retryDeps, startServer, type LocalServer } from '../http/localServer.js'

let server: LocalServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('download', () => {
  it('abandons a body that stops coming, after the request timeout without a byte, and does not retry it', async () => {
    server = await startServer(() => 'stall-body')
    const deps = { ...retryDeps(), policy: { ...defaultRetryPolicy, timeoutMs: 200 } }
    const e = await rejection(download(`${server.url}/flux.tar.gz`, deps, collectText))
    expect(e).toBeInstanceOf(FcuError)
    expect(e.message).toBe(
      `GET ${server.url}/flux.tar.gz stalled: no byte of the body came for 0.2 s (after 22 bytes)`
    )
    expect(server.requests).toHaveLength(1)
    expect(deps.slept).toEqual([])
  })
})
