import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { run as runEngine } from '../src/run.js'
import { startMirror, type Mirror } from '../support/mirror/server.js'
import { defaultFixturesDir } from '../support/standins/index.js'
import { prepareExample, fluxInstallExport } from '../support/example/prepare.js'
import { engineDeps, settingsFor, snapshot } from './helpers/engine.js'
import { rejection } from './helpers/errors.js'

const fixtures = defaultFixturesDir()
/** The run's report; the plan it returns beside it is pinned in test/plan/. */
const run = async (...args: Parameters<typeof runEngine>) => (await runEngine(...args)).result
const GOTK = 'clusters/tmp-mgmt/flux-system/gotk-components.yaml'

/** The example on Flux 2.9 with its sync objects already on the API versions 2.9 serves: a healthy repository. */
function healthyExample(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-val-'))
  prepareExample(root, '2.9.3', fixtures)
  onServedVersions(root)
  return root
}

function onServedVersions(root: string): void {
  for (const f of ['clusters/tmp-mgmt/flux-system/gotk-sync.yaml', 'clusters/tmp-mgmt/infrastructure.yaml']) {
    const p = path.join(root, f)
    writeFileSync(p, readFileSync(p, 'utf8').replace(/toolkit\.fluxcd\.io\/v1beta2/g, 'toolkit.fluxcd.io/v1'))
  }
}

describe('run (upgrade) on the example fleet repository', () => {
  let mirror: Mirror
  let root: string
  let toolCache: string
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
    toolCache = mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-'))
  })
  afterAll(() => mirror.close())
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'fcu-fleet-'))
    prepareExample(root, '2.7.5', fixtures)
  })

  it('upgrades gotk-components.yaml to the latest release, migrates sync objects, and a second run changes nothing', async () => {
    const { deps, commands } = engineDeps(toolCache)
    const result = await run(settingsFor(root, mirror), deps)

    expect(result.components.find(c => c.component === 'flux')).toMatchObject({
      from: '2.7.5',
      to: '2.9.3',
      action: 'upgrade',
      // The page the release list names (here the mirror's), not github.com: GHES and mirrors link to themselves.
      releaseNotes: `${mirror.url}/fluxcd/flux2/releases/tag/v2.9.3`
    })
    expect(result.written).toBe(true)
    const written = readFileSync(path.join(root, GOTK), 'utf8')
    expect(written).toBe(fluxInstallExport('2.9.3', fixtures))
    if (fixtures) {
      expect(written).toBe(
        readFileSync(path.join(fixtures, 'flux/v2.9.3/default/gotk-components.yaml'), 'utf8')
      )
    }
    // Flux 2.8 stopped serving v1beta2: the repository's own objects were migrated, each listed with its line.
    const sync = readFileSync(path.join(root, 'clusters/tmp-mgmt/flux-system/gotk-sync.yaml'), 'utf8')
    expect(sync).toContain('apiVersion: source.toolkit.fluxcd.io/v1\n')
    expect(sync).toContain('apiVersion: kustomize.toolkit.fluxcd.io/v1\n')
    expect(sync).toContain('# Sync objects of the temporary management cluster')
    expect(result.migrated.map(m => [m.file, m.kind, m.from, m.to])).toEqual(
      expect.arrayContaining([
        [
          'clusters/tmp-mgmt/flux-system/gotk-sync.yaml',
          'GitRepository',
          'source.toolkit.fluxcd.io/v1beta2',
          'source.toolkit.fluxcd.io/v1'
        ],
        [
          'clusters/tmp-mgmt/flux-system/gotk-sync.yaml',
          'Kustomization',
          'kustomize.toolkit.fluxcd.io/v1beta2',
          'kustomize.toolkit.fluxcd.io/v1'
        ],
        [
          'clusters/tmp-mgmt/infrastructure.yaml',
          'Kustomization',
          'kustomize.toolkit.fluxcd.io/v1beta2',
          'kustomize.toolkit.fluxcd.io/v1'
        ]
      ])
    )
    expect(result.findings.filter(f => f.severity === 'error')).toEqual([])
    const installs = commands.filter(c => c[1] === 'install')
    // One run for the new version, one for the drift baseline of the old one.
    expect(installs.length).toBe(2)

    const before = snapshot(root)
    const second = engineDeps(toolCache)
    const requestsBefore = mirror.requests.length
    const again = await run(settingsFor(root, mirror), second.deps)
    expect(again.changed).toBe(false)
    expect(snapshot(root)).toEqual(before)
    // A warm tool cache: only the release list was fetched, no archive, no checksum file.
    const paths = mirror.requests.slice(requestsBefore).map(r => r.path)
    expect(paths.filter(p => !p.startsWith('/api/'))).toEqual([])
    expect(again.tools.every(t => !t.downloaded)).toBe(true)
  })

  it('lists releases from the mirror without a token, saying so, and without a rate-limit warning', async () => {
    const { deps, logs } = engineDeps(toolCache)
    await run(settingsFor(root, mirror, { 'dry-run': 'false' }), deps)
    expect(logs.filter(l => l.includes('Listing releases'))).toEqual([
      expect.stringMatching(new RegExp(`^Listing releases from ${mirror.apiUrl} without a token`))
    ])
    expect(logs.filter(l => l.startsWith('warning:')).join('\n')).not.toMatch(/rate limit/)
  })

  it('computes but writes nothing outside dry-run when the caller gives no publisher (the CLI)', async () => {
    const before = snapshot(root)
    const { deps } = engineDeps(toolCache)
    const result = await run(settingsFor(root, mirror, { 'dry-run': 'false' }), deps)
    expect(result.changed).toBe(true)
    expect(result.written).toBe(false)
    expect(snapshot(root)).toEqual(before)
    expect(result.notes.join(' ')).toContain('nothing was written')
  })

  it('never downgrades for a range, but does for an exact pin', async () => {
    const before = snapshot(root)
    const ranged = await run(
      settingsFor(root, mirror, { 'flux-version': '<2.6', components: 'flux' }),
      engineDeps(toolCache).deps
    )
    expect(ranged.changed).toBe(false)
    expect(ranged.targets.find(t => t.path === GOTK)).toMatchObject({
      from: '2.7.5',
      to: '2.7.5',
      status: 'kept-newer'
    })
    expect(snapshot(root)).toEqual(before)

    const pinned = await run(
      settingsFor(root, mirror, { 'flux-version': '2.4.0', components: 'flux' }),
      engineDeps(toolCache).deps
    )
    expect(pinned.components[0]).toMatchObject({ from: '2.7.5', to: '2.4.0', action: 'downgrade' })
    expect(readFileSync(path.join(root, GOTK), 'utf8')).toBe(fluxInstallExport('2.4.0', fixtures))
  })

  it('ten targets with two distinct option sets cost two `flux install` runs per version', async () => {
    const plain = fluxInstallExport('2.7.5', fixtures)
    const mirrored = fluxInstallExport('2.7.5', fixtures, ['--registry=registry.example.com/fluxcd'])
    for (let i = 0; i < 10; i++) {
      const dir = path.join(root, `clusters/fleet-${i}/flux-system`)
      mkdirSync(dir, { recursive: true })
      writeFileSync(path.join(dir, 'gotk-components.yaml'), i % 2 === 0 ? plain : mirrored)
    }
    const { deps, commands } = engineDeps(toolCache)
    const result = await run(settingsFor(root, mirror, { components: 'flux' }), deps)
    const installs = commands.filter(c => c[1] === 'install')
    // Two option sets: two runs of the new CLI, and two of the old one for the drift baseline, for 12 targets: the
    // 10 fleets, the management cluster and the staging Flux ConfigMap (whose install has the default options).
    expect(installs.length).toBe(4)
    expect(result.targets.filter(t => t.status === 'upgraded')).toHaveLength(12)
    const upgraded = readFileSync(
      path.join(root, 'clusters/fleet-1/flux-system/gotk-components.yaml'),
      'utf8'
    )
    expect(upgraded).toBe(fluxInstallExport('2.9.3', fixtures, ['--registry=registry.example.com/fluxcd']))
  })

  it('applies install options from the config file and leaves excluded targets alone', async () => {
    mkdirSync(path.join(root, '.github'))
    mkdirSync(path.join(root, 'clusters/frozen/flux-system'), { recursive: true })
    const frozen = fluxInstallExport('2.7.5', fixtures)
    writeFileSync(path.join(root, 'clusters/frozen/flux-system/gotk-components.yaml'), frozen)
    writeFileSync(
      path.join(root, '.github/flux-crs-upgrade.yaml'),
      'exclude:\n  - clusters/frozen/**\nflux:\n  install:\n    registry: registry.example.com/fluxcd\n'
    )
    const result = await run(settingsFor(root, mirror, { components: 'flux' }), engineDeps(toolCache).deps)
    expect(result.targets.filter(t => t.type === 'flux-components').map(t => t.path)).toEqual([GOTK])
    expect(readFileSync(path.join(root, GOTK), 'utf8')).toBe(
      fluxInstallExport('2.9.3', fixtures, ['--registry=registry.example.com/fluxcd'])
    )
    expect(readFileSync(path.join(root, 'clusters/frozen/flux-system/gotk-components.yaml'), 'utf8')).toBe(
      frozen
    )
  })

  it('upgrades a repository with an error it already had, and reports that error as a warning marked so', async () => {
    // A repository object of a kind the upgrade checks, broken before the upgrade whatever the CRDs.
    writeFileSync(
      path.join(root, 'clusters/tmp-mgmt/apps.yaml'),
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: https://github.com/example/apps.git\n'
    )
    const result = await run(settingsFor(root, mirror, { components: 'flux' }), engineDeps(toolCache).deps)
    expect(result.findings.filter(f => f.severity === 'error')).toEqual([])
    const already = result.findings.filter(f => f.message.endsWith('(already failing before this upgrade)'))
    expect(already.map(f => [f.severity, f.file, f.line, f.rule])).toEqual([
      ['warning', 'clusters/tmp-mgmt/apps.yaml', 3, 'object/missing-field']
    ])
    expect(already[0].message).toContain('metadata.name')
    expect(result.written).toBe(true)
    expect(readFileSync(path.join(root, GOTK), 'utf8')).toContain('v2.9.3')
  })

  describe('bad input leaves the working tree untouched and names what to fix', () => {
    it.each([
      [{ 'flux-version': 'latest; rm -rf /' }, 'input', 'flux-version'],
      [{ 'calico-version': '3.x.y.z' }, 'input', 'calico-version'],
      [{ 'flux-version': '2.99.0' }, 'version', 'flux-version'],
      [{ config: '../../etc/passwd' }, 'input', 'config'],
      [{ config: 'missing.yaml' }, 'config', 'config']
    ])('%j', async (inputs, code, input) => {
      const before = snapshot(root)
      const requests = mirror.requests.length
      const e = await rejection(run(settingsFor(root, mirror, inputs), engineDeps(toolCache).deps))
      expect(e.code).toBe(code)
      expect(e.location.input).toBe(input)
      expect(snapshot(root)).toEqual(before)
      if (code === 'input') expect(mirror.requests.length).toBe(requests)
    })

    it('a config file with an unknown key', async () => {
      mkdirSync(path.join(root, '.github'))
      writeFileSync(path.join(root, '.github/flux-crs-upgrade.yaml'), 'exclude:\n  - a/**\ntargetz: []\n')
      const before = snapshot(root)
      const e = await rejection(run(settingsFor(root, mirror), engineDeps(toolCache).deps))
      expect(e.location).toMatchObject({ file: '.github/flux-crs-upgrade.yaml', line: 3 })
      expect(snapshot(root)).toEqual(before)
    })

    it('an unparseable gotk-components.yaml', async () => {
      const file = path.join(root, GOTK)
      const lines = readFileSync(file, 'utf8').split('\n')
      lines[40] = '  broken: [unclosed'
      writeFileSync(file, lines.join('\n'))
      const before = snapshot(root)
      const e = await rejection(run(settingsFor(root, mirror), engineDeps(toolCache).deps))
      expect(e.code).toBe('manifest')
      expect(e.location.file).toBe(GOTK)
      expect(e.location.line).toBeGreaterThanOrEqual(41)
      expect(snapshot(root)).toEqual(before)
    })

    it('a header naming an unknown component', async () => {
      const file = path.join(root, GOTK)
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          '# Components: source-controller,',
          '# Components: sauce-controller,'
        )
      )
      const before = snapshot(root)
      const e = await rejection(run(settingsFor(root, mirror), engineDeps(toolCache).deps))
      expect(e.location).toMatchObject({ file: GOTK, line: 4 })
      expect(e.message).toContain('sauce-controller')
      expect(snapshot(root)).toEqual(before)
    })
  })
})

describe('run (validate) on the example fleet repository', () => {
  let mirror: Mirror
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
  })
  afterAll(() => mirror.close())

  it('reports a healthy repository without errors and writes nothing', async () => {
    const root = healthyExample()
    const before = snapshot(root)
    const result = await run(
      settingsFor(root, mirror, { mode: 'validate' }),
      engineDeps(mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-'))).deps
    )
    expect(result.findings.filter(f => f.severity === 'error')).toEqual([])
    expect(result.validation.resources).toBeGreaterThan(20)
    expect(snapshot(root)).toEqual(before)
    expect(existsSync(path.join(root, GOTK))).toBe(true)
  })

  it('reports v1beta2 objects that Flux 2.9 no longer serves, with their lines', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-val-'))
    prepareExample(root, '2.9.3', fixtures)
    const result = await run(
      settingsFor(root, mirror, { mode: 'validate' }),
      engineDeps(mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-'))).deps
    )
    const errors = result.findings.filter(f => f.severity === 'error')
    expect(errors.map(f => [f.file, f.line])).toEqual(
      expect.arrayContaining([
        ['clusters/tmp-mgmt/flux-system/gotk-sync.yaml', 3],
        ['clusters/tmp-mgmt/flux-system/gotk-sync.yaml', 14]
      ])
    )
  })

  it('checks ClusterResourceSets of kustomizations it cannot render itself with the kustomize on PATH', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-kz-'))
    mkdirSync(path.join(root, 'infra/component'), { recursive: true })
    writeFileSync(
      path.join(root, 'infra/kustomization.yaml'),
      // A Helm chart inflation: what the in-process renderer does not apply.
      'resources:\n  - crs.yaml\nhelmCharts:\n  - name: cni\n    repo: https://charts.example.org\n'
    )
    writeFileSync(
      path.join(root, 'infra/crs.yaml'),
      'apiVersion: addons.cluster.x-k8s.io/v1beta2\nkind: ClusterResourceSet\nmetadata:\n  name: cni\n  namespace: fleet\nspec:\n  strategy: Reconcile\n  clusterSelector:\n    matchLabels: {cni: calico}\n  resources:\n    - name: calico-addon\n      kind: ConfigMap\n'
    )
    writeFileSync(
      path.join(root, 'infra/component/kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n'
    )
    const built = (configMap: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${configMap}\n  namespace: fleet\ndata:\n  a: b\n---\n` +
      readFileSync(path.join(root, 'infra/crs.yaml'), 'utf8')
    const fakeKustomize = (output: string) => {
      const bin = path.join(mkdtempSync(path.join(os.tmpdir(), 'fcu-bin-')), 'kustomize')
      writeFileSync(bin, `#!/usr/bin/env node\nprocess.stdout.write(${JSON.stringify(output)})\n`, {
        mode: 0o755
      })
      return bin
    }
    const validate = async (which?: (name: string) => Promise<string | undefined>) => {
      const { deps, commands } = engineDeps(mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-')))
      const result = await run(settingsFor(root, mirror, { mode: 'validate', components: 'flux' }), {
        ...deps,
        which
      })
      return {
        crs: result.findings
          .filter(f => f.rule.startsWith('crs/'))
          .map(f => [f.severity, f.rule, f.file, f.line]),
        commands
      }
    }

    // Alone, the renderer cannot inflate a chart: the reference is left unverified, never a false error.
    expect((await validate()).crs).toEqual([['notice', 'crs/resource-unverified', 'infra/crs.yaml', 11]])

    const healthy = await validate(async name =>
      name === 'kustomize' ? fakeKustomize(built('calico-addon')) : undefined
    )
    // git is asked which files the repository has (here: none, no work tree), then kustomize builds.
    expect(healthy.commands.filter(c => c[0] !== 'git')).toEqual([
      ['kustomize', 'build', '--load-restrictor', 'LoadRestrictionsNone', 'infra']
    ])
    expect(healthy.crs).toEqual([])

    const broken = await validate(async name =>
      name === 'kustomize' ? fakeKustomize(built('calico-other')) : undefined
    )
    expect(broken.crs).toEqual([['error', 'crs/missing-resource', 'infra/crs.yaml', 11]])
  })

  it('runs calicoctl validate on the Calico resources where the version has it, and says when it does not', async () => {
    const root = healthyExample()
    writeFileSync(
      path.join(root, 'infrastructure/ippool.yaml'),
      [
        'apiVersion: projectcalico.org/v3',
        'kind: IPPool',
        'metadata:',
        '  name: pods',
        'spec:',
        '  cidr: 10.300.0.0/16',
        '  natOutgoing: true'
      ].join('\n') + '\n'
    )
    const tc = mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-'))
    const latest = await run(settingsFor(root, mirror, { mode: 'validate' }), engineDeps(tc).deps)
    // flux for the CRDs of the Flux objects (`flux install --export`), calicoctl for the Calico resources.
    expect(latest.tools).toEqual([
      { tool: 'flux', version: '2.9.3', downloaded: true },
      { tool: 'calicoctl', version: '3.31.7', downloaded: true }
    ])
    const calico = latest.findings.filter(
      f => f.file === 'infrastructure/ippool.yaml' && f.severity === 'error'
    )
    expect(calico.map(f => [f.rule, f.line])).toEqual([['calico/invalid-resource', 6]])

    const old = await run(
      settingsFor(root, mirror, { mode: 'validate', 'calico-version': '3.29.7' }),
      engineDeps(tc).deps
    )
    expect(old.findings.filter(f => f.rule.startsWith('calico/'))).toEqual([])
    expect(old.notes.join(' ')).toContain(
      'calicoctl validate needs Calico v3.31 or later; v3.29.7 was installed'
    )
  })
})

const describeFixtures = fixtures ? describe : describe.skip
if (!fixtures)
  console.warn('../shared/fixtures is absent: the drift report on the real hand-edited file is not tested')

describeFixtures('run (upgrade) on a hand-edited gotk-components.yaml', () => {
  it('regenerates it and reports each hand edit with its line', async () => {
    const mirror = await startMirror({ fixturesDir: fixtures })
    try {
      const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-drift-'))
      mkdirSync(path.join(root, 'clusters/a/flux-system'), { recursive: true })
      const drifted = readFileSync(path.join(fixtures!, 'flux-drift/v2.7.5-header-v2.8-images.yaml'), 'utf8')
      writeFileSync(path.join(root, 'clusters/a/flux-system/gotk-components.yaml'), drifted)
      const result = await run(
        settingsFor(root, mirror, { components: 'flux' }),
        engineDeps(mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-'))).deps
      )
      const target = result.targets[0]
      expect(target.status).toBe('upgraded')
      expect(target.drift.map(d => [d.name, d.line, d.now])).toEqual([
        ['source-controller', 4498, 'ghcr.io/fluxcd/source-controller:v1.8.0'],
        ['kustomize-controller', 5981, 'ghcr.io/fluxcd/kustomize-controller:v1.8.1'],
        ['helm-controller', 8718, 'ghcr.io/fluxcd/helm-controller:v1.5.3'],
        ['notification-controller', 10144, 'ghcr.io/fluxcd/notification-controller:v1.8.1'],
        ['image-reflector-controller', 11457, 'ghcr.io/fluxcd/image-reflector-controller:v1.1.0'],
        ['image-automation-controller', 12395, 'ghcr.io/fluxcd/image-automation-controller:v1.1.1']
      ])
      expect(readFileSync(path.join(root, 'clusters/a/flux-system/gotk-components.yaml'), 'utf8')).toBe(
        readFileSync(path.join(fixtures!, 'flux/v2.9.3/image/gotk-components.yaml'), 'utf8')
      )
    } finally {
      await mirror.close()
    }
  })
})
