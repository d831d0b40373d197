import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { readSettings } from '../../src/settings/inputs.js'
import { prepareExample } from '../../support/example/prepare.js'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { declaredInputs, runAction, type RunnerEvent } from '../../support/runner.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { evaluateWith, lintAction, lintWorkflow, matrixRows, workflowSteps } from '../helpers/workflows.js'

/**
 * The example workflows (examples/, shown in the README) are what users copy: they lint clean with actionlint and
 * with GitHub's own workflow parser, pass the action only inputs action.yml declares, with values its input parser
 * accepts once the runner has evaluated their expressions for each event, and the ones that can run here do, on the
 * example fleet.
 */
const yamlFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter(f => /\.ya?ml$/.test(f))
        .map(f => path.join(dir, f))
    : []
const examples = yamlFiles('examples')
const workflows = [...examples, ...yamlFiles('.github/workflows')]
const read = (f: string) => readFileSync(f, 'utf8')
const fixtures = defaultFixturesDir()

const isOurs = (uses: string | undefined) => uses !== undefined && /(^|\/)flux-crs-upgrade@v\d+$/.test(uses)
const oursIn = (file: string) => workflowSteps(read(file)).filter(s => isOurs(s.uses))

describe('every workflow and action.yml lint clean, offline', () => {
  it('there are examples to lint', () => {
    expect(examples.map(f => path.basename(f)).sort()).toEqual([
      'upgrade-app-token.yaml',
      'upgrade-matrix.yaml',
      'upgrade.yaml',
      'validate.yaml'
    ])
  })

  it.each(workflows)('%s: no finding from actionlint or the workflow parser', async file => {
    expect(await lintWorkflow(file, read(file))).toEqual([])
  })

  it('action.yml: no finding from the action metadata schema', () => {
    expect(lintAction('action.yml', read('action.yml'))).toEqual([])
  })
})

describe('the linters report what is wrong (so a clean result means something)', () => {
  const broken = [
    'on:',
    '  schedule:',
    "    - cron: '61 5 * * 1'",
    '  workflow_dispatch:',
    '    inputs:',
    '      flux-version:',
    '        type: string',
    'jobs:',
    '  upgrade:',
    '    runs-on: ubuntu-latest',
    '    permissions:',
    '      pull-request: write',
    '    concurrency:',
    '      group: x',
    '      cancel-in-progres: false',
    '    steps:',
    '      - uses: your-org/flux-crs-upgrade@v1',
    '        with:',
    '          flux-version: ${{ inputs.flux-versoin }}',
    ''
  ].join('\n')

  it('actionlint: a bad cron, an unknown permission scope, a misspelt key, an input the workflow lacks', async () => {
    const found = await lintWorkflow('broken.yaml', broken)
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^broken\.yaml:3:13: invalid CRON format "61 5 \* \* 1".*\(actionlint events\)$/
        ),
        expect.stringMatching(
          /^broken\.yaml:12:7: unknown permission scope "pull-request".*\(actionlint permissions\)$/
        ),
        expect.stringMatching(/^broken\.yaml:15:7: unexpected key "cancel-in-progres" for "concurrency"/),
        expect.stringMatching(
          /^broken\.yaml:19:29: property "flux-versoin" is not defined.*\(actionlint expression\)$/
        )
      ])
    )
  })

  it('the workflow parser: values and keys its schema does not have', async () => {
    const found = await lintWorkflow('broken.yaml', broken)
    expect(found).toEqual(
      expect.arrayContaining([
        "broken.yaml (Line: 12, Col: 7): Unexpected value 'pull-request' (workflow-parser)",
        "broken.yaml (Line: 15, Col: 7): Unexpected value 'cancel-in-progres' (workflow-parser)"
      ])
    )
  })

  it('both: a plain scalar with ": " in it (the YAML slip a shell line invites)', async () => {
    const found = await lintWorkflow(
      'slip.yaml',
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "PRs: $X"\n'
    )
    expect(found).toEqual([
      expect.stringMatching(/^slip\.yaml:6:0: could not parse as YAML.*\(actionlint syntax-check\)$/),
      expect.stringMatching(
        /^slip\.yaml: Nested mappings are not allowed in compact mappings.*\(workflow-parser\)$/s
      )
    ])
  })

  it('the action schema: a runtime the runner does not have', () => {
    const action = read('action.yml').replace('using: node24', 'using: node99')
    expect(lintAction('action.yml', action)).toEqual([expect.stringMatching(/Unexpected value 'node99'/)])
  })
})

describe('each example passes the action what action.yml declares', () => {
  const declared = declaredInputs()
  const defaults = Object.fromEntries(declared.map(d => [d.name, d.default ?? '']))

  it.each(examples)('%s uses the action, with only declared inputs', file => {
    const steps = oursIn(file)
    expect(steps.length).toBeGreaterThan(0)
    for (const s of steps) {
      expect(Object.keys(s.with).filter(k => !(k in defaults))).toEqual([])
    }
  })

  /** What the action reads for a step's `with:` once evaluated, every other input at its default. */
  const settingsOf = (given: Record<string, string>) =>
    readSettings(name => given[name] ?? (defaults[name].includes('${{') ? '' : defaults[name]))

  const contexts = (event: RunnerEvent, matrix: Record<string, unknown> = {}) => ({
    inputs: event.name === 'workflow_dispatch' ? (event.inputs ?? {}) : {},
    github: { event_name: event.name, repository: 'example-org/fleet', token: 'ghs_x' },
    matrix,
    vars: { FLUX_UPGRADE_REVIEWERS: 'alice,bob' },
    secrets: {},
    steps: { 'app-token': { outputs: { token: 'ghs_app_token' } } }
  })

  const upgradeStep = (file: string) => oursIn(file)[0].with
  for (const file of ['examples/upgrade.yaml', 'examples/upgrade-app-token.yaml']) {
    it(`${path.basename(file)}: on its schedule, the versions the form defaults to; by hand, the chosen ones`, () => {
      const scheduled = evaluateWith(upgradeStep(file), contexts({ name: 'schedule' }))
      expect(scheduled).toMatchObject({
        'flux-version': 'latest',
        'calico-version': 'latest',
        'dry-run': 'false'
      })
      expect(settingsOf(scheduled)).toMatchObject({
        fluxVersion: 'latest',
        calicoVersion: 'latest',
        dryRun: false
      })

      const dispatched = evaluateWith(
        upgradeStep(file),
        contexts({
          name: 'workflow_dispatch',
          inputs: { 'flux-version': '~2.8', 'calico-version': '3.31.2', 'dry-run': true }
        })
      )
      expect(settingsOf(dispatched)).toMatchObject({
        fluxVersion: '~2.8',
        calicoVersion: '3.31.2',
        dryRun: true
      })
    })
  }

  it('upgrade-app-token.yaml: the app token reaches the token input, not the job token', () => {
    const values = evaluateWith(
      upgradeStep('examples/upgrade-app-token.yaml'),
      contexts({ name: 'schedule' })
    )
    expect(values.token).toBe('ghs_app_token')
    expect(settingsOf(values).reviewers).toEqual(['alice', 'bob'])
  })

  it('upgrade-matrix.yaml: each environment its own config, versions and branches', () => {
    const text = read('examples/upgrade-matrix.yaml')
    const rows = matrixRows(text, 'upgrade').map(row =>
      settingsOf(
        evaluateWith(upgradeStep('examples/upgrade-matrix.yaml'), contexts({ name: 'schedule' }, row))
      )
    )
    expect(rows.map(s => [s.config, s.fluxVersion, s.branchPrefix])).toEqual([
      ['.github/flux-crs-upgrade-staging.yaml', 'latest', 'flux-crs-upgrade/staging/'],
      ['.github/flux-crs-upgrade-production.yaml', '~2.8', 'flux-crs-upgrade/production/']
    ])
    expect(rows.every(s => s.configExplicit)).toBe(true)
  })

  it('validate.yaml: mode validate, nothing else', () => {
    const values = evaluateWith(oursIn('examples/validate.yaml')[0].with, contexts({ name: 'pull_request' }))
    expect(values).toEqual({ mode: 'validate' })
  })
})

describe('the examples that can run here run, on the example fleet', () => {
  let mirror: Mirror
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
  })
  afterAll(() => mirror.close())
  // GitHub is unreachable: the release lists and downloads come from the mirror, as on an air-gapped runner.
  const offline = () => ({ 'releases-api-url': mirror.apiUrl, 'download-url': mirror.url })

  it('validate.yaml on a pull_request: exit 0 on the healthy fleet', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-example-'))
    prepareExample(workspace, '2.7.5', fixtures)
    const step = evaluateWith(oursIn('examples/validate.yaml')[0].with, {
      github: { event_name: 'pull_request' }
    })
    const run = await runAction({
      workspace,
      event: { name: 'pull_request', number: 7 },
      inputs: { ...step, ...offline() }
    })
    expect(run.stderr).toBe('')
    expect(run.stdout.split('\n').filter(l => l.startsWith('::error'))).toEqual([])
    expect(run.exitCode).toBe(0)
  })

  it('upgrade.yaml dispatched by hand with dry-run: the chosen version, the working tree written, no pull request', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-example-'))
    prepareExample(workspace, '2.7.5', fixtures)
    const event: RunnerEvent = {
      name: 'workflow_dispatch',
      inputs: { 'flux-version': '2.9.3', 'calico-version': 'latest', 'dry-run': true }
    }
    const step = evaluateWith(oursIn('examples/upgrade.yaml')[0].with, { inputs: event.inputs })
    const run = await runAction({
      workspace,
      event,
      token: 'ghs_job_token',
      inputs: { ...step, ...offline() }
    })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      changed: 'true',
      'flux-version': '2.9.3',
      'flux-previous-version': '2.7.5',
      'pull-requests': '[]'
    })
  })
})
