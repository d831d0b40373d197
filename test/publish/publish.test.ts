import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { defaultStages, run, type Stage } from '../../src/run.js'
import { connectPublisher } from '../../src/publish/connect.js'
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
    const deps = { ...recorded.deps, publish: undefined as never }
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
})
