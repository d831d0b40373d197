/**
 * Runs the release mirror until SIGTERM / SIGINT: `npx tsx support/mirror/cli.ts [--port N] [--fixtures DIR]`.
 * Prints `{"url": ..., "apiUrl": ...}` on one stdout line once it listens, for `download-url` and `releases-api-url`.
 */
import { parseArgs } from 'node:util'
import { startMirror } from './server.js'

const { values } = parseArgs({
  options: { port: { type: 'string' }, fixtures: { type: 'string' } },
  strict: true
})

const port = values.port === undefined ? 0 : Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a port number, not ${JSON.stringify(values.port)}\n`)
  process.exit(2)
}

const mirror = await startMirror({
  port,
  ...(values.fixtures === undefined ? {} : { fixturesDir: values.fixtures })
})
process.stdout.write(`${JSON.stringify({ url: mirror.url, apiUrl: mirror.apiUrl })}\n`)

const stop = (): void => {
  mirror.close().then(
    () => process.exit(0),
    () => process.exit(1)
  )
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
