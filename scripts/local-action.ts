/**
 * `npm run local-action [-- --env FILE] [--port N] [--root DIR]`: the action's sources (src/main.ts) run by
 * @github/local-action, which stubs @actions/core and reads inputs and runner variables from a dotenv file
 * (`.env.example` by default), on the example fleet, against the release mirror on 127.0.0.1. Offline.
 *
 * The env file says where everything is: the mirror's port (in `INPUT_DOWNLOAD-URL`) and the fleet
 * (`GITHUB_WORKSPACE`, its folder holding the summary, temp and tool cache too). This script lays the fleet out
 * fresh (Flux 2.7.5, one commit), starts the mirror on that port, and runs
 * `local-action . src/main.ts <env file>`. `--port` and `--root` move the mirror and the folder (`--port 0`: any
 * free port), for runs side by side; the effective env file is then written into the folder and used instead.
 */
import { spawn, execFileSync } from 'node:child_process'
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { startMirror } from '../support/mirror/server.js'
import { defaultFixturesDir } from '../support/standins/index.js'
import { prepareExample } from '../support/example/prepare.js'
import { repoRoot } from '../support/runner.js'

const { values } = parseArgs({
  options: {
    env: { type: 'string', default: '.env.example' },
    port: { type: 'string' },
    root: { type: 'string' }
  },
  strict: true
})

const envFile = path.resolve(repoRoot, values.env!)
const lines = readFileSync(envFile, 'utf8').split('\n')
const read = (key: string): string => {
  const line = lines.find(l => l.startsWith(`${key}=`))
  if (!line) throw new Error(`${envFile} sets no ${key}`)
  return line.slice(key.length + 1)
}

const workspaceAsWritten = read('GITHUB_WORKSPACE')
const folder = path.resolve(repoRoot, values.root ?? path.dirname(workspaceAsWritten))
const workspace = path.join(folder, path.basename(workspaceAsWritten))
const port = Number(values.port ?? new URL(read('INPUT_DOWNLOAD-URL')).port)

rmSync(workspace, { recursive: true, force: true })
mkdirSync(workspace, { recursive: true })
prepareExample(workspace, '2.7.5', defaultFixturesDir())
const git = (...args: string[]) =>
  execFileSync('git', args, {
    cwd: workspace,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }
  })
git('init', '--quiet', '--initial-branch', 'main')
git('add', '-A')
git(
  '-c',
  'user.name=demo',
  '-c',
  'user.email=demo@example.invalid',
  'commit',
  '--quiet',
  '-m',
  'Fleet on Flux 2.7.5'
)

const mirror = await startMirror({ port, fixturesDir: defaultFixturesDir() })
let effective = envFile
if (values.port !== undefined || values.root !== undefined) {
  // The same file with the mirror's URLs and the folder's paths moved; every other line as written.
  const origin = new URL(read('INPUT_DOWNLOAD-URL')).origin
  const from = path.dirname(workspaceAsWritten)
  effective = path.join(folder, '.env')
  writeFileSync(
    effective,
    lines
      .map(l => l.split(origin).join(mirror.url))
      .map(l => (/^[A-Z_]+=/.test(l) && l.includes(`=${from}/`) ? l.replace(`=${from}/`, `=${folder}/`) : l))
      .join('\n')
  )
}
for (const dir of ['temp', 'tool-cache']) mkdirSync(path.join(folder, dir), { recursive: true })
writeFileSync(path.join(folder, 'summary.md'), '')

// Where node_modules is a symlink (git worktrees sharing one), module paths must stay as npm lists them for
// local-action's stubs to replace @actions/core.
const linked = lstatSync(path.join(repoRoot, 'node_modules')).isSymbolicLink()
const child = spawn(path.join(repoRoot, 'node_modules/.bin/local-action'), ['.', 'src/main.ts', effective], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: {
    ...process.env,
    ...(linked ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --preserve-symlinks`.trim() } : {})
  }
})
const code = await new Promise<number>(resolve => child.on('close', c => resolve(c ?? 1)))
await mirror.close()
console.log(`\n--- the fleet after the run (${workspace}): git diff --stat ---`)
console.log(git('diff', '--stat'))
process.exitCode = code
