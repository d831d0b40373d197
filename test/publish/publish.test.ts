import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { defaultStages, run } from '../../src/run.js'
import type { RunDeps } from '../../src/deps.js'
import type { Stage } from '../../src/plan/stage.js'
import { connectPublisher } from '../../src/publish/connect.js'
import { FcuError } from '../../src/errors.js'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { startFleet, git, type Fleet } from '../../support/github/fleet.js'
import { engineDeps, settingsFor } from '../helpers/engine.js'

/**
 * Publishing through the engine: run() with the real publisher against the GitHub double (REST and git over HTTP
 * on 127.0.0.1) and the example fleet checked out from it. Two components through a test stage for Calico (the
 * product regenerates only Flux today); the action as a runner runs it is in test/publish/action.test.ts.
 */
const fixtures = defaultFixturesDir()
const TOKEN = 'ghs_publishtoken0123456789'
const GOTK = 'clusters/tmp-mgmt/flux-system/gotk-components.yaml'
const CALICO_CM = 'infrastructure/staging/cm-calico.yaml'

const calicoStage = (content: string): Stage => ({
  component: 'calico',
  name: 'test-calico',
  run: async () => ({
    changes: [{ path: CALICO_CM, content, reason: 'regenerated' }],
    component: { component: 'calico', from: '3.30.0', to: '3.31.0', action: 'upgrade', reason: 'test' }
  })
})
const calicoCm = (v: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: crs-cm-calico\n  namespace: staging\ndata:\n  calico.yaml: |\n    # ${v}\n`

describe('publishing pull requests from the engine', () => {
  let mirror: Mirror
  let toolCache: string
  let fleet: Fleet
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
    toolCache = mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-'))
  })
  afterAll(() => mirror.close())
  beforeEach(async () => {
    fleet = await startFleet({ token: TOKEN, fixtures })
  })
  afterEach(() => fleet.close())

  const publishRun = async (
    inputs: Record<string, string> = {},
    stages: readonly Stage[] = defaultStages
  ) => {
    const settings = {
      ...settingsFor(fleet.workspace, mirror, { 'dry-run': 'false', token: TOKEN, ...inputs })
    }
    const recorded = engineDeps(toolCache)
    const env = {
      GITHUB_API_URL: fleet.github.apiUrl,
      GITHUB_SERVER_URL: fleet.github.serverUrl,
      GITHUB_REPOSITORY: 'example-org/fleet'
    }
    const deps: RunDeps = { ...recorded.deps }
    deps.publish = connectPublisher(settings, env, deps)
    const { result } = await run(settings, deps, stages)
    return { result, ...recorded }
  }

  it('opens one pull request per component, each branch holding only its component’s changes', async () => {
    const stages = [...defaultStages, calicoStage(calicoCm('v3.31.0'))]
    const { result } = await publishRun({ labels: 'dependencies', reviewers: 'octocat' }, stages)
    expect(fleet.github.problems).toEqual([])
    expect(result.pullRequests.map(p => [p.component, p.operation, p.number])).toEqual([
      ['flux', 'created', 1],
      ['calico', 'created', 2]
    ])
    const [flux, calico] = fleet.github.pulls
    expect(flux).toMatchObject({
      head: 'flux-crs-upgrade/flux',
      base: 'main',
      labels: ['dependencies'],
      reviewers: ['octocat']
    })
    expect(flux.title).toBe('Upgrade flux from 2.7.5 to 2.9.3')
    expect(calico.title).toBe('Upgrade calico from 3.30.0 to 3.31.0')
    const fluxFiles = fleet.branchFiles('flux-crs-upgrade/flux')
    const calicoFiles = fleet.branchFiles('flux-crs-upgrade/calico')
    const main = fleet.branchFiles('main')
    expect(fluxFiles.has(CALICO_CM)).toBe(false)
    expect(fluxFiles.get(GOTK)).toContain('# Flux Version: v2.9.3')
    expect(calicoFiles.get(GOTK)).toBe(main.get(GOTK))
    expect(calicoFiles.get(CALICO_CM)).toBe(calicoCm('v3.31.0'))
    // git sent the run's token once per request, never the credential actions/checkout persisted.
    expect(fleet.github.gitAuthorizations.length).toBeGreaterThan(0)
    expect(
      git(fleet.workspace, [
        'config',
        '--local',
        '--get-all',
        `http.${fleet.github.serverUrl}/.extraheader`
      ]).trim()
    ).toBe(fleet.checkoutHeader)
  })

  it('lists in each pull request the findings of what it merges, not those of the other component', async () => {
    // Over the client-side apply limit: a warning on the Calico ConfigMap, which only the Calico branch holds.
    const big = calicoCm(`v3.31.0 ${'x'.repeat(300_000)}`)
    const { result } = await publishRun({}, [...defaultStages, calicoStage(big)])
    const warning = (f: { rule: string; file?: string }) =>
      f.rule === 'configmap/over-client-side-apply-limit' && f.file === CALICO_CM
    expect(result.findings.filter(warning)).toHaveLength(1)
    const [flux, calico] = fleet.github.pulls
    expect(calico.body).toContain(`\`${CALICO_CM}:`)
    expect(flux.body).not.toContain(CALICO_CM)
    expect(fleet.github.problems).toEqual([])
  })

  it('changes nothing on a second run: no push and no API write', async () => {
    await publishRun()
    const writes = fleet.github.writes().length
    const { result } = await publishRun()
    expect(result.pullRequests).toEqual([
      expect.objectContaining({ component: 'flux', number: 1, operation: 'none' })
    ])
    expect(fleet.github.writes().length).toBe(writes)
    expect(fleet.github.problems).toEqual([])
  })

  it('applies labels, reviewers and assignees added since to the open pull request, only what it lacks', async () => {
    await publishRun({ labels: 'dependencies' })
    const before = fleet.github.writes().length
    const more = {
      labels: 'dependencies, flux',
      reviewers: 'octocat',
      'team-reviewers': 'platform',
      assignees: 'octocat'
    }
    const { result } = await publishRun(more)
    expect(result.pullRequests).toEqual([expect.objectContaining({ number: 1, operation: 'updated' })])
    expect(fleet.github.pulls[0]).toMatchObject({
      labels: ['dependencies', 'flux'],
      reviewers: ['octocat'],
      teamReviewers: ['platform'],
      assignees: ['octocat']
    })
    const added = fleet.github.writes().slice(before)
    expect(added.map(w => w.operationId)).toEqual([
      'issues/create-label',
      'issues/add-labels',
      'pulls/request-reviewers',
      'issues/add-assignees'
    ])
    expect(added[1].body).toEqual({ labels: ['flux'] })
    // Nothing new: nothing written.
    const settled = fleet.github.writes().length
    const again = await publishRun(more)
    expect(again.result.pullRequests).toEqual([expect.objectContaining({ number: 1, operation: 'none' })])
    expect(fleet.github.writes().length).toBe(settled)
    expect(fleet.github.problems).toEqual([])
  })

  it('updates the same pull request and branch for a newer release, on the base as it is now', async () => {
    await publishRun({ 'flux-version': '2.8.3' })
    expect(fleet.github.pulls[0].title).toBe('Upgrade flux from 2.7.5 to 2.8.3')
    // Someone merges something else into main after the workspace was checked out.
    fleet.pushAsOther({ 'docs/README.md': 'fleet notes\n' }, 'Notes')
    const { result } = await publishRun()
    expect(result.pullRequests).toEqual([expect.objectContaining({ number: 1, operation: 'updated' })])
    expect(fleet.github.pulls).toHaveLength(1)
    expect(fleet.github.pulls[0].title).toBe('Upgrade flux from 2.7.5 to 2.9.3')
    expect(fleet.github.pulls[0].body).toContain('| flux | 2.7.5 | 2.9.3 |')
    const branch = fleet.branchFiles('flux-crs-upgrade/flux')
    expect(branch.get(GOTK)).toContain('# Flux Version: v2.9.3')
    expect(branch.get('docs/README.md')).toBe('fleet notes\n')
    // One commit on the current base.
    const base = git(fleet.github.bareDir, ['rev-parse', 'main']).trim()
    expect(git(fleet.github.bareDir, ['rev-parse', 'flux-crs-upgrade/flux^']).trim()).toBe(base)
    expect(fleet.github.problems).toEqual([])
  })

  it('closes the pull request and deletes its branch when the base already has the version', async () => {
    await publishRun()
    const upgraded = fleet.branchFiles('flux-crs-upgrade/flux')
    const changed = [...upgraded].filter(([f, c]) => fleet.branchFiles('main').get(f) !== c)
    fleet.pushAsOther(Object.fromEntries(changed), 'Upgrade Flux by hand')
    git(fleet.workspace, ['pull', '--quiet', fleet.github.bareDir, 'main'])
    const { result } = await publishRun()
    expect(result.pullRequests).toEqual([expect.objectContaining({ number: 1, operation: 'closed' })])
    expect(fleet.github.pulls[0].state).toBe('closed')
    expect(fleet.github.pulls[0].comments).toEqual([expect.stringContaining('`main` already has flux 2.9.3')])
    expect(git(fleet.github.bareDir, ['branch', '--list', 'flux-crs-upgrade/*']).trim()).toBe('')
    expect(fleet.github.problems).toEqual([])
  })

  it('opens one pull request for all components with group: true, as a draft', async () => {
    const stages = [...defaultStages, calicoStage(calicoCm('v3.31.0'))]
    const { result } = await publishRun({ group: 'true', draft: 'true' }, stages)
    expect(result.pullRequests.map(p => [p.component, p.operation])).toEqual([['all', 'created']])
    expect(fleet.github.pulls).toEqual([
      expect.objectContaining({
        head: 'flux-crs-upgrade/all',
        draft: true,
        title: 'Upgrade flux from 2.7.5 to 2.9.3 and calico from 3.30.0 to 3.31.0'
      })
    ])
    const files = fleet.branchFiles('flux-crs-upgrade/all')
    expect(files.get(CALICO_CM)).toBe(calicoCm('v3.31.0'))
    expect(files.get(GOTK)).toContain('# Flux Version: v2.9.3')
    expect(fleet.github.problems).toEqual([])
  })

  it('retries a 5xx, and rebuilds once when the branch moved during the push', async () => {
    fleet.github.fail({ operationId: 'pulls/create', status: 502, message: 'Bad Gateway' })
    fleet.github.beforeNextPush(() =>
      fleet.pushAsOther({ 'stray.txt': 'x\n' }, 'Someone else', 'flux-crs-upgrade/flux')
    )
    const { result, sleeps, logs } = await publishRun()
    expect(result.pullRequests).toEqual([expect.objectContaining({ number: 1, operation: 'created' })])
    expect(logs.join('\n')).toMatch(
      /POST \S+\/pulls answered HTTP 502; retrying in 1000 ms \(attempt 2 of 4\)/
    )
    expect(sleeps).toContain(1000)
    expect(logs.join('\n')).toContain('moved on origin since it was fetched')
    // Rebuilt on the base: the other commit is replaced, not kept.
    expect(fleet.branchFiles('flux-crs-upgrade/flux').has('stray.txt')).toBe(false)
    expect(fleet.github.problems).toEqual([])
  })

  it('stops with a clear error when the branch moves again during the rebuild', async () => {
    for (const n of [1, 2])
      fleet.github.beforeNextPush(() =>
        fleet.pushAsOther({ 'stray.txt': `${n}\n` }, 'Someone else', 'flux-crs-upgrade/flux')
      )
    await expect(publishRun()).rejects.toThrow(
      'flux-crs-upgrade/flux moved again while this run rebuilt and pushed it'
    )
  })

  it('names the repository setting when GitHub Actions may not create pull requests', async () => {
    fleet.github.actionsMayCreatePullRequests = false
    const error = await publishRun().catch((e: FcuError) => e)
    expect(error).toBeInstanceOf(FcuError)
    expect((error as FcuError).message).toContain(
      'GitHub Actions may not create pull requests in example-org/fleet'
    )
    expect((error as FcuError).hint).toContain('Allow GitHub Actions to create and approve pull requests')
    expect(fleet.github.problems).toEqual([])
  })

  it('warns about a reviewer who cannot be asked, and still opens the pull request', async () => {
    const { result, logs } = await publishRun({ reviewers: 'stranger', assignees: 'octocat' })
    expect(result.pullRequests).toEqual([expect.objectContaining({ operation: 'created' })])
    expect(logs.join('\n')).toMatch(/warning: Could not request a review of #1 from stranger: .*collaborator/)
    expect(fleet.github.pulls[0].assignees).toEqual(['octocat'])
    expect(fleet.github.problems).toEqual([])
  })

  it('pushes nothing and opens nothing when validation fails', async () => {
    const bad: Stage = {
      component: 'flux',
      name: 'bad',
      run: async () => ({
        changes: [
          {
            path: 'infrastructure/staging/cm-flux-staging.yaml',
            content: 'apiVersion: v1\nkind: ConfigMap\n',
            reason: 'regenerated'
          }
        ]
      })
    }
    const { result } = await publishRun({}, [...defaultStages, bad])
    expect(result.findings.some(f => f.severity === 'error')).toBe(true)
    expect(fleet.github.requests).toEqual([])
    expect(result.pullRequests).toEqual([])
  })

  it('commits through the Git Data API with sign-commits: modes kept, a renamed file deleted', async () => {
    const renamed: Stage = {
      component: 'calico',
      name: 'rename',
      run: async () => ({
        changes: [
          {
            path: 'extra/calico-v3-31.yaml',
            content: calicoCm('v3.31.0'),
            reason: 'renamed',
            renamedFrom: 'extra/calico-v3-30.yaml'
          },
          { path: 'extra/hook.sh', content: '#!/bin/sh\necho 3.31\n', reason: 'regenerated' }
        ],
        component: { component: 'calico', from: '3.30.0', to: '3.31.0', action: 'upgrade', reason: 'test' }
      })
    }
    await fleet.close()
    fleet = await startFleet({
      token: TOKEN,
      fixtures,
      prepare: dir => {
        mkdirSync(path.join(dir, 'extra'))
        writeFileSync(path.join(dir, 'extra/calico-v3-30.yaml'), calicoCm('v3.30.0'))
        writeFileSync(path.join(dir, 'extra/hook.sh'), '#!/bin/sh\necho 3.30\n', { mode: 0o755 })
      }
    })
    const { result } = await publishRun({ 'sign-commits': 'true', components: 'calico' }, [
      ...defaultStages,
      renamed
    ])
    expect(result.pullRequests).toEqual([
      expect.objectContaining({ component: 'calico', operation: 'created' })
    ])
    expect(fleet.github.gitData.blobs).toBe(2)
    expect(fleet.github.gitData.trees).toEqual([
      expect.objectContaining({
        tree: expect.arrayContaining([
          { path: 'extra/calico-v3-30.yaml', mode: '100644', type: 'blob', sha: null },
          expect.objectContaining({ path: 'extra/hook.sh', mode: '100755' })
        ])
      })
    ])
    expect(fleet.github.gitData.commits).toEqual([expect.not.objectContaining({ author: expect.anything() })])
    const files = fleet.branchFiles('flux-crs-upgrade/calico')
    expect(files.has('extra/calico-v3-30.yaml')).toBe(false)
    expect(files.get('extra/calico-v3-31.yaml')).toBe(calicoCm('v3.31.0'))
    expect(git(fleet.github.bareDir, ['ls-tree', 'flux-crs-upgrade/calico', 'extra/hook.sh'])).toMatch(
      /^100755 /
    )
    expect(git(fleet.github.bareDir, ['log', '-1', '--format=%an', 'flux-crs-upgrade/calico']).trim()).toBe(
      'github-actions[bot]'
    )
    expect(fleet.github.problems).toEqual([])
  })

  it('retries a create GitHub cannot resolve yet, and updates a pull request another run opened meanwhile', async () => {
    fleet.github.fail({
      operationId: 'pulls/create',
      status: 422,
      message: 'Validation Failed',
      errors: [
        {
          resource: 'PullRequest',
          code: 'custom',
          message: "Could not resolve to a node with the global id of 'X'"
        }
      ]
    })
    const { result, sleeps, logs } = await publishRun()
    expect(result.pullRequests).toEqual([expect.objectContaining({ number: 1, operation: 'created' })])
    expect(logs).toContain('GitHub does not resolve flux-crs-upgrade/flux yet: trying again in 1 s')
    expect(sleeps).toContain(1000)

    await fleet.close()
    fleet = await startFleet({ token: TOKEN, fixtures })
    const other = {
      number: 7,
      state: 'open' as const,
      title: 'by another run',
      body: '',
      head: 'flux-crs-upgrade/flux',
      base: 'main',
      draft: false,
      labels: [],
      reviewers: [],
      teamReviewers: [],
      assignees: [],
      comments: []
    }
    fleet.github.fail({
      operationId: 'pulls/create',
      status: 0,
      before: () => void fleet.github.pulls.push(other)
    })
    const raced = await publishRun()
    expect(raced.result.pullRequests).toEqual([expect.objectContaining({ number: 7, operation: 'updated' })])
    expect(fleet.github.pulls).toEqual([
      expect.objectContaining({ number: 7, title: 'Upgrade flux from 2.7.5 to 2.9.3' })
    ])
    expect(fleet.github.problems).toEqual([])
  })
})
