import { readFileSync } from 'node:fs'
import path from 'node:path'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { addCalico } from '../../support/example/prepare.js'
import { runAction, type ActionRun, type RunnerEvent } from '../../support/runner.js'
import { workflowSteps } from '../helpers/workflows.js'
import { ensureNode24 } from '../../support/node24.js'
import { startFleet, git, type Fleet } from '../../support/github/fleet.js'

/**
 * End to end, as GitHub runs what a user installs with `uses: <owner>/flux-crs-upgrade@v1`: the committed
 * dist/index.js under the Node 24 action.yml declares, started by the runner harness from a workflow's step (its
 * `with:` evaluated against the event payload), on a fresh checkout of the example fleet (gotk-components.yaml,
 * the Flux and Calico ClusterResourceSet ConfigMaps) whose `origin` is a bare repository behind the GitHub double,
 * with releases from the mirror. Each run is a new workflow run: a new checkout, a new runner.
 */
const fixtures = defaultFixturesDir()
const node24 = ensureNode24()
const skip = !fixtures
  ? 'the Calico ConfigMap needs upstream calico.yaml from ../shared/fixtures, which is absent'
  : 'skip' in node24
    ? node24.skip
    : undefined
if (skip) console.warn(`The end-to-end suite is skipped: ${skip}`)
const describeE2e = skip ? describe.skip : describe

const TOKEN = 'ghs_e2etoken0123456789abcdef'
const BOT = 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>'
const FLUX = 'flux-crs-upgrade/flux'
const CALICO = 'flux-crs-upgrade/calico'
const CALICO_FROM = 'infrastructure/staging/cm-calico-v3.28.yaml'

/** The workflow a user commits; the mirror stands where a GHES or air-gapped fleet points its variables. */
const WORKFLOW = `
name: flux-upgrade
on:
  schedule:
    - cron: '17 6 * * 1'
  workflow_dispatch:
    inputs:
      flux-version:
        description: latest, an exact version or a range
        default: latest
      calico-version:
        default: latest
      dry-run:
        type: boolean
        default: false
permissions: {}
jobs:
  upgrade:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      pull-requests: write
    steps:
      - uses: actions/checkout@v4
      - id: upgrade
        uses: ./
        with:
          flux-version: \${{ inputs.flux-version }}
          calico-version: \${{ github.event.inputs.calico-version || 'latest' }}
          dry-run: \${{ inputs.dry-run }}
          labels: dependencies
          releases-api-url: \${{ vars.RELEASES_API_URL }}
          download-url: \${{ vars.DOWNLOAD_URL }}
`

describeE2e('a scheduled and a dispatched workflow run, end to end on Node 24', () => {
  let mirror: Mirror
  let fleet: Fleet
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
    fleet = await startFleet({
      token: TOKEN,
      fixtures,
      fluxVersion: '2.7.5',
      prepare: dir => addCalico(dir, '3.28.2', fixtures!)
    })
  })
  afterAll(async () => {
    await fleet?.close()
    await mirror?.close()
  })

  const origin = (args: string[]) => git(fleet.github.bareDir, args).trim()
  const pushes = () => fleet.github.writes().filter(r => r.path.endsWith('git-receive-pack'))
  const apiWrites = () => fleet.github.writes().filter(r => !r.path.endsWith('git-receive-pack'))

  // The step that uses the action, its `with:` as written: the harness evaluates it against each run's event.
  const step = Object.fromEntries(
    Object.entries(workflowSteps(WORKFLOW).find(s => s.uses === './')!.with).map(([k, v]) => [k, String(v)])
  )

  async function workflowRun(event: RunnerEvent): Promise<ActionRun & { workspace: string }> {
    const workspace = fleet.checkout()
    const run = await runAction({
      workspace,
      node: (node24 as { node: string }).node,
      token: TOKEN,
      event,
      vars: { RELEASES_API_URL: mirror.apiUrl, DOWNLOAD_URL: mirror.url },
      apiUrl: fleet.github.apiUrl,
      serverUrl: fleet.github.serverUrl,
      repository: 'example-org/fleet',
      inputs: step
    })
    expect(run.stderr).toBe('')
    expect(run.stdout).not.toMatch(/^::error/m)
    expect(run.exitCode).toBe(0)
    expect(fleet.github.problems).toEqual([])
    // The token is masked (plain and as git's credential) and printed nowhere else.
    const logged = run.stdout
      .split('\n')
      .filter(l => !l.startsWith('::add-mask::'))
      .join('\n')
    for (const text of [logged, run.summary, JSON.stringify(run.outputs)]) expect(text).not.toContain(TOKEN)
    return { ...run, workspace }
  }

  /** One commit on origin's main, by the bot, carrying `message`; returns the files it changes. */
  function branchCommit(branch: string, message: string): string[] {
    expect(origin(['log', '--format=%an <%ae>|%cn <%ce>|%s|%P', `main..${branch}`])).toBe(
      `${BOT}|${BOT}|${message}|${origin(['rev-parse', 'main'])}`
    )
    return origin(['diff', '--name-status', '--no-renames', `main...${branch}`]).split('\n')
  }

  const file = (branch: string, p: string) => origin(['show', `${branch}:${p}`])

  it('schedule: opens a Flux and a Calico pull request at the latest releases', async () => {
    const run = await workflowRun({ name: 'schedule' })
    // No dispatch inputs on a schedule: `${{ inputs.* }}` is empty and the action takes its defaults.
    expect(run.sent).toMatchObject({
      'INPUT_FLUX-VERSION': '',
      'INPUT_CALICO-VERSION': 'latest',
      'INPUT_DRY-RUN': ''
    })
    const pr = (n: number) => `${fleet.github.serverUrl}/example-org/fleet/pull/${n}`
    expect(run.outputs).toMatchObject({
      changed: 'true',
      'flux-version': '2.9.3',
      'flux-previous-version': '2.7.5',
      'calico-version': '3.31.7',
      'calico-previous-version': '3.28.2',
      'pull-requests': JSON.stringify([
        { component: 'flux', number: 1, url: pr(1), operation: 'created' },
        { component: 'calico', number: 2, url: pr(2), operation: 'created' }
      ]),
      'pull-request-number': '1',
      'pull-request-url': pr(1),
      'pull-request-operation': 'created'
    })
    expect(JSON.parse(readFileSync(run.outputs.report, 'utf8')).ok).toBe(true)

    expect(origin(['for-each-ref', '--format=%(refname:short)', 'refs/heads'])).toBe(
      [CALICO, FLUX, 'main'].join('\n')
    )
    // Each branch holds its own component's changes only, as one commit on the base.
    expect(branchCommit(FLUX, 'Upgrade flux from 2.7.5 to 2.9.3')).toEqual([
      'M\tclusters/tmp-mgmt/flux-system/gotk-components.yaml',
      'M\tclusters/tmp-mgmt/flux-system/gotk-sync.yaml',
      'M\tclusters/tmp-mgmt/infrastructure.yaml',
      'M\tinfrastructure/staging/cm-flux-staging.yaml'
    ])
    expect(file(FLUX, 'clusters/tmp-mgmt/flux-system/gotk-components.yaml')).toContain(
      '# Flux Version: v2.9.3'
    )
    expect(file(FLUX, 'clusters/tmp-mgmt/flux-system/gotk-sync.yaml')).toContain(
      'apiVersion: source.toolkit.fluxcd.io/v1\n'
    )
    // The ConfigMap's file is renamed for the new minor, and the references to it and to its name follow.
    expect(branchCommit(CALICO, 'Upgrade calico from 3.28.2 to 3.31.7')).toEqual([
      `D\t${CALICO_FROM}`,
      'A\tinfrastructure/staging/cm-calico-v3.31.yaml',
      'M\tinfrastructure/staging/crs-calico.yaml',
      'M\tinfrastructure/staging/kustomization.yaml'
    ])
    const calicoCm = file(CALICO, 'infrastructure/staging/cm-calico-v3.31.yaml')
    expect(calicoCm).toContain('  name: crs-cm-calico-v3.31\n')
    expect(calicoCm).toContain('quay.io/calico/node:v3.31.7')
    // The fleet's customisation survives the three-way merge.
    expect(calicoCm).toContain('    veth_mtu: "1440"\n')
    expect(file(CALICO, 'infrastructure/staging/crs-calico.yaml')).toContain(
      '    - name: crs-cm-calico-v3.31\n'
    )
    expect(file(CALICO, 'infrastructure/staging/kustomization.yaml')).toContain('  - cm-calico-v3.31.yaml\n')

    expect(fleet.github.pulls).toEqual([
      expect.objectContaining({
        number: 1,
        state: 'open',
        title: 'Upgrade flux from 2.7.5 to 2.9.3',
        head: FLUX,
        base: 'main',
        draft: false,
        labels: ['dependencies']
      }),
      expect.objectContaining({
        number: 2,
        state: 'open',
        title: 'Upgrade calico from 3.28.2 to 3.31.7',
        head: CALICO,
        base: 'main',
        draft: false,
        labels: ['dependencies']
      })
    ])
    const [fluxBody, calicoBody] = fleet.github.pulls.map(p => p.body ?? '')
    expect(fluxBody).toContain('| flux | 2.7.5 | 2.9.3 |')
    expect(fluxBody).toContain('<!-- flux-crs-upgrade:flux -->')
    expect(fluxBody).not.toContain('calico')
    expect(calicoBody).toContain('| calico | 3.28.2 | 3.31.7 |')
    expect(calicoBody).toContain('<!-- flux-crs-upgrade:calico -->')
    expect(calicoBody).toContain('staging-blue')
    expect(calicoBody).toContain('staging-mgmt')

    expect(run.summary).toContain('| flux | 2.7.5 | 2.9.3 |')
    expect(run.summary).toContain('| calico | 3.28.2 | 3.31.7 |')
    expect(run.summary).toContain('### Pull requests')
    expect(run.summary).toContain(pr(1))
    expect(run.summary).toContain(pr(2))
    expect(pushes()).toHaveLength(2)
  })

  it('schedule again with nothing new: no push, no pull request written', async () => {
    const writes = fleet.github.writes().length
    const branches = origin(['for-each-ref', '--format=%(refname) %(objectname)'])
    const run = await workflowRun({ name: 'schedule' })
    expect(run.outputs['pull-request-operation']).toBe('none')
    expect(JSON.parse(run.outputs['pull-requests'])).toEqual([
      expect.objectContaining({ component: 'flux', number: 1, operation: 'none' }),
      expect.objectContaining({ component: 'calico', number: 2, operation: 'none' })
    ])
    expect(fleet.github.writes()).toHaveLength(writes)
    expect(origin(['for-each-ref', '--format=%(refname) %(objectname)'])).toBe(branches)
  })

  const dispatch = (dryRun: string): RunnerEvent => ({
    name: 'workflow_dispatch',
    inputs: { 'flux-version': '2.8.3', 'calico-version': '3.30.7', 'dry-run': dryRun }
  })

  it('workflow_dispatch with dry-run: the pinned versions in the working tree, nothing written to GitHub', async () => {
    const writes = fleet.github.writes().length
    const run = await workflowRun(dispatch('true'))
    expect(run.sent).toMatchObject({
      'INPUT_FLUX-VERSION': '2.8.3',
      'INPUT_CALICO-VERSION': '3.30.7',
      'INPUT_DRY-RUN': 'true'
    })
    expect(run.outputs).toMatchObject({
      changed: 'true',
      'flux-version': '2.8.3',
      'calico-version': '3.30.7',
      'pull-requests': '[]',
      'pull-request-operation': 'none'
    })
    expect(fleet.github.writes()).toHaveLength(writes)
    const tree = (p: string) => readFileSync(path.join(run.workspace, p), 'utf8')
    expect(tree('clusters/tmp-mgmt/flux-system/gotk-components.yaml')).toContain('# Flux Version: v2.8.3')
    expect(tree('infrastructure/staging/cm-calico-v3.30.yaml')).toContain('calico/node:v3.30.7')
    expect(run.summary).toContain('| flux | 2.7.5 | 2.8.3 |')
    expect(run.summary).toContain('| calico | 3.28.2 | 3.30.7 |')
  })

  it('workflow_dispatch: moves both pull requests to the pinned versions, and a rerun writes nothing', async () => {
    const before = { pushes: pushes().length, api: apiWrites().length }
    const run = await workflowRun(dispatch('false'))
    expect(run.outputs).toMatchObject({ 'flux-version': '2.8.3', 'calico-version': '3.30.7' })
    expect(JSON.parse(run.outputs['pull-requests'])).toEqual([
      expect.objectContaining({ component: 'flux', number: 1, operation: 'updated' }),
      expect.objectContaining({ component: 'calico', number: 2, operation: 'updated' })
    ])
    // Each branch was force-pushed as one new commit on main; the pull requests were retitled, not reopened.
    expect(branchCommit(FLUX, 'Upgrade flux from 2.7.5 to 2.8.3')).toContain(
      'M\tclusters/tmp-mgmt/flux-system/gotk-components.yaml'
    )
    expect(branchCommit(CALICO, 'Upgrade calico from 3.28.2 to 3.30.7')).toContain(`D\t${CALICO_FROM}`)
    expect(fleet.github.pulls.map(p => [p.number, p.state, p.title, p.head])).toEqual([
      [1, 'open', 'Upgrade flux from 2.7.5 to 2.8.3', FLUX],
      [2, 'open', 'Upgrade calico from 3.28.2 to 3.30.7', CALICO]
    ])
    expect(fleet.github.pulls[1].body).toContain('| calico | 3.28.2 | 3.30.7 |')
    expect(pushes().length - before.pushes).toBe(2)
    expect(
      apiWrites()
        .slice(before.api)
        .map(r => `${r.method} ${r.operationId}`)
    ).toEqual(['PATCH pulls/update', 'PATCH pulls/update'])

    const writes = fleet.github.writes().length
    const again = await workflowRun(dispatch('false'))
    expect(again.outputs['pull-request-operation']).toBe('none')
    expect(fleet.github.writes()).toHaveLength(writes)
    console.log(
      `e2e: ${fleet.github.requests.length} requests to the GitHub double (${writes} writes), ${mirror.requests.length} to the mirror`
    )
  })
})
