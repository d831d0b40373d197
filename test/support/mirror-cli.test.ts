import { spawn } from 'node:child_process'
import { once } from 'node:events'
import * as path from 'node:path'
import { createInterface } from 'node:readline'
import { repoRoot } from '../helpers/fixtures.js'

describe('mirror CLI', () => {
  it('prints url and apiUrl as JSON, serves them, and exits 0 on SIGTERM', async () => {
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), ['support/mirror/cli.ts'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit']
    })
    try {
      const exitedEarly = once(child, 'exit').then(([code]) => {
        throw new Error(`the mirror CLI exited (${String(code)}) before printing its URLs`)
      })
      // It also settles when the child is stopped below; only the race should see that.
      exitedEarly.catch(() => {})
      const [line] = (await Promise.race([
        once(createInterface({ input: child.stdout! }), 'line'),
        exitedEarly
      ])) as [string]
      const { url, apiUrl } = JSON.parse(line) as { url: string; apiUrl: string }
      expect(apiUrl).toBe(`${url}/api`)
      const releases = await fetch(`${apiUrl}/repos/fluxcd/flux2/releases`)
      expect(releases.status).toBe(200)
      const sums = await fetch(`${url}/fluxcd/flux2/releases/download/v2.9.3/flux_2.9.3_checksums.txt`)
      expect((await sums.text()).split('\n').filter(Boolean)).toHaveLength(4)
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        const [code] = (await exited) as [number | null]
        expect(code).toBe(0)
      }
    }
  })
})
