/**
 * `npm run release [-- X.Y.Z] [--remote origin] [--dry-run]`: tags the current commit `vX.Y.Z` and moves the major
 * tag `vX` to it, then pushes both. Users pin `uses: <owner>/flux-crs-upgrade@vX` (or `@vX.Y.Z`), and what they run
 * is the committed dist/, so the commit must be exactly what the sources bundle to.
 *
 * Refused, with nothing tagged or pushed: a version that is not X.Y.Z or differs from package.json's, no
 * `## [X.Y.Z]` section in CHANGELOG.md, a working tree with changes, a commit no branch of the remote has, a
 * `vX.Y.Z` tag that exists (here or on the remote), and a dist/ that `npm run bundle` changes.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'

class Refused extends Error {}

const { values, positionals } = parseArgs({
  options: { remote: { type: 'string', default: 'origin' }, 'dry-run': { type: 'boolean', default: false } },
  allowPositionals: true,
  strict: true
})

const cwd = process.cwd()
const git = (...args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
const log = (line: string) => process.stdout.write(`${line}\n`)

function release(): void {
  const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as { version: string }
  const version = (positionals[0] ?? pkg.version).replace(/^v/, '')
  if (positionals.length > 1) throw new Refused(`one version at most, got ${positionals.join(' ')}`)
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Refused(`"${version}" is not a release version X.Y.Z`)
  if (version !== pkg.version) {
    throw new Refused(
      `package.json says ${pkg.version}, not ${version}: bump it (npm version ${version}) first`
    )
  }
  const changelog = readFileSync(path.join(cwd, 'CHANGELOG.md'), 'utf8')
  if (!new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\]`, 'm').test(changelog)) {
    throw new Refused(`CHANGELOG.md has no "## [${version}]" section: describe the release first`)
  }
  const dirty = git('status', '--porcelain')
  if (dirty) throw new Refused(`the working tree has changes; commit or stash them first:\n${dirty}`)

  const remote = values.remote!
  const tag = `v${version}`
  const major = `v${version.split('.')[0]}`
  const head = git('rev-parse', 'HEAD')
  // The remote's tags are the truth: a major tag it moved since replaces the local one.
  git('fetch', '--quiet', '--force', '--tags', remote)
  if (!git('branch', '--remotes', '--contains', head)) {
    throw new Refused(
      `${head.slice(0, 12)} is on no branch of ${remote}: push it first, then tag what was pushed`
    )
  }
  if (git('tag', '--list', tag)) throw new Refused(`${tag} exists already: a release tag never moves`)

  // The bundle is rebuilt from the sources at this commit; any difference means dist/ is not what users would run.
  log('Rebuilding dist/ (npm run bundle) to check it is fresh')
  execFileSync('npm', ['run', 'bundle', '--silent'], { cwd, stdio: ['ignore', 'ignore', 'inherit'] })
  const stale = git('status', '--porcelain', '--', 'dist')
  if (stale) {
    throw new Refused(
      `dist/ is stale: npm run bundle changed it; commit the rebuilt dist/ and release again:\n${stale}`
    )
  }

  if (values['dry-run']) {
    log(`Would tag ${head.slice(0, 12)} as ${tag}, move ${major} to it, and push both to ${remote}`)
    return
  }
  git('tag', '--annotate', '--message', `${tag}`, tag, head)
  git('tag', '--force', '--annotate', '--message', `${tag} (latest ${major}.x)`, major, head)
  // One atomic push: the remote gets both tags or neither; only the major tag is forced.
  git(
    'push',
    '--quiet',
    '--atomic',
    remote,
    `refs/tags/${tag}:refs/tags/${tag}`,
    `+refs/tags/${major}:refs/tags/${major}`
  )
  log(`Released ${tag} at ${head.slice(0, 12)}; ${major} points at it`)
}

try {
  release()
} catch (e) {
  const message = e instanceof Refused ? e.message : ((e as { stderr?: string }).stderr?.trim() ?? String(e))
  process.stderr.write(`release: ${message}\n`)
  process.exitCode = 1
}
