import { FcuError, type Finding } from '../errors.js'
import type { FindingsOf, Logger, Sleep } from '../deps.js'
import { combinedChanges, describeChanges, type CombinedChange, type Plan } from '../plan/plan.js'
import { mergeEdits } from '../plan/merge-lines.js'
import { passContent, removes } from '../plan/stored.js'
import type { Component, Settings } from '../settings/inputs.js'
import type { ComponentOutcome, PullRequestOutcome, RunResult } from '../result.js'
import { afterMerge } from './after-merge.js'
import { pullRequestTitle, renderPullRequestBody, type BodyInput } from './body.js'
import { blobSha, type GitRepository, type TreeFile } from './git.js'
import { GitHubRequestError, type PullRequest, type PullRequestApi, type TreeEntry } from './github.js'

/**
 * Publishing a validated plan: one branch and pull request per component (or one for all with `group`), each branch
 * a single commit of that component's changes on the base as `origin` has it now, so a pull request never carries
 * stale or foreign changes. Nothing new: no push and no API write. The base already current: the pull request is
 * closed with a comment and its branch deleted.
 */

export interface PublishContext {
  api: PullRequestApi
  git: GitRepository
  log: Logger
  sleep: Sleep
}

interface Unit {
  name: string
  components: Component[]
  branch: string
}

interface BaseState {
  sha: string
  tree: string
  files: Map<string, TreeFile>
  /** The unit branch's commit as fetched, absent when the branch does not exist. */
  branchSha?: string
}

const allowHint =
  'In the repository (or organization) settings, Actions → General → Workflow permissions, enable "Allow GitHub Actions to create and approve pull requests"; or pass a GitHub App token or a fine-grained token in `token`.'

/** How many blobs are sent to the API at once with sign-commits. */
const blobConcurrency = 4

export async function publishPullRequests(
  plan: Plan,
  result: RunResult,
  settings: Settings,
  ctx: PublishContext,
  /** Each pull request's body lists the findings of what it merges; the run's own when absent. */
  findingsOf: FindingsOf = () => result.findings
): Promise<void> {
  try {
    const base = settings.base || (await ctx.api.defaultBranch())
    const units: Unit[] = (
      settings.group
        ? [{ name: 'all', components: settings.components }]
        : settings.components.map(c => ({ name: c, components: [c] }))
    ).map(u => ({
      ...u,
      branch: `${settings.branchPrefix}${u.name}`
    }))
    const remote = await ctx.git.remoteBranches([base, ...units.map(u => u.branch)])
    if (!remote.has(base)) {
      throw new FcuError('publish', `origin has no branch ${base} to open pull requests against`, {
        location: { input: 'base' },
        hint: 'Set base to an existing branch, or leave it empty for the default branch.'
      })
    }
    const fetched = await ctx.git.fetch([base, ...units.filter(u => remote.has(u.branch)).map(u => u.branch)])
    const state = await baseState(ctx.git, fetched.get(base)!)
    for (const unit of units) {
      const outcome = await publishUnit(
        unit,
        base,
        { ...state, branchSha: fetched.get(unit.branch) },
        plan,
        result,
        settings,
        ctx,
        findingsOf
      )
      if (outcome) {
        result.pullRequests.push(outcome)
        ctx.log.info(
          `${unit.name}: pull request ${outcome.number ? `#${outcome.number} ` : ''}${outcome.operation}${outcome.url ? ` (${outcome.url})` : ''}`
        )
      }
    }
  } catch (e) {
    if (e instanceof GitHubRequestError) throw apiFailure(e, ctx.api.repository)
    throw e
  } finally {
    await ctx.git.cleanUp()
  }
}

async function baseState(git: GitRepository, sha: string): Promise<BaseState> {
  return { sha, tree: await git.treeOf(sha), files: await git.files(sha) }
}

function apiFailure(e: GitHubRequestError, repository: string): FcuError {
  if (e.status === 403 && e.says(/not permitted to create or approve pull requests/i)) {
    return new FcuError(
      'publish',
      `GitHub Actions may not create pull requests in ${repository}: ${e.serverMessage}`,
      {
        hint: allowHint
      }
    )
  }
  const hint =
    e.status === 401
      ? 'The token is not valid for the run’s GitHub (GITHUB_API_URL).'
      : e.status === 403 || e.status === 404
        ? 'The token needs `contents: write` and `pull-requests: write` (the job’s permissions, or a token that has them).'
        : undefined
  return new FcuError(
    'publish',
    `GitHub refused ${e.operation} in ${repository}: ${e.message.replace(/^[^:]*: /, '')}`,
    {
      ...(hint ? { hint } : {})
    }
  )
}

async function publishUnit(
  unit: Unit,
  base: string,
  initial: BaseState,
  plan: Plan,
  result: RunResult,
  settings: Settings,
  ctx: PublishContext,
  findingsOf: FindingsOf
): Promise<PullRequestOutcome | undefined> {
  const changes = combinedChanges(plan, unit.components)
  const components = result.components.filter(c => unit.components.includes(c.component) && c.to)
  const open = await ctx.api.findOpenPullRequest(unit.branch, base)

  let state = initial
  /** The commit this run pushed, and where the branch was before. */
  let pushed: { commit: string; before: string | undefined } | undefined
  for (let attempt = 0; ; attempt++) {
    const built = await buildOnBase(changes, plan, state, unit, ctx.git)
    if (built.tree === state.tree) return closeCurrent(unit, base, open, state, components, ctx)
    if (state.branchSha && (await ctx.git.treeOf(state.branchSha)) === built.tree) break
    const title = pullRequestTitle(components)
    const message = settings.commitMessage || `${title}\n\n${changes.map(c => `- ${c.path}`).join('\n')}\n`
    const commit = settings.signCommits
      ? await pushThroughApi(built, unit.branch, state, message, ctx)
      : await ctx.git.commitTree(built.tree, state.sha, message, settings.author, settings.committer)
    if (commit && (settings.signCommits || (await ctx.git.push(commit, unit.branch, state.branchSha)))) {
      pushed = { commit, before: state.branchSha }
      break
    }
    if (attempt > 0) {
      throw new FcuError('publish', `${unit.branch} moved again while this run rebuilt and pushed it`, {
        hint: 'Another workflow or person pushes to this branch; let it finish (or use another branch-prefix) and run again.'
      })
    }
    ctx.log.warning(
      `${unit.branch} moved on origin since it was fetched: fetching it and ${base} again and rebuilding once`
    )
    const again = await ctx.git.fetch([
      base,
      ...((await ctx.git.remoteBranches([unit.branch])).has(unit.branch) ? [unit.branch] : [])
    ])
    state = { ...(await baseState(ctx.git, again.get(base)!)), branchSha: again.get(unit.branch) }
  }
  if (!pushed) return openOrUpdate(unit, base, open, false, changes, plan, result, settings, ctx, findingsOf)
  const progress = { opened: false }
  try {
    const outcome = await openOrUpdate(
      unit,
      base,
      open,
      true,
      changes,
      plan,
      result,
      settings,
      ctx,
      findingsOf,
      progress
    )
    result.written = true
    return outcome
  } catch (e) {
    // No pull request shows the pushed commit yet: the branch goes back to where it was, so a failed run leaves
    // origin as it found it (a later run pushes it again).
    if (!progress.opened) await putBack(unit.branch, pushed, settings, ctx)
    throw e
  }
}

/** Opens or updates the unit's pull request for what its branch now holds. */
async function openOrUpdate(
  unit: Unit,
  base: string,
  open: PullRequest | undefined,
  pushed: boolean,
  changes: CombinedChange[],
  plan: Plan,
  result: RunResult,
  settings: Settings,
  ctx: PublishContext,
  findingsOf: FindingsOf,
  progress: { opened: boolean } = { opened: false }
): Promise<PullRequestOutcome> {
  const components = result.components.filter(c => unit.components.includes(c.component) && c.to)
  const title = pullRequestTitle(components)
  const input = bodyInput(unit, base, changes, plan, result, findingsOf(unit.components))
  const body = renderPullRequestBody(input)
  const full = renderPullRequestBody(input, Infinity)
  const described = { component: unit.name, branch: unit.branch, title, body: full }
  if (open) {
    // Metadata set since the pull request was opened (or added to it by hand and removed) is applied now.
    const added = await addMetadata(open, settings, ctx)
    if (open.title === title && open.body === body) {
      const operation = pushed || added ? 'updated' : 'none'
      return { ...described, number: open.number, url: open.url, operation }
    }
    const updated = await ctx.api.updatePullRequest(open.number, { title, body })
    return { ...described, number: updated.number, url: updated.url, operation: 'updated' }
  }
  const created = await createPullRequest(unit, base, title, body, settings, ctx, progress)
  return { ...described, number: created.pr.number, url: created.pr.url, operation: created.operation }
}

async function closeCurrent(
  unit: Unit,
  base: string,
  open: PullRequest | undefined,
  state: BaseState,
  components: ComponentOutcome[],
  ctx: PublishContext
): Promise<PullRequestOutcome | undefined> {
  if (!open) {
    ctx.log.info(`${unit.name}: ${base} already has what this run would change: no pull request`)
    return undefined
  }
  const versions = components.map(c => `${c.component} ${c.to}`).join(' and ') || 'these versions'
  await ctx.api.comment(
    open.number,
    `\`${base}\` already has ${versions}: nothing is left to change, so flux-crs-upgrade closes this pull request and deletes its branch.`
  )
  await ctx.api.updatePullRequest(open.number, { state: 'closed' })
  if (state.branchSha) await ctx.api.deleteBranch(unit.branch)
  return {
    component: unit.name,
    branch: unit.branch,
    number: open.number,
    url: open.url,
    operation: 'closed'
  }
}

interface Built {
  tree: string
  entries: { path: string; mode: string; content: string | null; sha: string | null }[]
}

/**
 * The unit's changes on the base as origin has it. Each change was computed from the checkout; where the base
 * changed the same file since, both edits are merged (or the run stops on a conflict) instead of undoing the base's.
 */
async function buildOnBase(
  changes: CombinedChange[],
  plan: Plan,
  state: BaseState,
  unit: Unit,
  git: GitRepository
): Promise<Built> {
  const entries: Built['entries'] = []
  for (const c of changes) {
    const repoPath = git.prefix + c.path
    const onBase = state.files.get(repoPath)
    const checkedOut = plan.base.get(c.path)
    // A file the checkout lacks is new, or one the engine does not read (not YAML): the change stands as it is.
    const same =
      checkedOut === undefined ||
      (onBase !== undefined && onBase.sha === blobSha(Buffer.from(checkedOut, 'utf8')))
    const entry = { path: repoPath, mode: onBase?.mode ?? '100644', sha: null }
    if (same) {
      // A stored content stays in the store: the entry reads it when its blob is written.
      entries.push(passContent(entry, c))
      continue
    }
    if (removes(c)) {
      if (!onBase) continue
      throw conflict(c.path, unit, 'changed it, and this upgrade removes it')
    }
    if (!onBase) throw conflict(c.path, unit, 'removed it, and this upgrade changes it')
    const content = mergeEdits(c.path, checkedOut, [
      { label: 'base branch', text: await git.readBlob(onBase.sha) },
      { label: unit.name, text: c.content! }
    ])
    entries.push({ ...entry, content })
  }
  const written = entries.filter(e => !removes(e))
  const shas = await git.writeBlobs(written)
  written.forEach((e, i) => (e.sha = shas[i]))
  return { tree: await git.writeTree(state.sha, entries), entries }
}

const conflict = (file: string, unit: Unit, what: string): FcuError =>
  new FcuError('publish', `${file}: the base branch ${what} since this checkout`, {
    location: { file },
    hint: `Run again on the current base (the ${unit.name} changes are computed from the checkout).`
  })

/**
 * The commit through the Git Data API, which GitHub signs: blobs, a tree on the base's, a commit, the ref. The ref
 * moves only while it is still where it was fetched (GitHub has no compare-and-swap, so it is read just before).
 */
async function pushThroughApi(
  built: Built,
  branch: string,
  state: BaseState,
  message: string,
  ctx: PublishContext
): Promise<string | undefined> {
  // Entries, not their texts: a stored content is read only while its blob is sent.
  const distinct = [...new Map(built.entries.filter(e => !removes(e)).map(e => [e.sha!, e])).entries()]
  for (let i = 0; i < distinct.length; i += blobConcurrency) {
    await Promise.all(
      distinct.slice(i, i + blobConcurrency).map(async ([sha, e]) => {
        const made = await ctx.api.createBlob(Buffer.from(e.content!, 'utf8'))
        if (made !== sha) throw new FcuError('publish', `GitHub stored a blob as ${made}, expected ${sha}`)
      })
    )
  }
  const entries: TreeEntry[] = built.entries.map(e => ({
    path: e.path,
    mode: e.mode,
    sha: removes(e) ? null : e.sha
  }))
  const tree = await ctx.api.createTree(state.tree, entries)
  if (tree !== built.tree) {
    throw new FcuError(
      'publish',
      `GitHub built tree ${tree} for ${branch}, not the ${built.tree} this run computed`,
      {
        hint: 'A file mode or path differs between the checkout and GitHub; run again without sign-commits to compare.'
      }
    )
  }
  const commit = await ctx.api.createCommit(message, tree, [state.sha])
  if (state.branchSha === undefined) {
    try {
      await ctx.api.createBranch(branch, commit)
      return commit
    } catch (e) {
      if (e instanceof GitHubRequestError && e.status === 422 && e.says(/already exists/i)) return undefined
      throw e
    }
  }
  if ((await ctx.api.branchSha(branch)) !== state.branchSha) return undefined
  await ctx.api.moveBranch(branch, commit)
  return commit
}

/**
 * The branch as it was before this run pushed `pushed.commit`: deleted when the run made it, moved back otherwise;
 * only while it still holds that commit, so a push by someone else meanwhile stays. A failure here is logged: the
 * error that led here is the one to report.
 */
async function putBack(
  branch: string,
  pushed: { commit: string; before: string | undefined },
  settings: Settings,
  ctx: PublishContext
): Promise<void> {
  const undo = pushed.before ? `moved back to ${pushed.before.slice(0, 12)}` : 'deleted'
  try {
    let done: boolean
    if (!settings.signCommits) done = await ctx.git.restoreBranch(branch, pushed.commit, pushed.before)
    else if ((await ctx.api.branchSha(branch)) !== pushed.commit) done = false
    else {
      if (pushed.before) await ctx.api.moveBranch(branch, pushed.before)
      else await ctx.api.deleteBranch(branch)
      done = true
    }
    if (done) ctx.log.info(`${branch}: the run failed after pushing it, so it was ${undo}`)
    else ctx.log.warning(`${branch} moved after this run pushed it: left as it is`)
  } catch (e) {
    ctx.log.warning(`${branch} could not be ${undo}: ${(e as Error).message}`)
  }
}

async function createPullRequest(
  unit: Unit,
  base: string,
  title: string,
  body: string,
  settings: Settings,
  ctx: PublishContext,
  progress: { opened: boolean }
): Promise<{ pr: PullRequest; operation: 'created' | 'updated' }> {
  let pr: PullRequest
  for (let attempt = 1; ; attempt++) {
    try {
      pr = await ctx.api.createPullRequest({ branch: unit.branch, base, title, body, draft: settings.draft })
      break
    } catch (e) {
      if (!(e instanceof GitHubRequestError) || e.status !== 422) throw e
      if (e.says(/a pull request already exists/i)) {
        // Another run opened it between the look-up and now: that one is updated instead.
        const existing = await ctx.api.findOpenPullRequest(unit.branch, base)
        if (!existing) throw e
        progress.opened = true
        await addMetadata(existing, settings, ctx)
        return { pr: await ctx.api.updatePullRequest(existing.number, { title, body }), operation: 'updated' }
      }
      // GitHub has not indexed the just-pushed branch yet.
      if (e.says(/could not resolve to a node/i) && attempt < 4) {
        ctx.log.info(`GitHub does not resolve ${unit.branch} yet: trying again in ${attempt} s`)
        await ctx.sleep(attempt * 1000)
        continue
      }
      throw e
    }
  }
  progress.opened = true
  await addMetadata(pr, settings, ctx)
  return { pr, operation: 'created' }
}

/** What `wanted` has that `present` lacks; names compared as GitHub does, without regard to case. */
const missing = (wanted: string[], present: string[]): string[] => {
  const have = new Set(present.map(n => n.toLowerCase()))
  return wanted.filter(n => !have.has(n.toLowerCase()))
}

/**
 * Labels, review requests and assignees the pull request lacks, so that a rerun with nothing new writes nothing.
 * Whether the pull request gained any.
 */
async function addMetadata(pr: PullRequest, settings: Settings, ctx: PublishContext): Promise<boolean> {
  const labels = missing(settings.labels, pr.labels)
  const reviewers = missing(settings.reviewers, pr.reviewers)
  const teamReviewers = missing(settings.teamReviewers, pr.teamReviewers)
  const assignees = missing(settings.assignees, pr.assignees)
  let added = labels.length + assignees.length > 0
  if (labels.length) {
    for (const label of labels) {
      if (await ctx.api.labelExists(label)) continue
      try {
        await ctx.api.createLabel(label, '1f6feb', 'Pull requests opened by flux-crs-upgrade')
      } catch (e) {
        // Created meanwhile by someone else: as good.
        if (!(e instanceof GitHubRequestError && e.status === 422)) throw e
      }
    }
    await ctx.api.addLabels(pr.number, labels)
  }
  if (reviewers.length || teamReviewers.length) {
    try {
      await ctx.api.requestReviewers(pr.number, reviewers, teamReviewers)
      added = true
    } catch (e) {
      if (!(e instanceof GitHubRequestError && e.status === 422)) throw e
      const who = [...reviewers, ...teamReviewers.map(t => `team ${t}`)].join(', ')
      ctx.log.warning(
        `Could not request a review of #${pr.number} from ${who}: ${[e.serverMessage, ...e.errors].join(' ')}`
      )
    }
  }
  if (assignees.length) await ctx.api.addAssignees(pr.number, assignees)
  return added
}

function bodyInput(
  unit: Unit,
  base: string,
  changes: CombinedChange[],
  plan: Plan,
  result: RunResult,
  findings: Finding[]
): BodyInput {
  const tree = plan.base.with(changes)
  return {
    unit: unit.name,
    base,
    components: result.components.filter(c => unit.components.includes(c.component)),
    files: describeChanges(plan.base, changes),
    migrated: unit.components.includes('flux') ? result.migrated : [],
    targets: result.targets.filter(t => unit.components.includes(t.component)),
    findings,
    afterMerge: afterMerge(
      tree,
      changes.filter(c => c.content !== null).map(c => c.path)
    )
  }
}
