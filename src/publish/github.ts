import type { GitHubOctokit } from '../github/client.js'

/**
 * The GitHub calls publishing makes, typed to what it needs, and their implementation on the shared client's Octokit
 * (`githubOctokit`), which retries transient failures and waits out rate limits: a failure that reaches here is final.
 */

export interface PullRequest {
  number: number
  url: string
  title: string
  body: string
  labels: string[]
  assignees: string[]
  /** Users and team slugs asked for a review and yet to give one (GitHub drops those who have reviewed). */
  reviewers: string[]
  teamReviewers: string[]
}

export interface TreeEntry {
  path: string
  mode: string
  /** `null` deletes the path from the base tree. */
  sha: string | null
}

/** A final answer of the API: status, GitHub's message, and the messages of its `errors` list. */
export class GitHubRequestError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly serverMessage: string,
    readonly errors: string[]
  ) {
    super(`${operation}: HTTP ${status}: ${[serverMessage, ...errors].filter(Boolean).join('; ')}`)
    this.name = 'GitHubRequestError'
  }

  /** Whether GitHub's message or one of its errors says `text`. */
  says(text: RegExp): boolean {
    return [this.serverMessage, ...this.errors].some(m => text.test(m))
  }
}

export interface PullRequestApi {
  /** `owner/repo`, for messages. */
  readonly repository: string
  defaultBranch(): Promise<string>
  findOpenPullRequest(branch: string, base: string): Promise<PullRequest | undefined>
  createPullRequest(p: {
    branch: string
    base: string
    title: string
    body: string
    draft: boolean
  }): Promise<PullRequest>
  updatePullRequest(
    number: number,
    p: { title?: string; body?: string; state?: 'closed' }
  ): Promise<PullRequest>
  comment(number: number, body: string): Promise<void>
  labelExists(name: string): Promise<boolean>
  createLabel(name: string, color: string, description: string): Promise<void>
  addLabels(number: number, labels: string[]): Promise<void>
  requestReviewers(number: number, reviewers: string[], teamReviewers: string[]): Promise<void>
  addAssignees(number: number, assignees: string[]): Promise<void>
  /** The commit a branch points at, or undefined when there is no such branch. */
  branchSha(branch: string): Promise<string | undefined>
  createBranch(branch: string, sha: string): Promise<void>
  /** Moves a branch to `sha`, whatever it pointed at (the caller checked it). */
  moveBranch(branch: string, sha: string): Promise<void>
  deleteBranch(branch: string): Promise<void>
  createBlob(content: Buffer): Promise<string>
  createTree(baseTree: string, entries: TreeEntry[]): Promise<string>
  /** A commit with no author or committer of the caller's: GitHub makes and signs it. */
  createCommit(message: string, tree: string, parents: string[]): Promise<string>
}

export interface OctokitApiOptions {
  owner: string
  repo: string
}

interface OctokitError {
  status: number
  message: string
  response?: { data?: { message?: unknown; errors?: unknown } }
}

function toRequestError(operation: string, e: unknown): unknown {
  const failure = e as OctokitError
  if (typeof failure?.status !== 'number') return e
  const data = failure.response?.data
  const errors = Array.isArray(data?.errors)
    ? data.errors.map(x =>
        typeof x === 'string'
          ? x
          : typeof x?.message === 'string'
            ? x.message
            : [x?.resource, x?.field, x?.code].filter(Boolean).join(' ')
      )
    : []
  const message = typeof data?.message === 'string' ? data.message : failure.message
  return new GitHubRequestError(operation, failure.status, message, errors)
}

const pullOf = (p: {
  number: number
  html_url: string
  title: string
  body?: string | null
  labels: { name?: string }[]
  assignees?: { login: string }[] | null
  requested_reviewers?: { login: string }[] | null
  requested_teams?: { slug: string }[] | null
}): PullRequest => ({
  number: p.number,
  url: p.html_url,
  title: p.title,
  body: p.body ?? '',
  labels: p.labels.flatMap(l => (l.name ? [l.name] : [])),
  assignees: (p.assignees ?? []).map(u => u.login),
  reviewers: (p.requested_reviewers ?? []).map(u => u.login),
  teamReviewers: (p.requested_teams ?? []).map(t => t.slug)
})

export function octokitPullRequestApi(octokit: GitHubOctokit, o: OctokitApiOptions): PullRequestApi {
  const repo = { owner: o.owner, repo: o.repo }
  const rest = octokit.rest
  async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      throw toRequestError(operation, e)
    }
  }
  return {
    repository: `${o.owner}/${o.repo}`,
    defaultBranch: () => call('repos/get', async () => (await rest.repos.get(repo)).data.default_branch),
    findOpenPullRequest: (branch, base) =>
      call('pulls/list', async () => {
        const { data } = await rest.pulls.list({ ...repo, state: 'open', head: `${o.owner}:${branch}`, base })
        return data[0] ? pullOf(data[0]) : undefined
      }),
    createPullRequest: p =>
      call('pulls/create', async () =>
        pullOf(
          (
            await rest.pulls.create({
              ...repo,
              head: p.branch,
              base: p.base,
              title: p.title,
              body: p.body,
              draft: p.draft,
              maintainer_can_modify: true
            })
          ).data
        )
      ),
    updatePullRequest: (number, p) =>
      call('pulls/update', async () =>
        pullOf((await rest.pulls.update({ ...repo, pull_number: number, ...p })).data)
      ),
    comment: (number, body) =>
      call('issues/create-comment', async () => {
        await rest.issues.createComment({ ...repo, issue_number: number, body })
      }),
    labelExists: name =>
      call('issues/get-label', async () => {
        try {
          await rest.issues.getLabel({ ...repo, name })
          return true
        } catch (e) {
          if ((e as OctokitError).status === 404) return false
          throw e
        }
      }),
    createLabel: (name, color, description) =>
      call('issues/create-label', async () => {
        await rest.issues.createLabel({ ...repo, name, color, description })
      }),
    addLabels: (number, labels) =>
      call('issues/add-labels', async () => {
        await rest.issues.addLabels({ ...repo, issue_number: number, labels })
      }),
    requestReviewers: (number, reviewers, teamReviewers) =>
      call('pulls/request-reviewers', async () => {
        await rest.pulls.requestReviewers({
          ...repo,
          pull_number: number,
          ...(reviewers.length ? { reviewers } : {}),
          ...(teamReviewers.length ? { team_reviewers: teamReviewers } : {})
        })
      }),
    addAssignees: (number, assignees) =>
      call('issues/add-assignees', async () => {
        await rest.issues.addAssignees({ ...repo, issue_number: number, assignees })
      }),
    branchSha: branch =>
      call('git/get-ref', async () => {
        try {
          return (await rest.git.getRef({ ...repo, ref: `heads/${branch}` })).data.object.sha
        } catch (e) {
          if ((e as OctokitError).status === 404) return undefined
          throw e
        }
      }),
    createBranch: (branch, sha) =>
      call('git/create-ref', async () => {
        await rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha })
      }),
    moveBranch: (branch, sha) =>
      call('git/update-ref', async () => {
        await rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: true })
      }),
    deleteBranch: branch =>
      call('git/delete-ref', async () => {
        await rest.git.deleteRef({ ...repo, ref: `heads/${branch}` })
      }),
    createBlob: content =>
      call(
        'git/create-blob',
        async () =>
          (await rest.git.createBlob({ ...repo, content: content.toString('base64'), encoding: 'base64' }))
            .data.sha
      ),
    createTree: (baseTree, entries) =>
      call(
        'git/create-tree',
        async () =>
          (
            await rest.git.createTree({
              ...repo,
              base_tree: baseTree,
              tree: entries.map(e => ({
                path: e.path,
                mode: e.mode as '100644',
                type: 'blob' as const,
                sha: e.sha
              }))
            })
          ).data.sha
      ),
    createCommit: (message, tree, parents) =>
      call(
        'git/create-commit',
        async () => (await rest.git.createCommit({ ...repo, message, tree, parents })).data.sha
      )
  }
}
