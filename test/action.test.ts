import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { startMirror, type Mirror } from '../support/mirror/server.js'
import { defaultFixturesDir } from '../support/standins/index.js'
import { prepareExample } from '../support/example/prepare.js'
import { runAction } from '../support/runner.js'
import { ensureNode24 } from '../support/node24.js'

/**
 * The bundled action (dist/index.js) as a runner starts it: INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY.
 * Runs under the Node 24 that action.yml declares, and under the Node running the tests.
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

  it('upgrades the example in dry-run and sets every output', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-action-'))
    prepareExample(workspace, '2.7.5', fixtures)
    const run = await runAction({
      workspace,
      node,
      inputs: {
        'dry-run': 'true',
        'releases-api-url': mirror.apiUrl,
        'download-url': mirror.url,
        token: 'ghs_secret0123456789'
      }
    })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      changed: 'true',
      'flux-version': '2.9.3',
      'flux-previous-version': '2.7.5',
      'calico-version': '3.31.7',
      'pull-requests': '[]',
      'pull-request-operation': 'none'
    })
    const report = JSON.parse(readFileSync(run.outputs.report, 'utf8'))
    expect(report.ok).toBe(true)
    expect(report.result.files.map((f: { path: string }) => f.path)).toContain(
      'clusters/tmp-mgmt/flux-system/gotk-components.yaml'
    )
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
      inputs: {
        'flux-version': 'latest; rm -rf /',
        'releases-api-url': mirror.apiUrl,
        'download-url': mirror.url
      }
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
      inputs: { mode: 'validate', 'releases-api-url': mirror.apiUrl, 'download-url': mirror.url }
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
