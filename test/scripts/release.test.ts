import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { repoRoot } from '../../support/runner.js'

/**
 * The release script against a local bare repository: a scratch project with its own `bundle` script (dist/ made
 * from one source file), cloned from a bare `origin`, released as `npm run release` would run it.
 */
const identity = {
  GIT_AUTHOR_NAME: 'Releaser',
  GIT_AUTHOR_EMAIL: 'releaser@example.invalid',
  GIT_COMMITTER_NAME: 'Releaser',
  GIT_COMMITTER_EMAIL: 'releaser@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null'
}
const env = { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...identity }
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim()
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx')
const script = path.join(repoRoot, 'scripts/release.ts')

function release(cwd: string, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>(resolve => {
    execFile(tsx, [script, ...args], { cwd, env }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    )
  })
}

/** A project on 0.1.0 whose dist/ is fresh, pushed to a bare origin. */
function project(): { work: string; origin: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-release-'))
  const origin = path.join(root, 'origin.git')
  git(root, 'init', '--quiet', '--bare', '--initial-branch', 'main', origin)
  const work = path.join(root, 'work')
  git(root, 'clone', '--quiet', origin, work)
  writeFileSync(path.join(work, 'src.txt'), 'engine 1\n')
  writeFileSync(
    path.join(work, 'bundle.cjs'),
    "const fs = require('fs')\nfs.mkdirSync('dist', { recursive: true })\nfs.writeFileSync('dist/index.js', '// ' + fs.readFileSync('src.txt', 'utf8'))\n"
  )
  mkdirSync(path.join(work, 'dist'))
  writeFileSync(path.join(work, 'dist/index.js'), '// engine 1\n')
  bump(work, '0.1.0')
  git(work, 'add', '-A')
  git(work, 'commit', '--quiet', '-m', 'Release 0.1.0')
  git(work, 'push', '--quiet', 'origin', 'main')
  return { work, origin }
}

function bump(work: string, version: string) {
  writeFileSync(
    path.join(work, 'package.json'),
    JSON.stringify({ name: 'p', version, private: true, scripts: { bundle: 'node bundle.cjs' } }, null, 2)
  )
  writeFileSync(path.join(work, 'CHANGELOG.md'), `# Changelog\n\n## [${version}] - 2026-12-01\n\n- Things.\n`)
}

const tags = (repo: string) =>
  git(repo, 'for-each-ref', '--format=%(refname:short) %(objecttype) %(*objectname)', 'refs/tags')

describe('scripts/release.ts', () => {
  it('tags vX.Y.Z and moves vX, pushed to the remote; the next minor moves vX and keeps the old tag', async () => {
    const { work, origin } = project()
    const first = git(work, 'rev-parse', 'HEAD')
    const r = await release(work)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Released v0.1.0 at ${first.slice(0, 12)}; v0 points at it`)
    expect(tags(origin)).toBe([`v0 tag ${first}`, `v0.1.0 tag ${first}`].join('\n'))

    writeFileSync(path.join(work, 'src.txt'), 'engine 2\n')
    writeFileSync(path.join(work, 'dist/index.js'), '// engine 2\n')
    bump(work, '0.2.0')
    git(work, 'commit', '--quiet', '-am', 'Release 0.2.0')
    git(work, 'push', '--quiet', 'origin', 'main')
    const second = git(work, 'rev-parse', 'HEAD')
    expect((await release(work, 'v0.2.0')).code).toBe(0)
    expect(tags(origin)).toBe([`v0 tag ${second}`, `v0.1.0 tag ${first}`, `v0.2.0 tag ${second}`].join('\n'))
  })

  it('refuses a stale dist/, a dirty tree, an unpushed commit, a version package.json does not have, a tag that exists', async () => {
    const { work, origin } = project()
    const refused = async (pattern: RegExp, ...args: string[]) => {
      const r = await release(work, ...args)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(pattern)
      expect(tags(origin)).toBe('')
    }
    await refused(/package\.json says 0\.1\.0, not 0\.2\.0/, '0.2.0')
    await refused(/"0\.1" is not a release version/, '0.1')

    writeFileSync(path.join(work, 'src.txt'), 'engine 2\n')
    await refused(/the working tree has changes/)
    git(work, 'commit', '--quiet', '-am', 'A change without its bundle')
    await refused(/is on no branch of origin: push it first/)
    git(work, 'push', '--quiet', 'origin', 'main')
    await refused(/dist\/ is stale: npm run bundle changed it[\s\S]*M dist\/index\.js/)
    expect(git(work, 'tag', '--list')).toBe('')

    git(work, 'commit', '--quiet', '-am', 'Bundle')
    git(work, 'push', '--quiet', 'origin', 'main')
    expect((await release(work, '--dry-run')).stdout).toMatch(/Would tag \w+ as v0\.1\.0, move v0 to it/)
    expect(tags(origin)).toBe('')
    expect((await release(work)).code).toBe(0)
    const r = await release(work)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('v0.1.0 exists already')
  })
})
