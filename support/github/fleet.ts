import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { prepareExample } from '../example/prepare.js'
import { startGitHubDouble, type GitHubDouble } from './server.js'

/**
 * The example fleet as a GitHub repository: a bare repository served by the GitHub double (its `main` holding the
 * example at a Flux version), and a workspace checked out from it as actions/checkout leaves one: `origin` is the
 * repository's URL on the server, and an `http.<server>/.extraheader` with the checkout's own credential is
 * persisted in .git/config.
 */

export interface Fleet {
  github: GitHubDouble
  workspace: string
  /** A clone that plays the other people who push to the repository. */
  other: string
  /** The header actions/checkout persisted, as it stands in .git/config. */
  checkoutHeader: string
  /** A new workspace cloned from origin's `main` as actions/checkout leaves one: each workflow run gets its own. */
  checkout(): string
  /** Commits the files in `other` and pushes them to origin's `branch`. */
  pushAsOther(files: Record<string, string | null>, message: string, branch?: string): string
  /** What a branch of origin holds: path → content. */
  branchFiles(branch: string): Map<string, string>
  close(): Promise<void>
}

const identity = {
  GIT_AUTHOR_NAME: 'Fleet Admin',
  GIT_AUTHOR_EMAIL: 'admin@example.invalid',
  GIT_COMMITTER_NAME: 'Fleet Admin',
  GIT_COMMITTER_EMAIL: 'admin@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null'
}

export function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, {
    cwd,
    input,
    env: { ...process.env, ...identity },
    encoding: 'utf8',
    maxBuffer: 1 << 30
  })
}

export async function startFleet(options: {
  token: string
  fixtures: string | null
  fluxVersion?: string
  /** Changes the example before its first commit. */
  prepare?: (dir: string) => void
}): Promise<Fleet> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-fleet-'))
  const bareDir = path.join(root, 'srv', 'example-org', 'fleet.git')
  mkdirSync(path.dirname(bareDir), { recursive: true })
  git(root, ['init', '--quiet', '--bare', '--initial-branch', 'main', bareDir])
  const github = await startGitHubDouble({ bareDir, token: options.token })

  const other = path.join(root, 'other')
  mkdirSync(other)
  git(other, ['init', '--quiet', '--initial-branch', 'main'])
  prepareExample(other, options.fluxVersion ?? '2.7.5', options.fixtures)
  options.prepare?.(other)
  git(other, ['add', '-A'])
  git(other, ['commit', '--quiet', '-m', 'Fleet'])
  git(other, ['push', '--quiet', bareDir, 'main'])

  const checkoutHeader = `AUTHORIZATION: basic ${Buffer.from('x-access-token:ghs_checkout_credential').toString('base64')}`
  let checkouts = 0
  const checkout = (): string => {
    const workspace = path.join(root, checkouts++ === 0 ? 'workspace' : `workspace-${checkouts}`)
    git(root, ['clone', '--quiet', bareDir, workspace])
    git(workspace, ['remote', 'set-url', 'origin', github.cloneUrl])
    git(workspace, ['config', '--local', `http.${github.serverUrl}/.extraheader`, checkoutHeader])
    return workspace
  }
  const workspace = checkout()

  return {
    github,
    workspace,
    other,
    checkoutHeader,
    checkout,
    pushAsOther(files, message, branch = 'main') {
      // A branch origin does not have yet starts from main.
      const from = git(bareDir, ['branch', '--list', branch]).trim() ? branch : 'main'
      git(other, ['fetch', '--quiet', bareDir, `+refs/heads/${from}:refs/remotes/srv/${from}`])
      git(other, ['checkout', '--quiet', '-B', branch, `refs/remotes/srv/${from}`])
      for (const [f, content] of Object.entries(files)) {
        const p = path.join(other, f)
        if (content === null) git(other, ['rm', '--quiet', f])
        else {
          mkdirSync(path.dirname(p), { recursive: true })
          writeFileSync(p, content)
          git(other, ['add', f])
        }
      }
      git(other, ['commit', '--quiet', '-m', message])
      git(other, ['push', '--quiet', '--force', bareDir, `HEAD:refs/heads/${branch}`])
      return git(other, ['rev-parse', 'HEAD']).trim()
    },
    branchFiles(branch) {
      const out = new Map<string, string>()
      for (const f of git(bareDir, ['ls-tree', '-r', '--name-only', branch]).split('\n').filter(Boolean)) {
        out.set(f, git(bareDir, ['show', `${branch}:${f}`]))
      }
      return out
    },
    close: () => github.close()
  }
}

export const readText = (p: string): string => readFileSync(p, 'utf8')
