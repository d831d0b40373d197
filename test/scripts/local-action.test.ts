import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { repoRoot } from '../../support/runner.js'

/**
 * `npm run local-action`: the sources run by @github/local-action with `.env.example` (its mirror port and folder
 * moved, so the test runs beside anything else), on the example fleet against the release mirror.
 */
const bin = path.join(repoRoot, 'node_modules/.bin/local-action')
const describeInstalled = existsSync(bin) ? describe : describe.skip
if (!existsSync(bin))
  console.warn('npm run local-action is not tested here: @github/local-action is not installed')

describeInstalled('npm run local-action', () => {
  it('upgrades the example fleet in dry-run from .env.example, with local-action stubbing @actions/core', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-local-action-'))
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>(resolve =>
      execFile(
        path.join(repoRoot, 'node_modules/.bin/tsx'),
        ['scripts/local-action.ts', '--port', '0', '--root', root],
        { cwd: repoRoot, maxBuffer: 64 << 20 },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
      )
    )
    expect(r.code).toBe(0)
    // local-action's own core: annotations as `::info::`, and the outputs in its table, not a GITHUB_OUTPUT file.
    expect(r.stdout).toContain('::info::flux: 2.7.5 → 2.9.3')
    expect(r.stdout).toMatch(/'changed'\s+│ 'true'/)
    expect(r.stdout).toMatch(/'flux-version'\s+│ '2\.9\.3'/)
    expect(r.stdout).not.toMatch(/^::error/m)
    expect(r.stdout).toContain('clusters/tmp-mgmt/flux-system/gotk-components.yaml')
    expect(
      readFileSync(path.join(root, 'fleet/clusters/tmp-mgmt/flux-system/gotk-components.yaml'), 'utf8')
    ).toContain('# Flux Version: v2.9.3')
    expect(readFileSync(path.join(root, 'summary.md'), 'utf8')).toContain('| flux | 2.7.5 | 2.9.3 |')
    // The env file moved only the mirror's URLs and the folder's paths.
    const env = readFileSync(path.join(root, '.env'), 'utf8')
    expect(env).toContain(`GITHUB_WORKSPACE=${root}/fleet`)
    expect(env).toContain('INPUT_DRY-RUN=true')
    expect(env).toMatch(/^INPUT_DOWNLOAD-URL=http:\/\/127\.0\.0\.1:\d+$/m)
    expect(env).not.toContain('INPUT_DOWNLOAD-URL=http://127.0.0.1:8731')
  })
})
