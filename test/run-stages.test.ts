import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { defaultStages, run } from '../src/run.js'
import type { Stage } from '../src/plan/stage.js'
import { combinedChanges, treeAfter } from '../src/plan/plan.js'
import { validateRepository } from '../src/validate/validator.js'
import { startMirror, type Mirror } from '../support/mirror/server.js'
import { defaultFixturesDir } from '../support/standins/index.js'
import { prepareExample } from '../support/example/prepare.js'
import { engineDeps, settingsFor, snapshot } from './helpers/engine.js'

/**
 * The engine's shape: stages return changes, the run validates the repository with them (new files included, and
 * each component's changes alone), and writes only what validated. Test stages stand in for the ConfigMap stages
 * to come; the Flux stage is the real one.
 */
const fixtures = defaultFixturesDir()
const STAGING = 'infrastructure/staging/kustomization.yaml'

const stage = (component: 'flux' | 'calico', run: Stage['run']): Stage => ({ component, name: 'test', run })

const BAD_DEPLOYMENT = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: extra',
  'spec:',
  '  selector: {matchLabels: {app: extra}}',
  '  replicas: 1',
  '  templat: {}',
  ''
].join('\n')

const CALICO_CM =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: crs-cm-calico\ndata:\n  calico.yaml: |\n    {}\n'

describe('run with stages', () => {
  let mirror: Mirror
  let toolCache: string
  let root: string
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
    toolCache = mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-'))
  })
  afterAll(() => mirror.close())
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'fcu-stages-'))
    prepareExample(root, '2.7.5', fixtures)
  })

  it('validates a file a stage adds, and writes nothing when it has an error', async () => {
    const before = snapshot(root)
    const adds = stage('flux', async () => ({
      changes: [{ path: 'infrastructure/staging/extra.yaml', content: BAD_DEPLOYMENT, reason: 'regenerated' }]
    }))
    const { deps } = engineDeps(toolCache)
    const { result, plan } = await run(settingsFor(root, mirror), deps, [...defaultStages, adds])
    expect(plan.changes.map(c => c.path)).toContain('infrastructure/staging/extra.yaml')
    expect(result.files).toContainEqual(
      expect.objectContaining({ path: 'infrastructure/staging/extra.yaml', operation: 'added' })
    )
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        rule: 'schema/unknown-field',
        file: 'infrastructure/staging/extra.yaml',
        line: 8
      })
    )
    expect(result.written).toBe(false)
    expect(snapshot(root)).toEqual(before)
    // The contents staged while validation ran are gone from the scratch directory too.
    expect(readdirSync(deps.tempDir).filter(f => /\.(tmp|bak)$/.test(f))).toEqual([])
  })

  it('an error the upgrade brings stops it, beside one the repository already had, which is a warning', async () => {
    writeFileSync(
      path.join(root, 'clusters/tmp-mgmt/apps.yaml'),
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: https://github.com/example/apps.git\n'
    )
    const before = snapshot(root)
    const adds = stage('flux', async () => ({
      changes: [{ path: 'infrastructure/staging/extra.yaml', content: BAD_DEPLOYMENT, reason: 'regenerated' }]
    }))
    const { result } = await run(settingsFor(root, mirror), engineDeps(toolCache).deps, [
      ...defaultStages,
      adds
    ])
    const shown = (severity: string) =>
      result.findings.filter(f => f.severity === severity).map(f => [f.file, f.line, f.rule])
    expect(shown('error')).toEqual([
      ['infrastructure/staging/extra.yaml', 5, 'schema/required'],
      ['infrastructure/staging/extra.yaml', 8, 'schema/unknown-field']
    ])
    expect(shown('warning')).toContainEqual(['clusters/tmp-mgmt/apps.yaml', 3, 'object/missing-field'])
    expect(
      result.findings
        .find(f => f.file === 'clusters/tmp-mgmt/apps.yaml')
        ?.message.endsWith('(already failing before this upgrade)')
    ).toBe(true)
    expect(result.written).toBe(false)
    expect(snapshot(root)).toEqual(before)
  })

  it('splits the example fleet plan by component: each part applied alone to the base validates', async () => {
    const { result, plan } = await run(settingsFor(root, mirror), engineDeps(toolCache).deps)
    expect(result.findings.filter(f => f.severity === 'error')).toEqual([])
    expect(new Set(plan.changes.map(c => c.component))).toEqual(new Set(['flux']))
    const flux = combinedChanges(plan, ['flux'])
    expect(flux.map(c => [c.path, c.reasons])).toEqual([
      ['clusters/tmp-mgmt/flux-system/gotk-components.yaml', ['regenerated']],
      ['clusters/tmp-mgmt/flux-system/gotk-sync.yaml', ['migrated']],
      ['clusters/tmp-mgmt/infrastructure.yaml', ['migrated']],
      ['infrastructure/staging/cm-flux-staging.yaml', ['regenerated']]
    ])
    expect(combinedChanges(plan, ['calico'])).toEqual([])
    const alone = validateRepository({
      files: treeAfter(plan, ['flux']).files(),
      written: flux.map(c => c.path)
    })
    expect(alone.findings.filter(f => f.severity === 'error')).toEqual([])
    // dry-run wrote exactly the tree the plan describes.
    const written = snapshot(root)
    for (const f of treeAfter(plan).files()) expect(written[f.path]).toBe(f.content)
  })

  it('merges two components edits of one kustomization, and validates each component alone', async () => {
    const before = snapshot(root)
    // Flux adds the Calico ConfigMap's file, Calico lists it: together consistent, Calico's change alone is not.
    const flux = stage('flux', async () => ({
      changes: [{ path: 'infrastructure/staging/cm-calico.yaml', content: CALICO_CM, reason: 'regenerated' }]
    }))
    const calico = stage('calico', async ctx => ({
      changes: [
        {
          path: STAGING,
          content: ctx.tree
            .get(STAGING)!
            .replace('  - cm-flux-staging.yaml\n', '  - cm-flux-staging.yaml\n  - cm-calico.yaml\n'),
          reason: 'reference-followed'
        }
      ]
    }))
    const { result, plan } = await run(
      settingsFor(root, mirror, { 'dry-run': 'true' }),
      engineDeps(toolCache).deps,
      [...defaultStages, flux, calico]
    )
    expect(treeAfter(plan).get(STAGING)).toContain('  - cm-flux-staging.yaml\n  - cm-calico.yaml\n')
    const alone = result.findings.filter(f => f.message.includes('(with only the calico changes applied)'))
    expect(alone).toEqual([
      expect.objectContaining({
        severity: 'error',
        rule: 'kustomize/missing-resource',
        file: STAGING,
        line: 7
      })
    ])
    expect(result.written).toBe(false)
    expect(snapshot(root)).toEqual(before)
  })
})
