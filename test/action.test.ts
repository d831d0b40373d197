import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { startMirror, type Mirror } from '../support/mirror/server.js'
import { defaultFixturesDir } from '../support/standins/index.js'
import { prepareExample } from '../support/example/prepare.js'
import { runAction } from '../support/runner.js'
import { ensureNode24 } from '../support/node24.js'
import { snapshot } from './helpers/engine.js'

/**
 * The bundled action (dist/index.js) as a runner starts it: every declared input as INPUT_* with its default, the
 * GITHUB_* and RUNNER_* variables, an event payload and the file commands (support/runner.ts). Runs under the Node
 * 24 that action.yml declares, and under the Node running the tests.
 */
const fixtures = defaultFixturesDir()
const node24 = ensureNode24()
const runtimes: [string, string][] = [['node ' + process.versions.node, process.execPath]]
if ('node' in node24) runtimes.push(['node 24', node24.node])
else console.warn(`dist/ is not tested under Node 24 here: ${node24.skip}`)

describe.each(runtimes)('dist/index.js under %s', (_name, node) => {
  let mirror: Mirror
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
  })
  afterAll(() => mirror.close())

  it('declares node24 in action.yml', () => {
    expect(readFileSync(path.resolve('action.yml'), 'utf8')).toMatch(/using: node24\n/)
  })

  const mirrorInputs = () => ({ 'releases-api-url': mirror.apiUrl, 'download-url': mirror.url })

  it('upgrades the example in dry-run with every other input at its default, and sets every output', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-action-'))
    prepareExample(workspace, '2.7.5', fixtures)
    const run = await runAction({
      workspace,
      node,
      token: 'ghs_secret0123456789',
      event: { name: 'workflow_dispatch', inputs: { 'dry-run': 'true' } },
      inputs: { 'dry-run': 'true', ...mirrorInputs() }
    })
    // What a runner sends: the config input's empty default, the other defaults as action.yml declares them.
    expect(run.sent).toMatchObject({
      INPUT_CONFIG: '',
      'INPUT_BRANCH-PREFIX': 'flux-crs-upgrade/',
      'INPUT_WORKING-DIRECTORY': '.',
      INPUT_TOKEN: 'ghs_secret0123456789',
      GITHUB_EVENT_NAME: 'workflow_dispatch'
    })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain(
      'No config file (.github/flux-crs-upgrade.yaml does not exist): targets are found by content'
    )
    // The tools were downloaded and extracted, and no command line reached the log (only hidden ::debug:: lines).
    expect(run.stdout).toContain('Downloading flux 2.9.3')
    expect(run.stdout).not.toContain('[command]')
    expect(run.outputs).toMatchObject({
      changed: 'true',
      'flux-version': '2.9.3',
      'flux-previous-version': '2.7.5',
      // The example has no Calico ConfigMap: nothing to resolve, and no Calico release list fetched.
      'calico-version': '',
      'pull-requests': '[]',
      'pull-request-operation': 'none'
    })
    const report = JSON.parse(readFileSync(run.outputs.report, 'utf8'))
    expect(report.ok).toBe(true)
    expect(report.result.files.map((f: { path: string }) => f.path)).toContain(
      'clusters/tmp-mgmt/flux-system/gotk-components.yaml'
    )
    expect(mirror.requests.some(r => r.path.includes('projectcalico'))).toBe(false)
    expect(run.summary).toContain('| flux | 2.7.5 | 2.9.3 |')
    expect(run.summary).toContain('### Migrated objects')
    expect(
      readFileSync(path.join(workspace, 'clusters/tmp-mgmt/flux-system/gotk-components.yaml'), 'utf8')
    ).toContain('# Flux Version: v2.9.3')
    // The token reached no log, no summary, no report, and no mirror request (the mirror is not the run's GitHub).
    // Only the runner's own `::add-mask::` command carries it (the runner swallows that line and masks the value).
    const logged = run.stdout
      .split('\n')
      .filter(l => !l.startsWith('::add-mask::'))
      .join('\n')
    for (const text of [logged, run.summary, readFileSync(run.outputs.report, 'utf8')])
      expect(text).not.toContain('ghs_secret0123456789')
    expect(run.stdout).toContain('::add-mask::ghs_secret0123456789')
    expect(mirror.requests.some(r => JSON.stringify(r.headers).includes('ghs_secret'))).toBe(false)
    expect(run.stdout).toContain('anonymous')
  })

  it('validates the healthy example on a schedule with every input at its default: exit 0', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-action-'))
    prepareExample(workspace, '2.7.5', fixtures)
    const run = await runAction({
      workspace,
      node,
      event: { name: 'schedule' },
      inputs: { mode: 'validate', ...mirrorInputs() }
    })
    expect(run.stdout).not.toMatch(/^::error/m)
    expect(run.exitCode).toBe(0)
    expect(run.outputs.changed).toBe('false')
    expect(run.summary).toContain('### Validation')
  })

  it('reads a config file at the default path, and fails on a config file the user named that is missing', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-action-'))
    prepareExample(workspace, '2.7.5', fixtures)
    mkdirSync(path.join(workspace, '.github'))
    writeFileSync(path.join(workspace, '.github/flux-crs-upgrade.yaml'), 'exclude:\n  - clusters/frozen/**\n')
    const found = await runAction({ workspace, node, inputs: { mode: 'validate', ...mirrorInputs() } })
    expect(found.exitCode).toBe(0)
    expect(found.stdout).toContain('Config file: .github/flux-crs-upgrade.yaml')

    const before = snapshot(workspace)
    const requests = mirror.requests.length
    const missing = await runAction({
      workspace,
      node,
      inputs: { config: 'ci/fleet-upgrade.yaml', 'dry-run': 'true', ...mirrorInputs() }
    })
    expect(missing.exitCode).toBe(1)
    expect(missing.stdout).toMatch(
      /^::error title=run\/config::input config: Config file ci\/fleet-upgrade\.yaml does not exist%0ACreate the file, fix the path/m
    )
    expect(snapshot(workspace)).toEqual(before)
    // Nothing was asked of the network for a run that could not start.
    expect(mirror.requests.slice(requests)).toEqual([])
  })

  it('fails a bad input with an annotation naming it, and leaves the tree untouched', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-action-'))
    prepareExample(workspace, '2.7.5', fixtures)
    const before = execFileSync(
      'find',
      [workspace, '-type', 'f', '-newer', path.join(workspace, 'README.md')],
      { encoding: 'utf8' }
    )
    const run = await runAction({
      workspace,
      node,
      inputs: { 'flux-version': 'latest; rm -rf /', ...mirrorInputs() }
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /::error title=run\/input::input flux-version: flux-version "latest; rm -rf \/" is not a version/
    )
    expect(run.outputs.changed).toBe('false')
    expect(
      execFileSync('find', [workspace, '-type', 'f', '-newer', path.join(workspace, 'README.md')], {
        encoding: 'utf8'
      })
    ).toBe(before)
  })

  it('mode: validate prints annotations that point at the right lines and exits 1 on errors', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-action-'))
    prepareExample(workspace, '2.9.3', fixtures)
    writeFileSync(
      path.join(workspace, 'clusters/tmp-mgmt/bad.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        'spec:',
        '  replicas: 1',
        '  selectr:',
        '    matchLabels: {app: web}',
        '  template:',
        '    spec:',
        '      containers: []'
      ].join('\n') + '\n'
    )
    const run = await runAction({
      workspace,
      node,
      inputs: { mode: 'validate', ...mirrorInputs() }
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /^::error title=schema\/unknown-field,file=clusters\/tmp-mgmt\/bad\.yaml,line=7::.*spec\.selectr/m
    )
    expect(run.stdout).toMatch(
      /^::error title=schema\/version-not-served,file=clusters\/tmp-mgmt\/flux-system\/gotk-sync\.yaml,line=3::GitRepository/m
    )
    expect(run.summary).toContain('### Validation')
  })
})

describe('the runner harness', () => {
  it('refuses an input action.yml does not declare, as no runner would pass it', async () => {
    await expect(runAction({ workspace: os.tmpdir(), inputs: { 'flux-versoin': '2.9.3' } })).rejects.toThrow(
      'action.yml declares no input flux-versoin'
    )
    await expect(runAction({ workspace: os.tmpdir(), env: { INPUT_MODE: 'validate' } })).rejects.toThrow(
      'set inputs through "inputs"'
    )
  })
})
