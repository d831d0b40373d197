import { main } from './main.js'

// The bundle's entry: the runner executes dist/index.js; tests import `main` directly instead.
main().then(
  code => {
    process.exitCode = code
  },
  e => {
    process.stderr.write(`flux-crs-upgrade: unexpected failure: ${(e as Error).stack ?? String(e)}\n`)
    process.exitCode = 1
  }
)
