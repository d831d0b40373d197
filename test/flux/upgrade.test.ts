import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import { FcuError } from '../../src/errors.js'
import { parseFluxHeader } from '../../src/flux/header.js'
import { DEFAULT_INSTALL_OPTIONS, installArgs, readInstallOptions } from '../../src/flux/options.js'
import { upgradeFluxComponents, type FluxComponentsFile } from '../../src/flux/upgrade.js'
import { parseDocuments } from '../../src/yaml/documents.js'
import { describeWithFixtures, fixture, fixtureExists, fixturesDir, Standins } from './standin.js'
import { rejection } from '../helpers/errors.js'
import type { FluxCli } from '../../src/flux/cli.js'
import { silentLogger } from '../../src/deps.js'
import { customInstallOptions } from '../helpers/flux-install.js'

const VERSIONS = ['2.2.2', '2.3.0', '2.4.0', '2.5.1', '2.7.5', '2.8.3', '2.9.3']

const custom = customInstallOptions

const readBack = (text: string) =>
  readInstallOptions(parseDocuments(text, 'f.yaml'), parseFluxHeader(text, 'f.yaml'))

// Everything a file made with `custom` must still show after an upgrade, read from the raw text and the objects.
function expectCustomOptions(text: string) {
  expect(readBack(text)).toEqual(custom)
  expect(text).not.toContain('flux-system')
  expect(text).not.toContain('cluster.local')
  const objects = yaml.loadAll(text) as { kind: string; spec?: any }[] // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(objects.filter(o => o.kind === 'NetworkPolicy')).toEqual([])
  const deployments = objects.filter(o => o.kind === 'Deployment')
  expect(deployments).toHaveLength(6)
  for (const d of deployments) {
    const pod = d.spec.template.spec
    expect(pod.containers[0].image.startsWith('registry.example.com/mirror/')).toBe(true)
    expect(pod.imagePullSecrets).toEqual([{ name: 'regcred' }])
    expect(pod.tolerations.map((t: { key: string }) => t.key)).toEqual(custom.tolerationKeys)
    expect(pod.containers[0].args).toEqual(
      expect.arrayContaining(['--watch-all-namespaces=false', '--log-level=debug'])
    )
  }
}

describeWithFixtures('upgrading the real fixtures', () => {
  const s = new Standins(fixturesDir)
  afterAll(() => s.dispose())

  const pairs = (set: 'default' | 'image') => {
    const have = VERSIONS.filter(v => fixtureExists(v, set))
    return have.slice(1).map((to, i) => [set, to, have.slice(0, i + 1)] as const)
  }

  it.each([...pairs('default'), ...pairs('image')])(
    '%s components: every older fixture upgrades to v%s byte for byte, and a second run changes nothing',
    async (set, to, older) => {
      const targets: FluxComponentsFile[] = older.map(v => ({
        file: `clusters/v${v}/gotk-components.yaml`,
        content: fixture(v, set)
      }))
      const before = s.installs(to).length
      const up = await upgradeFluxComponents(targets, to, { cli: s.cli, log: s.log })

      expect(up.writes.map(w => w.file)).toEqual(targets.map(t => t.file))
      for (const w of up.writes) expect(w.content === fixture(to, set)).toBe(true)
      expect(up.results.map(r => [r.from, r.to, r.changed, r.drift])).toEqual(
        older.map(v => [v, to, true, []])
      )
      // One install per header version for the baselines, one for the new version.
      expect(up.installRuns).toBe(older.length + 1)
      expect(s.installs(to).length - before).toBe(1)
      expect(up.crds.length).toBeGreaterThan(0)

      const again = await upgradeFluxComponents(
        up.writes.map(w => ({ file: w.file, content: w.content })),
        to,
        { cli: s.cli, log: s.log }
      )
      expect(again.writes).toEqual([])
      expect(again.results.map(r => [r.changed, r.drift])).toEqual(older.map(() => [false, []]))
      expect(again.installRuns).toBe(1)
    }
  )

  it('keeps every non-default install option across an upgrade', async () => {
    const old = await (await s.cli('2.7.5')).installExport(installArgs(custom))
    expect(readBack(old)).toEqual(custom)
    const up = await upgradeFluxComponents(
      [{ file: 'clusters/edge/gotk-components.yaml', content: old }],
      '2.9.3',
      {
        cli: s.cli,
        log: s.log
      }
    )
    expect(up.results[0]).toMatchObject({
      from: '2.7.5',
      to: '2.9.3',
      options: custom,
      drift: [],
      changed: true
    })
    expect(s.installs('2.9.3').at(-1)!.args).toEqual([
      'install',
      '--export',
      '--components-extra=image-reflector-controller,image-automation-controller',
      '--namespace=gitops',
      '--registry=registry.example.com/mirror',
      '--image-pull-secret=regcred',
      '--toleration-keys=dedicated,node-role.kubernetes.io/control-plane',
      '--watch-all-namespaces=false',
      '--log-level=debug',
      '--network-policy=false',
      '--cluster-domain=k8s.internal'
    ])
    const text = up.writes[0].content
    expect(parseFluxHeader(text, 'f').version).toBe('2.9.3')
    expectCustomOptions(text)
  })

  it('costs one flux install of the new version per distinct option set, for ten targets', async () => {
    const plain = await (await s.cli('2.7.5')).installExport(['--namespace=flux-system'])
    const other = await (await s.cli('2.7.5')).installExport(['--namespace=gitops'])
    const targets = Array.from({ length: 10 }, (_, i) => ({
      file: `clusters/c${i}/flux-system/gotk-components.yaml`,
      content: i % 2 === 0 ? plain : other
    }))
    const before = s.installs('2.9.3').length
    const up = await upgradeFluxComponents(targets, '2.9.3', { cli: s.cli, log: s.log })
    expect(
      s
        .installs('2.9.3')
        .slice(before)
        .map(c => c.args)
    ).toEqual([
      ['install', '--export', '--namespace=flux-system'],
      ['install', '--export', '--namespace=gitops']
    ])
    expect(up.installRuns).toBe(4)
    expect(up.writes).toHaveLength(10)
    expect(up.writes.map(w => readBack(w.content).namespace)).toEqual(
      targets.map((_, i) => (i % 2 === 0 ? 'flux-system' : 'gitops'))
    )
  })

  it('recognises identical files by the digest given with them, and tells different ones apart', async () => {
    const plain = await (await s.cli('2.7.5')).installExport(['--namespace=flux-system'])
    const other = await (await s.cli('2.7.5')).installExport(['--namespace=gitops'])
    const sha = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex')
    const targets: FluxComponentsFile[] = Array.from({ length: 6 }, (_, i) => {
      const content = i % 3 === 0 ? plain : other
      // The last one has no digest: it is keyed by its text, and still a file the others have.
      return {
        file: `c${i}.yaml`,
        content,
        ...(i < 5 ? { digest: sha(content) } : {}),
        ...(i === 4 ? { install: { namespace: 'x' } } : {})
      }
    })
    const up = await upgradeFluxComponents(targets, '2.9.3', { cli: s.cli, log: s.log })
    expect(up.results.map(r => r.options.namespace)).toEqual([
      'flux-system',
      'gitops',
      'gitops',
      'flux-system',
      'x',
      'gitops'
    ])
    expect(up.results.map(r => r.from)).toEqual(targets.map(() => '2.7.5'))
  })

  it('reports the hand edits of the drift fixture and regenerates the file without them', async () => {
    const file = 'flux-drift/v2.7.5-header-v2.8-images.yaml'
    const content = readFileSync(path.join(fixturesDir, file), 'utf8')
    const up = await upgradeFluxComponents([{ file, content }], '2.9.3', { cli: s.cli, log: s.log })
    const r = up.results[0]
    expect(r.drift).toHaveLength(6)
    for (const d of r.drift) {
      expect(d.path).toBe('spec.template.spec.containers[0].image')
      expect(content.split('\n')[d.line! - 1]).toBe(`        image: ${d.now}`)
    }
    expect(up.writes[0].content === fixture('2.9.3', 'image')).toBe(true)
  })

  it('applies config overrides without calling them hand edits', async () => {
    const content = fixture('2.8.3', 'default')
    const up = await upgradeFluxComponents(
      [{ file: 'gotk-components.yaml', content, install: { namespace: 'flux', 'network-policy': false } }],
      '2.9.3',
      { cli: s.cli, log: s.log }
    )
    expect(up.results[0].drift).toEqual([])
    expect(readBack(up.writes[0].content)).toEqual({
      ...DEFAULT_INSTALL_OPTIONS,
      namespace: 'flux',
      networkPolicy: false
    })
  })
})

describeWithFixtures('running flux install', () => {
  it("runs the new version's install while the old version's baseline runs, not after it", async () => {
    const events: string[] = []
    const cli = async (version: string): Promise<FluxCli> => ({
      version,
      installExport: async () => {
        events.push(`start ${version}`)
        await new Promise(resolve => setTimeout(resolve, 30))
        events.push(`end ${version}`)
        return fixture(version, 'default')
      },
      migrate: async () => ''
    })
    const up = await upgradeFluxComponents(
      [{ file: 'clusters/a/gotk-components.yaml', content: fixture('2.8.3', 'default') }],
      '2.9.3',
      { cli, log: silentLogger }
    )
    expect(up.results[0]).toMatchObject({ from: '2.8.3', to: '2.9.3', changed: true })
    expect(up.installRuns).toBe(2)
    expect(events.slice(0, 2).sort()).toEqual(['start 2.8.3', 'start 2.9.3'])
  })
})

describe('upgrading with the synthetic stand-in (no fixtures)', () => {
  const s = new Standins(null)
  afterAll(() => s.dispose())

  it('keeps the options, and a second run changes nothing', async () => {
    const old = await (await s.cli('2.7.5')).installExport(installArgs(custom))
    const up = await upgradeFluxComponents([{ file: 'gotk-components.yaml', content: old }], '2.9.3', {
      cli: s.cli,
      log: s.log
    })
    expect(up.results[0]).toMatchObject({ changed: true, drift: [] })
    expectCustomOptions(up.writes[0].content)
    const again = await upgradeFluxComponents(
      [{ file: 'gotk-components.yaml', content: up.writes[0].content }],
      '2.9.3',
      {
        cli: s.cli,
        log: s.log
      }
    )
    expect([again.writes, again.results[0].changed]).toEqual([[], false])
  })

  it('still upgrades when the header version gives no baseline, and says so', async () => {
    const old = await (await s.cli('2.6.0')).installExport(['--namespace=flux-system'])
    const warnings: string[] = []
    const up = await upgradeFluxComponents([{ file: 'g.yaml', content: old }], '2.9.3', {
      cli: async v => {
        if (v === '2.6.0') throw new FcuError('version', 'flux v2.6.0 is not in the release list')
        return s.cli(v)
      },
      log: { ...s.log, warning: m => warnings.push(m) }
    })
    expect(up.results[0]).toMatchObject({ changed: true, drift: [], driftDetail: null })
    expect(warnings).toEqual([
      'g.yaml: hand edits cannot be listed, flux 2.6.0 gave no baseline: flux v2.6.0 is not in the release list'
    ])
  })

  it('refuses a file that does not parse, with its line, before running flux', async () => {
    const old = await (await s.cli('2.8.3')).installExport(['--namespace=flux-system'])
    const broken = old.replace('  name: flux-system\n---\n', '  name: flux-system: oops\n---\n')
    const calls = s.calls.length
    const e = await rejection(
      upgradeFluxComponents([{ file: 'clusters/a/gotk-components.yaml', content: broken }], '2.9.3', {
        cli: s.cli,
        log: s.log
      })
    )
    expect(e.code).toBe('manifest')
    expect(e.location.file).toBe('clusters/a/gotk-components.yaml')
    expect(broken.split('\n')[e.location.line! - 1]).toBe('  name: flux-system: oops')
    expect(s.calls.length).toBe(calls)
  })

  it('refuses a header naming an unknown component, with its line', async () => {
    const old = await (await s.cli('2.8.3')).installExport(['--namespace=flux-system'])
    const bad = old.replace('notification-controller\n', 'notification-controller,flux-ui\n')
    const e = await rejection(
      upgradeFluxComponents([{ file: 'clusters/b/gotk-components.yaml', content: bad }], '2.9.3', {
        cli: s.cli,
        log: s.log
      })
    )
    expect([e.code, e.location.file, e.location.line]).toEqual([
      'manifest',
      'clusters/b/gotk-components.yaml',
      4
    ])
    expect(e.message).toContain('flux-ui')
  })
})
