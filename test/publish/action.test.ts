import { readFileSync } from 'node:fs'
import path from 'node:path'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { runAction } from '../../support/runner.js'
import { startFleet, git, type Fleet } from '../../support/github/fleet.js'

/**
 * The bundled action (dist/index.js) as a runner runs it, publishing to the GitHub double: the REST API at
 * GITHUB_API_URL and the checkout's origin on GITHUB_SERVER_URL, both on 127.0.0.1.
 */
const fixtures = defaultFixturesDir()
const TOKEN = 'ghs_actiontoken0123456789'
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64')

describe('the action publishing pull requests', () => {
  let mirror: Mirror
  let fleet: Fleet
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
  })
  afterAll(() => mirror.close())
  beforeEach(async () => {
    fleet = await startFleet({ token: TOKEN, fixtures })
  })
  afterEach(() => fleet.close())

  const act = (inputs: Record<string, string> = {}) =>
    runAction({
      workspace: fleet.workspace,
      token: TOKEN,
      apiUrl: fleet.github.apiUrl,
      serverUrl: fleet.github.serverUrl,
      repository: 'example-org/fleet',
      inputs: { 'releases-api-url': mirror.apiUrl, 'download-url': mirror.url, ...inputs }
    })

  it('opens the Flux pull request, sets the outputs, and a second run writes nothing', async () => {
    const config = readFileSync(path.join(fleet.workspace, '.git/config'), 'utf8')
    const first = await act({ labels: 'dependencies', 'team-reviewers': 'platform', draft: 'true' })
    expect(first.stderr).toBe('')
    expect(first.exitCode).toBe(0)
    expect(fleet.github.problems).toEqual([])
    const url = `${fleet.github.serverUrl}/example-org/fleet/pull/1`
    expect(first.outputs).toMatchObject({
      changed: 'true',
      'flux-version': '2.9.3',
      'pull-requests': JSON.stringify([{ component: 'flux', number: 1, url, operation: 'created' }]),
      'pull-request-number': '1',
      'pull-request-url': url,
      'pull-request-operation': 'created'
    })
    expect(fleet.github.pulls).toEqual([
      expect.objectContaining({
        head: 'flux-crs-upgrade/flux',
        base: 'main',
        draft: true,
        labels: ['dependencies'],
        teamReviewers: ['platform'],
        title: 'Upgrade flux from 2.7.5 to 2.9.3'
      })
    ])
    const body = fleet.github.pulls[0].body!
    expect(body).toContain('| flux | 2.7.5 | 2.9.3 |')
    expect(body).toContain(
      'the Flux Kustomization `flux-system/flux-system` (`clusters/tmp-mgmt/flux-system/gotk-sync.yaml`, path `./clusters/tmp-mgmt`)'
    )
    expect(body).toContain('<!-- flux-crs-upgrade:flux -->')
    expect(first.summary).toContain('### Pull requests')
    expect(first.summary).toContain(body.split('\n')[0])
    expect(
      git(fleet.github.bareDir, ['log', '-1', '--format=%an <%ae>|%cn|%s', 'flux-crs-upgrade/flux']).trim()
    ).toBe(
      'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>|github-actions[bot]|Upgrade flux from 2.7.5 to 2.9.3'
    )
    // The checkout's credentials are as they were, and nothing else was written to .git/config.
    expect(readFileSync(path.join(fleet.workspace, '.git/config'), 'utf8')).toBe(config)

    const writes = fleet.github.writes().length
    const second = await act({ labels: 'dependencies', 'team-reviewers': 'platform', draft: 'true' })
    expect(second.exitCode).toBe(0)
    expect(second.outputs['pull-request-operation']).toBe('none')
    expect(fleet.github.writes().length).toBe(writes)

    // The token, plain or as git's base64 credential, is in no log line, output, summary, report, config or commit.
    const pushed = git(fleet.github.bareDir, ['log', '-p', '--all', '--format=%H %an %ae %cn %ce %B'])
    for (const run of [first, second]) {
      const logged = run.stdout
        .split('\n')
        .filter(l => !l.startsWith('::add-mask::'))
        .join('\n')
      const texts = [
        logged,
        run.stderr,
        JSON.stringify(run.outputs),
        run.summary,
        readFileSync(run.outputs.report, 'utf8')
      ]
      for (const text of [
        ...texts,
        readFileSync(path.join(fleet.workspace, '.git/config'), 'utf8'),
        pushed
      ]) {
        expect(text).not.toContain(TOKEN)
        expect(text).not.toContain(BASIC)
      }
      expect(run.stdout).toContain(`::add-mask::${BASIC}`)
    }
    expect(fleet.github.problems).toEqual([])
  })

  it('fails with the message naming the repository setting when Actions may not create pull requests', async () => {
    fleet.github.actionsMayCreatePullRequests = false
    const run = await act()
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/^::error.*GitHub Actions may not create pull requests in example-org\/fleet/m)
    expect(run.stdout).toContain('Allow GitHub Actions to create and approve pull requests')
    expect(run.outputs['pull-requests']).toBe('[]')
    expect(fleet.github.problems).toEqual([])
  })
})
