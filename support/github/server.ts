import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {
  itemsOf,
  checkRequest,
  checkResponse,
  matchOperation,
  minimal,
  responseSchema,
  type MatchedOperation
} from './openapi.js'
import { git, objectExists, revParse } from './git.js'

/**
 * A GitHub double on 127.0.0.1 for publishing tests: the REST operations the action calls (GHES-style, under
 * `/api/v3`) and git's smart HTTP protocol for one repository (`/<owner>/<repo>.git`), both on one port, as on a
 * GitHub server. Branches are the refs of a real bare repository, which the git data API writes into, so what the
 * API creates a later `git fetch` sees. Pull requests, labels, comments, reviewers and assignees are kept in memory.
 * Every request and every response is checked against GitHub's OpenAPI description; what does not fit is kept in
 * `problems`, which a test expects empty.
 */

export interface PullRequestState {
  number: number
  state: 'open' | 'closed'
  title: string
  body: string | null
  head: string
  base: string
  draft: boolean
  labels: string[]
  reviewers: string[]
  teamReviewers: string[]
  assignees: string[]
  comments: string[]
}

export interface LabelState {
  name: string
  color: string
  description: string | null
}

export interface RecordedRequest {
  method: string
  path: string
  operationId?: string
  status: number
  body?: unknown
}

/** An answer the double gives instead of serving the next `times` matching requests. */
export interface Fault {
  operationId: string
  status: number
  message?: string
  errors?: unknown[]
  headers?: Record<string, string>
  /** Accept the request and never answer (until the double closes). */
  stall?: boolean
  /** Sent as the body instead of GitHub's error JSON (a proxy's page, a cut-off answer). */
  rawBody?: string
  /** Runs instead of answering: a race another actor wins between two calls. Then the request is served. */
  before?: () => void
  times?: number
}

export interface GitHubDouble {
  /** `GITHUB_API_URL` of the double: http://127.0.0.1:<port>/api/v3 */
  apiUrl: string
  /** `GITHUB_SERVER_URL` of the double; the repository is `<serverUrl>/<owner>/<repo>.git`. */
  serverUrl: string
  cloneUrl: string
  /** The bare repository behind the double's branches. */
  bareDir: string
  owner: string
  repo: string
  token: string
  requests: RecordedRequest[]
  /** Every Authorization header of each git HTTP request, in order. */
  gitAuthorizations: string[][]
  /** Requests and responses that do not fit GitHub's OpenAPI description, and requests without the token. */
  problems: string[]
  pulls: PullRequestState[]
  labels: LabelState[]
  /** Users and teams that can be asked for a review. */
  collaborators: Set<string>
  teams: Set<string>
  /** What the git data API was sent, for assertions on signed commits. */
  gitData: { blobs: number; trees: unknown[]; commits: unknown[] }
  /** Whether pull request creation is refused as GitHub does when Actions may not create pull requests. */
  actionsMayCreatePullRequests: boolean
  fail(fault: Fault): void
  /** Runs once, before the next push is received (e.g. another actor moves the branch). */
  beforeNextPush(fn: () => void): void
  /**
   * Installs a pre-receive hook in the bare repository that refuses every push with `message` on stderr (a
   * policy hook or branch protection); undefined removes it.
   */
  refusePushes(message: string | undefined): void
  /** The requests that change state (neither GET nor a git fetch). */
  writes(): RecordedRequest[]
  close(): Promise<void>
}

export interface DoubleOptions {
  /** A bare repository to serve; the double creates an empty one when absent. */
  bareDir?: string
  owner?: string
  repo?: string
  token: string
  defaultBranch?: string
}

const docs = 'https://docs.github.com/rest'

export async function startGitHubDouble(options: DoubleOptions): Promise<GitHubDouble> {
  const owner = options.owner ?? 'example-org'
  const repo = options.repo ?? 'fleet'
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fcu-github-'))
  const projectRoot = options.bareDir ? path.dirname(path.dirname(options.bareDir)) : scratch
  const bareDir = options.bareDir ?? path.join(scratch, owner, `${repo}.git`)
  if (!options.bareDir) {
    git(scratch, ['init', '--quiet', '--bare', '--initial-branch', options.defaultBranch ?? 'main', bareDir])
  }
  if (path.basename(bareDir) !== `${repo}.git` || path.basename(path.dirname(bareDir)) !== owner) {
    throw new Error(`bareDir must be <root>/${owner}/${repo}.git`)
  }
  git(bareDir, ['config', 'http.receivepack', 'true'])

  const faults: Fault[] = []
  const pushHooks: (() => void)[] = []
  let nextNumber = 1
  let nextId = 1000

  const d: GitHubDouble = {
    apiUrl: '',
    serverUrl: '',
    cloneUrl: '',
    bareDir,
    owner,
    repo,
    token: options.token,
    requests: [],
    gitAuthorizations: [],
    problems: [],
    pulls: [],
    labels: [],
    collaborators: new Set(['octocat']),
    teams: new Set(['platform']),
    gitData: { blobs: 0, trees: [], commits: [] },
    actionsMayCreatePullRequests: true,
    fail: f => faults.push({ times: 1, ...f }),
    beforeNextPush: fn => pushHooks.push(fn),
    refusePushes: message => {
      const hook = path.join(bareDir, 'hooks', 'pre-receive')
      if (message === undefined) return rmSync(hook, { force: true })
      mkdirSync(path.dirname(hook), { recursive: true })
      writeFileSync(
        hook,
        `#!/bin/sh\ncat >/dev/null\necho '${message.replace(/'/g, `'\\''`)}' >&2\nexit 1\n`,
        {
          mode: 0o755
        }
      )
    },
    writes: () => d.requests.filter(r => r.method !== 'GET' && !r.path.endsWith('git-upload-pack')),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
      if (!options.bareDir) rmSync(scratch, { recursive: true, force: true })
    }
  }

  const base = () => d.apiUrl
  const repoApi = () => `${base()}/repos/${owner}/${repo}`
  const html = () => `${d.serverUrl}/${owner}/${repo}`
  const user = (login: string) => {
    return {
      login,
      id: login.length,
      node_id: `U_${login}`,
      avatar_url: `${d.serverUrl}/${login}.png`,
      gravatar_id: null,
      url: `${base()}/users/${login}`,
      html_url: `${d.serverUrl}/${login}`,
      followers_url: `${base()}/users/${login}/followers`,
      following_url: `${base()}/users/${login}/following{/other_user}`,
      gists_url: `${base()}/users/${login}/gists{/gist_id}`,
      starred_url: `${base()}/users/${login}/starred{/owner}{/repo}`,
      subscriptions_url: `${base()}/users/${login}/subscriptions`,
      organizations_url: `${base()}/users/${login}/orgs`,
      repos_url: `${base()}/users/${login}/repos`,
      events_url: `${base()}/users/${login}/events{/privacy}`,
      received_events_url: `${base()}/users/${login}/received_events`,
      type: login.endsWith('[bot]') ? 'Bot' : 'User',
      site_admin: false
    }
  }
  const fill = (operationId: string, status: number, known: Record<string, unknown>) => {
    const schema = responseSchema(operationId, status)!
    // A list's items for an operation that returns a list (pulls/list).
    const one = (schema as { type?: string }).type === 'array' ? itemsOf(schema) : schema
    return { ...(minimal(one) as Record<string, unknown>), ...known }
  }
  const repository = () =>
    fill('repos/get', 200, {
      id: 1,
      node_id: 'R_1',
      name: repo,
      full_name: `${owner}/${repo}`,
      owner: user(owner),
      private: true,
      html_url: html(),
      url: repoApi(),
      clone_url: d.cloneUrl,
      default_branch: options.defaultBranch ?? 'main'
    })
  const labelJson = (l: LabelState) => ({
    id: l.name.length,
    node_id: `LA_${l.name}`,
    url: `${repoApi()}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    description: l.description,
    color: l.color,
    default: false
  })
  const branchJson = (ref: string) => ({
    label: `${owner}:${ref}`,
    ref,
    sha: revParse(bareDir, `refs/heads/${ref}`) ?? '0'.repeat(40),
    user: user(owner),
    repo: {
      ...(minimal({ $ref: '#/components/schemas/repository' }) as object),
      ...repository()
    }
  })
  const pullJson = (p: PullRequestState, operationId: string, status: number) =>
    fill(operationId, status, {
      id: p.number + 5000,
      node_id: `PR_${p.number}`,
      number: p.number,
      state: p.state,
      title: p.title,
      body: p.body,
      draft: p.draft,
      url: `${repoApi()}/pulls/${p.number}`,
      html_url: `${html()}/pull/${p.number}`,
      head: branchJson(p.head),
      base: branchJson(p.base),
      user: user('github-actions[bot]'),
      labels: p.labels.map(n => labelJson(d.labels.find(l => l.name === n)!)),
      requested_reviewers: p.reviewers.map(user),
      requested_teams: p.teamReviewers.map(t => ({
        ...(minimal({ $ref: '#/components/schemas/team' }) as object),
        id: t.length,
        name: t,
        slug: t,
        html_url: `${d.serverUrl}/orgs/${owner}/teams/${t}`,
        url: `${base()}/teams/${t}`
      })),
      assignees: p.assignees.map(user),
      assignee: p.assignees[0] ? user(p.assignees[0]) : null,
      ...(operationId === 'pulls/list' ? {} : { merged: false, mergeable: true, comments: p.comments.length })
    })
  const refJson = (ref: string, sha: string) => ({
    ref,
    node_id: `REF_${ref}`,
    url: `${repoApi()}/git/${ref}`,
    object: { type: 'commit', sha, url: `${repoApi()}/git/commits/${sha}` }
  })

  type Answer = { status: number; body?: unknown; headers?: Record<string, string> }
  const error = (status: number, message: string, errors?: unknown[]): Answer => ({
    status,
    body: {
      message,
      documentation_url: docs,
      ...(errors ? { errors } : {}),
      ...(status === 404 ? { status: '404' } : {})
    }
  })
  const validation = (message: string, errors: unknown[] = []): Answer => ({
    status: 422,
    body: {
      message: 'Validation Failed',
      documentation_url: docs,
      errors: errors.length ? errors : [{ message }]
    }
  })
  const pullNumber = (op: MatchedOperation) =>
    d.pulls.find(p => p.number === Number(op.params.pull_number ?? op.params.issue_number))

  function serve(op: MatchedOperation, query: URLSearchParams, body: Record<string, unknown>): Answer {
    if (op.params.owner !== owner || op.params.repo !== repo) return error(404, 'Not Found')
    switch (op.operationId) {
      case 'repos/get':
        return { status: 200, body: repository() }
      case 'pulls/list': {
        const state = query.get('state') ?? 'open'
        const head = query.get('head')
        const list = d.pulls.filter(
          p =>
            (state === 'all' || p.state === state) &&
            (!head || `${owner}:${p.head}` === head) &&
            (!query.get('base') || p.base === query.get('base'))
        )
        return { status: 200, body: list.map(p => pullJson(p, 'pulls/list', 200)) }
      }
      case 'pulls/create': {
        if (!d.actionsMayCreatePullRequests)
          return error(403, 'GitHub Actions is not permitted to create or approve pull requests.')
        const head = String(body.head).replace(`${owner}:`, '')
        const baseRef = String(body.base)
        if (!revParse(bareDir, `refs/heads/${head}`))
          return validation('', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }])
        if (!revParse(bareDir, `refs/heads/${baseRef}`))
          return validation('', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }])
        if (d.pulls.some(p => p.state === 'open' && p.head === head && p.base === baseRef))
          return validation('', [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${owner}:${head}.`
            }
          ])
        const p: PullRequestState = {
          number: nextNumber++,
          state: 'open',
          title: String(body.title),
          body: typeof body.body === 'string' ? body.body : null,
          head,
          base: baseRef,
          draft: body.draft === true,
          labels: [],
          reviewers: [],
          teamReviewers: [],
          assignees: [],
          comments: []
        }
        d.pulls.push(p)
        return { status: 201, body: pullJson(p, 'pulls/create', 201) }
      }
      case 'pulls/update': {
        const p = pullNumber(op)
        if (!p) return error(404, 'Not Found') as Answer
        if (typeof body.title === 'string') p.title = body.title
        if (typeof body.body === 'string') p.body = body.body
        if (body.state === 'closed' || body.state === 'open') p.state = body.state
        return { status: 200, body: pullJson(p, 'pulls/update', 200) }
      }
      case 'pulls/request-reviewers': {
        const p = pullNumber(op)
        if (!p) return validation('pull request not found')
        const users = (body.reviewers ?? []) as string[]
        const teams = (body.team_reviewers ?? []) as string[]
        if (users.some(u => !d.collaborators.has(u)) || teams.some(t => !d.teams.has(t))) {
          return validation(
            `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${owner}/${repo} repository.`
          )
        }
        p.reviewers = [...new Set([...p.reviewers, ...users])]
        p.teamReviewers = [...new Set([...p.teamReviewers, ...teams])]
        return { status: 201, body: pullJson(p, 'pulls/request-reviewers', 201) }
      }
      case 'issues/create-comment': {
        const p = pullNumber(op)
        if (!p) return error(404, 'Not Found')
        p.comments.push(String(body.body))
        const id = nextId++
        return {
          status: 201,
          body: fill('issues/create-comment', 201, {
            id,
            node_id: `IC_${id}`,
            body: body.body,
            url: `${repoApi()}/issues/comments/${id}`,
            html_url: `${html()}/pull/${p.number}#issuecomment-${id}`,
            issue_url: `${repoApi()}/issues/${p.number}`,
            user: user('github-actions[bot]')
          })
        }
      }
      case 'issues/get-label': {
        const l = d.labels.find(x => x.name === op.params.name)
        return l ? { status: 200, body: labelJson(l) } : error(404, 'Not Found')
      }
      case 'issues/create-label': {
        if (d.labels.some(l => l.name.toLowerCase() === String(body.name).toLowerCase()))
          return validation('', [{ resource: 'Label', code: 'already_exists', field: 'name' }])
        const l = {
          name: String(body.name),
          color: String(body.color ?? 'ededed'),
          description: (body.description as string) ?? null
        }
        d.labels.push(l)
        return { status: 201, body: labelJson(l) }
      }
      case 'issues/add-labels': {
        const p = pullNumber(op)
        if (!p) return error(404, 'Not Found')
        for (const name of (body.labels ?? []) as string[]) {
          // As GitHub: a label the repository lacks is created with the default colour.
          if (!d.labels.some(l => l.name === name))
            d.labels.push({ name, color: 'ededed', description: null })
          if (!p.labels.includes(name)) p.labels.push(name)
        }
        return { status: 200, body: p.labels.map(n => labelJson(d.labels.find(l => l.name === n)!)) }
      }
      case 'issues/add-assignees': {
        const p = pullNumber(op)
        if (!p) return error(404, 'Not Found')
        // As GitHub: a login that cannot be assigned is left out silently.
        for (const a of (body.assignees ?? []) as string[])
          if (d.collaborators.has(a) && !p.assignees.includes(a)) p.assignees.push(a)
        return {
          status: 201,
          body: fill('issues/add-assignees', 201, {
            id: p.number + 5000,
            node_id: `I_${p.number}`,
            number: p.number,
            title: p.title,
            state: p.state,
            url: `${repoApi()}/issues/${p.number}`,
            html_url: `${html()}/pull/${p.number}`,
            repository_url: repoApi(),
            labels_url: `${repoApi()}/issues/${p.number}/labels{/name}`,
            comments_url: `${repoApi()}/issues/${p.number}/comments`,
            events_url: `${repoApi()}/issues/${p.number}/events`,
            assignees: p.assignees.map(user),
            user: user('github-actions[bot]')
          })
        }
      }
      case 'git/get-ref': {
        const sha = revParse(bareDir, `refs/${op.params.ref}`)
        return sha ? { status: 200, body: refJson(`refs/${op.params.ref}`, sha) } : error(404, 'Not Found')
      }
      case 'git/create-ref': {
        const ref = String(body.ref)
        if (!/^refs\/heads\/./.test(ref)) return validation('Reference name must start with refs/heads/')
        if (revParse(bareDir, ref)) return validation('Reference already exists')
        if (!objectExists(bareDir, String(body.sha), 'commit')) return validation('Object does not exist')
        git(bareDir, ['update-ref', ref, String(body.sha), ''])
        return { status: 201, body: refJson(ref, String(body.sha)) }
      }
      case 'git/update-ref': {
        const ref = `refs/${op.params.ref}`
        const old = revParse(bareDir, ref)
        if (!old) return validation('Reference does not exist')
        const sha = String(body.sha)
        if (!objectExists(bareDir, sha, 'commit')) return validation('Object does not exist')
        if (body.force !== true) {
          try {
            git(bareDir, ['merge-base', '--is-ancestor', old, sha])
          } catch {
            return validation('Update is not a fast forward')
          }
        }
        git(bareDir, ['update-ref', ref, sha, old])
        return { status: 200, body: refJson(ref, sha) }
      }
      case 'git/delete-ref': {
        const ref = `refs/${op.params.ref}`
        const old = revParse(bareDir, ref)
        if (!old) return validation('Reference does not exist')
        git(bareDir, ['update-ref', '-d', ref, old])
        return { status: 204 }
      }
      case 'git/create-blob': {
        const content = Buffer.from(String(body.content), body.encoding === 'base64' ? 'base64' : 'utf8')
        const sha = git(bareDir, ['hash-object', '-w', '--stdin'], { input: content }).trim()
        d.gitData.blobs++
        return { status: 201, body: { url: `${repoApi()}/git/blobs/${sha}`, sha } }
      }
      case 'git/create-tree': {
        d.gitData.trees.push(body)
        const index = path.join(mkdtempSync(path.join(os.tmpdir(), 'fcu-tree-')), 'index')
        const env = { GIT_INDEX_FILE: index }
        try {
          if (body.base_tree) {
            if (!objectExists(bareDir, String(body.base_tree), 'tree'))
              return validation('base_tree is not a tree')
            git(bareDir, ['read-tree', String(body.base_tree)], { env })
          } else git(bareDir, ['read-tree', '--empty'], { env })
          const lines: string[] = []
          for (const e of body.tree as {
            path: string
            mode: string
            type: string
            sha?: string | null
            content?: string
          }[]) {
            if (e.sha === null) {
              lines.push(`0 ${'0'.repeat(40)}\t${e.path}`)
              continue
            }
            const sha =
              e.content !== undefined
                ? git(bareDir, ['hash-object', '-w', '--stdin'], { input: e.content }).trim()
                : String(e.sha)
            if (!objectExists(bareDir, sha, e.type))
              return validation(`tree.sha ${sha} is not a valid ${e.type}`)
            lines.push(`${e.mode} ${sha}\t${e.path}`)
          }
          git(bareDir, ['update-index', '--index-info'], { input: lines.join('\n') + '\n', env })
          const sha = git(bareDir, ['write-tree'], { env }).trim()
          const entries = git(bareDir, ['ls-tree', sha])
            .split('\n')
            .filter(Boolean)
            .map(l => {
              const [meta, p] = l.split('\t')
              const [mode, type, s] = meta.split(' ')
              return { path: p, mode, type, sha: s, url: `${repoApi()}/git/${type}s/${s}` }
            })
          return {
            status: 201,
            body: { sha, url: `${repoApi()}/git/trees/${sha}`, truncated: false, tree: entries }
          }
        } finally {
          rmSync(path.dirname(index), { recursive: true, force: true })
        }
      }
      case 'git/create-commit': {
        d.gitData.commits.push(body)
        const tree = String(body.tree)
        if (!objectExists(bareDir, tree, 'tree')) return validation('Tree SHA does not exist')
        const parents = ((body.parents ?? []) as string[]).flatMap(p => ['-p', p])
        const who = (body.author ?? {
          name: 'github-actions[bot]',
          email: '41898282+github-actions[bot]@users.noreply.github.com'
        }) as { name: string; email: string }
        const by = (body.committer ?? { name: 'GitHub', email: 'noreply@github.com' }) as {
          name: string
          email: string
        }
        const env = {
          GIT_AUTHOR_NAME: who.name,
          GIT_AUTHOR_EMAIL: who.email,
          GIT_COMMITTER_NAME: by.name,
          GIT_COMMITTER_EMAIL: by.email
        }
        const sha = git(bareDir, ['commit-tree', tree, ...parents, '-F', '-'], {
          input: String(body.message),
          env
        }).trim()
        const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
        return {
          status: 201,
          body: {
            sha,
            node_id: `C_${sha}`,
            url: `${repoApi()}/git/commits/${sha}`,
            html_url: `${html()}/commit/${sha}`,
            author: { ...who, date: when },
            committer: { ...by, date: when },
            message: body.message,
            tree: { sha: tree, url: `${repoApi()}/git/trees/${tree}` },
            parents: ((body.parents ?? []) as string[]).map(p => ({
              sha: p,
              url: `${repoApi()}/git/commits/${p}`,
              html_url: `${html()}/commit/${p}`
            })),
            // GitHub signs commits made through the API without a signature of the caller's.
            verification: {
              verified: true,
              reason: 'valid',
              signature: '-----BEGIN PGP SIGNATURE-----',
              payload: 'tree',
              verified_at: when
            }
          }
        }
      }
    }
    return error(404, `the double does not serve ${op.operationId}`)
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): Promise<void> {
    const pathname = url.pathname.slice('/api/v3'.length)
    const op = matchOperation(req.method ?? 'GET', pathname)
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: pathname,
      status: 0,
      operationId: op?.operationId
    }
    d.requests.push(record)
    const send = (a: Answer) => {
      record.status = a.status
      res.writeHead(a.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-ratelimit-remaining': '4999',
        ...a.headers
      })
      res.end(a.body === undefined ? '' : JSON.stringify(a.body))
    }
    if (!op) {
      d.problems.push(`${record.method} ${pathname}: no such operation in GitHub's description`)
      return send(error(404, 'Not Found'))
    }
    if (
      req.headers.authorization !== `token ${d.token}` &&
      req.headers.authorization !== `Bearer ${d.token}`
    ) {
      d.problems.push(`${op.operationId}: not sent with the run's token`)
      return send(error(401, 'Bad credentials'))
    }
    let body: unknown
    const hasBody = raw.length > 0
    if (hasBody) {
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        d.problems.push(`${op.operationId}: the body is not JSON`)
        return send(error(400, 'Problems parsing JSON'))
      }
    }
    record.body = body
    for (const p of checkRequest(op, url.searchParams, body, hasBody))
      d.problems.push(`${op.operationId} request: ${p}`)

    const fault = faults.find(f => f.operationId === op.operationId && (f.times ?? 1) > 0)
    if (fault) {
      fault.times = (fault.times ?? 1) - 1
      if (fault.stall) return
      if (fault.before) fault.before()
      else if (fault.rawBody !== undefined) {
        record.status = fault.status
        res.writeHead(fault.status, { 'content-type': 'application/json; charset=utf-8' })
        return void res.end(fault.rawBody)
      } else {
        const answer = {
          ...error(fault.status, fault.message ?? 'Server Error', fault.errors),
          headers: fault.headers
        }
        if (fault.status < 500)
          for (const p of checkResponse(op, answer.status, answer.body))
            d.problems.push(`${op.operationId} fault ${fault.status}: ${p}`)
        return send(answer)
      }
    }
    const answer = serve(op, url.searchParams, (body ?? {}) as Record<string, unknown>)
    for (const p of checkResponse(op, answer.status, answer.body))
      d.problems.push(`${op.operationId} ${answer.status} response: ${p}`)
    send(answer)
  }

  /** git's smart HTTP through `git http-backend`, as a CGI program. */
  async function gitHttp(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): Promise<void> {
    const auth: string[] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      if (req.rawHeaders[i].toLowerCase() === 'authorization') auth.push(req.rawHeaders[i + 1])
    d.gitAuthorizations.push(auth)
    const service = url.searchParams.get('service') ?? path.basename(url.pathname)
    d.requests.push({ method: req.method ?? 'GET', path: url.pathname, status: 0 })
    const expected = `basic ${Buffer.from(`x-access-token:${d.token}`).toString('base64')}`
    if (auth.length !== 1 || auth[0].toLowerCase() !== expected.toLowerCase()) {
      d.problems.push(
        `git ${service}: ${auth.length} Authorization header(s), ${auth.length === 1 ? 'not the run token' : 'not one'}`
      )
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"' })
      return void res.end()
    }
    // Before git reads the refs it pushes against: its lease then sees the branch moved, and refuses.
    if (service === 'git-receive-pack' && req.method === 'GET') pushHooks.shift()?.()
    const child = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        CONTENT_LENGTH: String(raw.length),
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null'
      },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    // http-backend may exit before reading a body it does not need (a GET): that is no failure.
    child.stdin.on('error', () => {})
    child.stdin.end(raw)
    const chunks: Buffer[] = []
    child.stdout.on('data', c => chunks.push(c))
    await new Promise(resolve => child.on('close', resolve))
    const out = Buffer.concat(chunks)
    const split = out.indexOf('\r\n\r\n')
    const headerText = out.subarray(0, split).toString('latin1')
    const headers: Record<string, string> = {}
    let status = 200
    for (const line of headerText.split('\r\n')) {
      const i = line.indexOf(':')
      const name = line.slice(0, i).trim()
      const value = line.slice(i + 1).trim()
      if (name.toLowerCase() === 'status') status = parseInt(value, 10)
      else headers[name] = value
    }
    d.requests[d.requests.length - 1].status = status
    res.writeHead(status, headers)
    res.end(out.subarray(split + 4))
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', d.serverUrl)
      const raw = Buffer.concat(chunks)
      const handle = url.pathname.startsWith('/api/v3/')
        ? api
        : url.pathname.startsWith(`/${owner}/${repo}.git/`)
          ? gitHttp
          : undefined
      if (!handle) {
        d.problems.push(`${req.method} ${url.pathname}: not a path the double serves`)
        res.writeHead(404)
        return void res.end()
      }
      handle(req, res, url, raw).catch(e => {
        d.problems.push(`${req.method} ${url.pathname}: the double failed: ${(e as Error).message}`)
        res.writeHead(500)
        res.end()
      })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  d.serverUrl = `http://127.0.0.1:${port}`
  d.apiUrl = `${d.serverUrl}/api/v3`
  d.cloneUrl = `${d.serverUrl}/${owner}/${repo}.git`
  return d
}
