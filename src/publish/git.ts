import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { FcuError } from '../errors.js'
import type { Exec } from '../deps.js'
import type { Identity } from '../settings/inputs.js'
import { defaultRetryPolicy } from '../http/retry.js'

/**
 * The repository's git, for building and pushing pull request branches without touching the working tree or the
 * index: commits are made with plumbing on a scratch index, from the base as fetched from `origin`.
 *
 * Credentials: the token reaches git as an `http.<server>/.extraheader` given through the environment
 * (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`), so it is on no command line and in no config file.
 * An empty value for the same key comes first: it clears the header actions/checkout persisted in .git/config, which
 * git would otherwise send as a second Authorization header; .git/config itself is never written.
 */

export interface FileChange {
  /** Relative to the working directory (the repository root, or a folder in it). */
  path: string
  content: string | null
}

export interface GitAuth {
  /** `GITHUB_SERVER_URL`: the header goes to this server only. */
  serverUrl: string
  token: string
}

/** The base64 credential of the Authorization header; the caller masks it in the log. */
export const basicCredential = (token: string): string =>
  Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64')

/** The object id git gives a file's content. */
export const blobSha = (content: Buffer): string =>
  createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')

/** Seconds a git transfer may go without progress: the request timeout of `defaultRetryPolicy`. */
export const GIT_STALL_SECONDS = defaultRetryPolicy.timeoutMs / 1000

/** The environment that gives git the token (and its hooks and stall bound): appended to any GIT_CONFIG_* the job already set. */
export function gitAuthEnv(auth: GitAuth | undefined, env: NodeJS.ProcessEnv): Record<string, string> {
  const first = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10) || 0
  const entries: [string, string][] = [
    ['core.hooksPath', '/dev/null'],
    // A remote that accepts the connection and then stalls: git gives up after 30 s below 1 byte/s, the same bound
    // as every HTTP request of the run, instead of waiting as long as the job lives.
    ['http.lowSpeedLimit', '1'],
    ['http.lowSpeedTime', String(GIT_STALL_SECONDS)]
  ]
  if (auth?.token) {
    const key = `http.${auth.serverUrl.replace(/\/*$/, '/')}.extraheader`
    entries.push([key, ''], [key, `AUTHORIZATION: basic ${basicCredential(auth.token)}`])
  }
  const out: Record<string, string> = {
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: String(first + entries.length)
  }
  entries.forEach(([k, v], i) => {
    out[`GIT_CONFIG_KEY_${first + i}`] = k
    out[`GIT_CONFIG_VALUE_${first + i}`] = v
  })
  return out
}

/**
 * Why git refuses a push when the branch is not where the lease expected: checked before sending (`stale info`,
 * `fetch first`), or by origin when another push won the race for the ref.
 */
const movedMeanwhile =
  /stale info|fetch first|non-fast-forward|already exists|failed to update ref|cannot lock ref|incorrect old value/i

/** The refs a run fetches into, under a namespace of its own; removed by `cleanUp`. */
const ownRefs = 'refs/flux-crs-upgrade'

export interface TreeFile {
  mode: string
  sha: string
}

export class GitRepository {
  private constructor(
    private readonly exec: Exec,
    /** The repository's top level. */
    readonly top: string,
    /** The working directory's path inside the repository, `''` or ending in `/`. */
    readonly prefix: string,
    private readonly shallow: boolean,
    private readonly env: Record<string, string>,
    private readonly scratch: string
  ) {}

  static async open(
    exec: Exec,
    workingDirectory: string,
    env: Record<string, string>,
    tempDir: string
  ): Promise<GitRepository> {
    const run = async (args: string[]) => {
      const r = await exec('git', args, { cwd: workingDirectory, env })
      if (r.exitCode !== 0)
        throw new FcuError(
          'publish',
          `${workingDirectory} is not a git repository with a checkout (${r.stderr.trim()})`,
          {
            location: { input: 'working-directory' },
            hint: 'Check the repository out with actions/checkout before this step.'
          }
        )
      return r.stdout.trim()
    }
    const top = await run(['rev-parse', '--show-toplevel'])
    const prefix = await run(['rev-parse', '--show-prefix'])
    const shallow = (await run(['rev-parse', '--is-shallow-repository'])) === 'true'
    const scratch = await mkdtemp(path.join(tempDir, 'git-'))
    return new GitRepository(exec, top, prefix, shallow, env, scratch)
  }

  private async git(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
    return this.exec('git', args, {
      cwd: this.top,
      env: { ...this.env, ...options.env },
      input: options.input
    })
  }

  private async ok(
    args: string[],
    options: { input?: string; env?: Record<string, string> } = {}
  ): Promise<string> {
    const r = await this.git(args, options)
    if (r.exitCode !== 0) {
      throw new FcuError('publish', `git ${args[0]} failed: ${r.stderr.trim() || r.stdout.trim()}`)
    }
    return r.stdout
  }

  /** The commit each branch of `origin` points at, for those that exist. */
  async remoteBranches(branches: string[]): Promise<Map<string, string>> {
    const r = await this.git(['ls-remote', '--heads', 'origin', ...branches.map(b => `refs/heads/${b}`)])
    if (r.exitCode !== 0) throw this.remoteError('read the branches of', r.stderr)
    const out = new Map<string, string>()
    for (const line of r.stdout.split('\n')) {
      const [sha, ref] = line.split('\t')
      if (ref?.startsWith('refs/heads/')) out.set(ref.slice('refs/heads/'.length), sha)
    }
    return out
  }

  /** Fetches branches of `origin`; returns the commit each one was fetched at. */
  async fetch(branches: string[]): Promise<Map<string, string>> {
    const specs = branches.map(b => `+refs/heads/${b}:${ownRefs}/${b}`)
    const r = await this.git([
      'fetch',
      '--no-tags',
      '--quiet',
      ...(this.shallow ? ['--depth=1'] : []),
      'origin',
      ...specs
    ])
    if (r.exitCode !== 0) throw this.remoteError('fetch from', r.stderr)
    const out = new Map<string, string>()
    for (const b of branches)
      out.set(b, (await this.ok(['rev-parse', '--verify', `${ownRefs}/${b}^{commit}`])).trim())
    return out
  }

  async treeOf(commit: string): Promise<string> {
    return (await this.ok(['rev-parse', '--verify', `${commit}^{tree}`])).trim()
  }

  /** Every file of a commit's tree, by repository path. */
  async files(commit: string): Promise<Map<string, TreeFile>> {
    const out = new Map<string, TreeFile>()
    for (const entry of (await this.ok(['ls-tree', '-r', '-z', '--full-tree', commit])).split('\0')) {
      if (!entry) continue
      const tab = entry.indexOf('\t')
      const [mode, , sha] = entry.slice(0, tab).split(' ')
      out.set(entry.slice(tab + 1), { mode, sha })
    }
    return out
  }

  async readBlob(sha: string): Promise<string> {
    return this.ok(['cat-file', 'blob', sha])
  }

  /** Writes the contents as blobs in one `git hash-object` run; returns their ids in order. */
  async writeBlobs(contents: readonly { readonly content: string | null }[]): Promise<string[]> {
    if (contents.length === 0) return []
    const dir = await mkdtemp(path.join(this.scratch, 'blobs-'))
    try {
      // One text at a time: each may be read from a store, and a large change must not be held all at once.
      const files: string[] = []
      for (const [i, c] of contents.entries()) {
        const f = path.join(dir, String(i))
        await writeFile(f, c.content ?? '', 'utf8')
        files.push(f)
      }
      const out = await this.ok(['hash-object', '-w', '--no-filters', '--stdin-paths'], {
        input: files.join('\n') + '\n'
      })
      return out.trim().split('\n')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  /** The tree of `base` with the entries set (mode and blob) or removed (`null`), on a scratch index. */
  async writeTree(
    base: string,
    entries: { path: string; mode: string; sha: string | null }[]
  ): Promise<string> {
    const index = path.join(this.scratch, 'index')
    const env = { GIT_INDEX_FILE: index }
    try {
      await this.ok(['read-tree', base], { env })
      const info = entries.map(e =>
        e.sha === null ? `0 ${'0'.repeat(40)}\t${e.path}` : `${e.mode} ${e.sha}\t${e.path}`
      )
      if (info.length)
        await this.ok(['update-index', '-z', '--index-info'], { input: info.join('\0') + '\0', env })
      return (await this.ok(['write-tree'], { env })).trim()
    } finally {
      await rm(index, { force: true })
    }
  }

  async commitTree(
    tree: string,
    parent: string,
    message: string,
    author: Identity,
    committer: Identity
  ): Promise<string> {
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email
    }
    return (await this.ok(['commit-tree', tree, '-p', parent, '-F', '-'], { input: message, env })).trim()
  }

  /**
   * Pushes `commit` to the branch, only if the branch is still where it was fetched (`expected`, or absent when
   * undefined). Returns false when it moved meanwhile.
   */
  async push(commit: string, branch: string, expected: string | undefined): Promise<boolean> {
    const r = await this.git([
      'push',
      '--porcelain',
      `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`,
      'origin',
      `${commit}:refs/heads/${branch}`
    ])
    if (r.exitCode === 0) return true
    const refused = /^!\t[^\t]*\t\[(remote rejected|rejected)\] \((.*)\)$/m.exec(r.stdout)
    if (!refused) throw this.remoteError(`push ${branch} to`, r.stderr || r.stdout)
    if (movedMeanwhile.test(refused[2])) return false
    // A hook or a branch protection rule said no: pushing again gets the same answer.
    const said = r.stderr
      .split('\n')
      .filter(l => l.startsWith('remote: '))
      .map(l => l.slice('remote: '.length).trim())
      .filter(Boolean)
    throw new FcuError(
      'publish',
      `origin refused the push of ${branch}: ${refused[2]}${said.length ? ` (${said.join(' ')})` : ''}`,
      {
        hint: 'A hook or a branch protection rule on origin refuses this branch: allow the action to push branches under branch-prefix, or choose another branch-prefix.'
      }
    )
  }

  /**
   * Moves the branch back to `before` (deletes it when undefined), only while it still points at `pushed`. Whether it
   * did.
   */
  async restoreBranch(branch: string, pushed: string, before: string | undefined): Promise<boolean> {
    const r = await this.git([
      'push',
      '--porcelain',
      `--force-with-lease=refs/heads/${branch}:${pushed}`,
      'origin',
      `${before ?? ''}:refs/heads/${branch}`
    ])
    if (r.exitCode === 0) return true
    if (/^!\t/m.test(r.stdout)) return false
    throw this.remoteError(`put back ${branch} on`, r.stderr || r.stdout)
  }

  /** Removes the refs this run fetched into. */
  async cleanUp(): Promise<void> {
    const refs = await this.git(['for-each-ref', '--format=%(refname)', ownRefs])
    const lines = refs.stdout.split('\n').filter(Boolean)
    if (lines.length)
      await this.git(['update-ref', '--stdin'], { input: lines.map(l => `delete ${l}\n`).join('') })
    await rm(this.scratch, { recursive: true, force: true })
  }

  private remoteError(what: string, stderr: string): FcuError {
    const text = stderr.trim()
    const denied = /\b403\b|permission|denied|not allowed/i.test(text)
    return new FcuError('publish', `git could not ${what} origin: ${text}`, {
      hint: denied
        ? 'The token needs `contents: write` (permissions: contents: write in the workflow, or a token that may push).'
        : 'Check that origin is the repository on the run’s GitHub and that the token may read and push it.'
    })
  }
}
