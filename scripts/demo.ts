/**
 * `npm run demo`: the bundled action upgrades the embedded example fleet repository, offline. A release mirror on
 * 127.0.0.1 serves release lists, archives, checksums and the flux/calicoctl stand-ins; the action runs as a runner
 * would start it; then the job summary and the diff are printed. Set DEMO_NODE to run dist/ under another node.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startMirror } from '../support/mirror/server.js'
import { defaultFixturesDir } from '../support/standins/index.js'
import { prepareExample } from '../support/example/prepare.js'
import { runAction } from '../support/runner.js'

const fixtures = defaultFixturesDir()
const from = '2.7.5'
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20 })

const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-demo-'))
prepareExample(workspace, from, fixtures)
git(workspace, 'init', '-q', '-b', 'main')
git(workspace, 'add', '-A')
git(
  workspace,
  '-c',
  'user.name=demo',
  '-c',
  'user.email=demo@example.com',
  'commit',
  '-qm',
  `fleet on Flux ${from}`
)

const mirror = await startMirror({ fixturesDir: fixtures })
try {
  console.log(
    `Example fleet repository: ${workspace} (Flux ${from}; manifests from ${fixtures ? 'the shared upstream fixtures' : 'the synthetic stand-in'})`
  )
  console.log(`Release mirror: ${mirror.url}\n`)
  const run = await runAction({
    workspace,
    node: process.env.DEMO_NODE,
    // As a workflow that sets only these: every other input arrives with its action.yml default.
    event: { name: 'workflow_dispatch', inputs: { 'dry-run': 'true' } },
    inputs: { 'dry-run': 'true', 'releases-api-url': mirror.apiUrl, 'download-url': mirror.url }
  })
  console.log('--- action log ---')
  process.stdout.write(
    run.stdout
      .split('\n')
      .filter(l => !l.startsWith('::debug::'))
      .join('\n')
  )
  if (run.stderr) process.stdout.write(run.stderr)
  console.log(`\n--- exit code: ${run.exitCode} ---\n\n--- outputs ---`)
  for (const [k, v] of Object.entries(run.outputs)) console.log(`${k}=${v}`)
  console.log('\n--- job summary ---')
  console.log(run.summary)
  console.log('--- git diff --stat ---')
  console.log(git(workspace, 'diff', '--stat'))
  console.log('--- git diff (sync objects and the first lines of gotk-components.yaml) ---')
  console.log(
    git(
      workspace,
      'diff',
      '--',
      'clusters/tmp-mgmt/flux-system/gotk-sync.yaml',
      'clusters/tmp-mgmt/infrastructure.yaml'
    )
  )
  console.log(
    git(workspace, 'diff', '-U1', '--', 'clusters/tmp-mgmt/flux-system/gotk-components.yaml')
      .split('\n')
      .slice(0, 30)
      .join('\n')
  )
  process.exitCode = run.exitCode
} finally {
  await mirror.close()
}
