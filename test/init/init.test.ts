import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { init } from '../../src/init/init.js'
import type { InitOptions } from '../../src/init/scaffold.js'
import { run } from '../../src/run.js'
import { FcuError } from '../../src/errors.js'
import { readConfigMap } from '../../src/crs/configmap.js'
import { readFluxBundle } from '../../src/crs/flux-bundle.js'
import { discoverTargets } from '../../src/targets/discover.js'
import { emptyConfig } from '../../src/config/config.js'
import { parseDocuments } from '../../src/yaml/documents.js'
import { readYamlFiles } from '../../src/workspace/repository.js'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { fluxInstallExport } from '../../support/example/prepare.js'
import { engineDeps, settingsFor, snapshot } from '../helpers/engine.js'

/**
 * `init` through the engine function, against the release mirror: the flux stand-in's `flux install --export`
 * and Calico's real manifests from ../shared/fixtures (the ClusterResourceSet variant needs them and is skipped
 * without them; the management variant runs either way).
 */
const fixtures = defaultFixturesDir()
const withCalico = fixtures ? describe : describe.skip
if (!fixtures) console.warn('init: ../shared/fixtures is absent, the ClusterResourceSet cases are skipped')

const URL = 'ssh://git@github.com/example/fleet.git'
const blue: InitOptions = {
  cluster: 'blue',
  env: 'staging',
  management: false,
  url: URL,
  branch: 'main',
  labels: {}
}
const DIR = 'clusters/staging/blue'

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix))
const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8')
function put(root: string, file: string, content: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
  writeFileSync(path.join(root, file), content)
}

async function failure(p: Promise<unknown>): Promise<FcuError> {
  try {
    await p
  } catch (e) {
    if (e instanceof FcuError) return e
    throw e
  }
  throw new Error('expected init to fail')
}

describe('init (engine)', () => {
  let mirror: Mirror
  let toolCache: string
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
    toolCache = tmp('fcu-tc-')
  })
  afterAll(() => mirror.close())
  const initIn = (root: string, options: InitOptions, inputs: Record<string, string> = {}) =>
    init(settingsFor(root, mirror, inputs), options, engineDeps(toolCache).deps)
  /** What `validate` says of the repository as init left it. */
  const validateErrors = async (root: string) =>
    (
      await run({ ...settingsFor(root, mirror), mode: 'validate' }, engineDeps(toolCache).deps)
    ).result.findings.filter(f => f.severity === 'error')

  withCalico('a Cluster API cluster (ClusterResourceSet)', () => {
    const calicoFixture = () => readFileSync(path.join(fixtures!, 'calico/v3.31.7/calico.yaml'), 'utf8')

    it('scaffolds an empty repository: both ConfigMaps, the ClusterResourceSet, a new kustomization; it validates', async () => {
      const root = tmp('fcu-init-')
      const result = await initIn(root, blue)

      expect(result).toMatchObject({
        directory: DIR,
        flux: { version: '2.9.3' },
        calico: { version: '3.31.7' },
        configMaps: ['crs-cm-calico-3.31.7-blue', 'crs-cm-flux-2.9.3-blue'],
        clusterResourceSet: 'blue',
        changed: true,
        written: true
      })
      expect(result.files.map(f => [f.path, f.operation])).toEqual([
        [`${DIR}/cm-calico-v3.31.7.yaml`, 'added'],
        [`${DIR}/cm-flux-v2.9.3.yaml`, 'added'],
        [`${DIR}/crs-blue.yaml`, 'added'],
        [`${DIR}/kustomization.yaml`, 'added']
      ])
      expect(Object.keys(snapshot(root)).sort()).toEqual(result.files.map(f => f.path).sort())
      expect(result.findings.filter(f => f.severity === 'error')).toEqual([])

      // Flux: the install of the resolved version, byte for byte, then the cluster's sync objects on v1.
      const flux = readConfigMap(read(root, `${DIR}/cm-flux-v2.9.3.yaml`), 'flux')
      expect(flux.name.value).toBe('crs-cm-flux-2.9.3-blue')
      expect(flux.namespace?.value).toBe('staging')
      expect(flux.data.map(d => [d.key, d.style])).toEqual([['flux.yaml', 'literal']])
      const install = fluxInstallExport('2.9.3', fixtures)
      expect(flux.data[0].value.startsWith(install)).toBe(true)
      const bundle = readFluxBundle(flux.data[0].value, 'flux')
      expect(bundle.version).toBe('2.9.3')
      expect(bundle.others.map(d => d.doc.value)).toEqual([
        {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'GitRepository',
          metadata: { name: 'flux-system', namespace: 'flux-system' },
          spec: { interval: '1m0s', ref: { branch: 'main' }, url: URL }
        },
        {
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: { name: 'flux-system', namespace: 'flux-system' },
          spec: {
            interval: '10m0s',
            path: './clusters/staging/blue',
            prune: true,
            sourceRef: { kind: 'GitRepository', name: 'flux-system' }
          }
        }
      ])
      expect(flux.annotations).toEqual({
        'flux-crs-upgrade/component': 'flux',
        'flux-crs-upgrade/version': '2.9.3'
      })

      // Calico: upstream's calico.yaml unchanged, with where it came from and its sha256.
      const calico = readConfigMap(read(root, `${DIR}/cm-calico-v3.31.7.yaml`), 'calico')
      expect(calico.name.value).toBe('crs-cm-calico-3.31.7-blue')
      expect(calico.data.map(d => [d.key, d.style])).toEqual([['calico.yaml', 'literal']])
      expect(calico.data[0].value).toBe(calicoFixture())
      expect(calico.annotations).toEqual({
        'flux-crs-upgrade/component': 'calico',
        'flux-crs-upgrade/version': '3.31.7',
        'flux-crs-upgrade/source': `${mirror.url}/projectcalico/calico/raw/v3.31.7/manifests/calico.yaml`,
        'flux-crs-upgrade/sha256': createHash('sha256').update(calicoFixture()).digest('hex')
      })

      const [crs] = parseDocuments(read(root, `${DIR}/crs-blue.yaml`), 'crs').map(d => d.value)
      expect(crs).toEqual({
        apiVersion: 'addons.cluster.x-k8s.io/v1beta2',
        kind: 'ClusterResourceSet',
        metadata: { name: 'blue', namespace: 'staging' },
        spec: {
          strategy: 'Reconcile',
          clusterSelector: { matchLabels: { 'cluster.x-k8s.io/cluster-name': 'blue' } },
          resources: [
            { kind: 'ConfigMap', name: 'crs-cm-calico-3.31.7-blue' },
            { kind: 'ConfigMap', name: 'crs-cm-flux-2.9.3-blue' }
          ]
        }
      })
      expect(read(root, `${DIR}/kustomization.yaml`)).toBe(
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'resources:',
          '  - cm-calico-v3.31.7.yaml',
          '  - cm-flux-v2.9.3.yaml',
          '  - crs-blue.yaml',
          ''
        ].join('\n')
      )

      // What later upgrades manage: both ConfigMaps are found as targets; validate finds no error.
      const targets = discoverTargets(await readYamlFiles(root), emptyConfig())
      expect(targets.map(t => [t.path, t.type])).toEqual([
        [`${DIR}/cm-calico-v3.31.7.yaml`, 'calico-configmap'],
        [`${DIR}/cm-flux-v2.9.3.yaml`, 'flux-configmap']
      ])
      expect(await validateErrors(root)).toEqual([])
    })

    it('run twice changes nothing and says there is nothing to do', async () => {
      const root = tmp('fcu-init-')
      await initIn(root, blue)
      const before = snapshot(root)
      const again = await initIn(root, blue)
      expect(snapshot(root)).toEqual(before)
      expect(again.changed).toBe(false)
      expect(again.written).toBe(false)
      expect(again.files.every(f => f.operation === 'unchanged')).toBe(true)
      expect(again.notes.join('\n')).toMatch(/Nothing to do/)
    })

    it('adds its entries to a hand-written kustomization.yaml by splicing: comments, order and style kept', async () => {
      const root = tmp('fcu-init-')
      const cluster = read(path.resolve('support/example'), 'clusters/staging/blue/cluster.yaml')
      put(root, `${DIR}/cluster.yaml`, cluster)
      const handWritten = [
        '# The blue staging cluster, created by Cluster API.',
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'namespace: staging # every object of the cluster',
        '',
        'resources:',
        '    # the Cluster and its infrastructure',
        '    - cluster.yaml',
        '',
        '# labels for the whole folder',
        'commonLabels:',
        '  team: platform',
        ''
      ].join('\n')
      put(root, `${DIR}/kustomization.yaml`, handWritten)

      const result = await initIn(root, blue)
      expect(result.files.find(f => f.path.endsWith('kustomization.yaml'))?.operation).toBe('modified')
      expect(read(root, `${DIR}/kustomization.yaml`)).toBe(
        handWritten.replace(
          '    - cluster.yaml\n',
          '    - cluster.yaml\n    - cm-calico-v3.31.7.yaml\n    - cm-flux-v2.9.3.yaml\n    - crs-blue.yaml\n'
        )
      )
      expect(read(root, `${DIR}/cluster.yaml`)).toBe(cluster)
      expect(await validateErrors(root)).toEqual([])

      const before = snapshot(root)
      expect((await initIn(root, blue)).changed).toBe(false)
      expect(snapshot(root)).toEqual(before)
    })

    it('lists the files a folder without a kustomization already holds, so Flux still applies them', async () => {
      const root = tmp('fcu-init-')
      put(
        root,
        `${DIR}/cluster.yaml`,
        read(path.resolve('support/example'), 'clusters/staging/blue/cluster.yaml')
      )
      await initIn(root, blue)
      expect(read(root, `${DIR}/kustomization.yaml`)).toContain(
        'resources:\n  - cluster.yaml\n  - cm-calico-v3.31.7.yaml\n'
      )
    })

    it('refuses to overwrite a file it did not write: names it, writes nothing', async () => {
      const root = tmp('fcu-init-')
      put(root, `${DIR}/crs-blue.yaml`, '# my own ClusterResourceSet\n')
      put(root, `${DIR}/kustomization.yaml`, 'resources:\n  - crs-blue.yaml\n')
      const before = snapshot(root)
      const e = await failure(initIn(root, blue))
      expect(e.code).toBe('manifest')
      expect(e.location.file).toBe(`${DIR}/crs-blue.yaml`)
      expect(e.message).toMatch(/does not overwrite/)
      expect(snapshot(root)).toEqual(before)
    })

    it('refuses a file it wrote once and someone edited since', async () => {
      const root = tmp('fcu-init-')
      await initIn(root, blue)
      const file = `${DIR}/cm-flux-v2.9.3.yaml`
      put(root, file, read(root, file).replace('interval: 1m0s', 'interval: 5m0s'))
      const before = snapshot(root)
      expect((await failure(initIn(root, blue))).location.file).toBe(file)
      expect(snapshot(root)).toEqual(before)
    })

    it('validates the repository as it would be, and writes nothing when that has an error', async () => {
      const root = tmp('fcu-init-')
      put(root, `${DIR}/kustomization.yaml`, 'resources:\n  - cluster.yaml\n')
      const before = snapshot(root)
      const result = await initIn(root, blue)
      expect(result.written).toBe(false)
      expect(
        result.findings.some(f => f.severity === 'error' && f.file === `${DIR}/kustomization.yaml`)
      ).toBe(true)
      expect(result.notes.join('\n')).toMatch(/nothing was written/)
      expect(snapshot(root)).toEqual(before)
    })

    it('is what upgrade manages: up to date right after init, renamed through the versions later', async () => {
      const root = tmp('fcu-init-')
      await initIn(root, blue, { 'flux-version': '2.8.3', 'calico-version': '3.30.7' })
      const upgrade = (inputs: Record<string, string>) =>
        run(settingsFor(root, mirror, inputs), engineDeps(toolCache).deps).then(o => o.result)
      const same = await upgrade({ 'flux-version': '2.8.3', 'calico-version': '3.30.7' })
      expect(same.files).toEqual([])
      const up = await upgrade({})
      expect(up.findings.filter(f => f.severity === 'error')).toEqual([])
      const files = Object.keys(snapshot(root)).sort()
      expect(files).toEqual([
        `${DIR}/cm-calico-v3.31.7.yaml`,
        `${DIR}/cm-flux-v2.9.3.yaml`,
        `${DIR}/crs-blue.yaml`,
        `${DIR}/kustomization.yaml`
      ])
      expect(read(root, `${DIR}/crs-blue.yaml`)).toContain('name: crs-cm-flux-2.9.3-blue')
    })

    it('takes the sync options, selector labels and namespace; versions as upgrade takes them', async () => {
      const root = tmp('fcu-init-')
      const result = await initIn(
        root,
        {
          ...blue,
          branch: 'release',
          path: './clusters/staging/blue/apps',
          namespace: 'capi-blue',
          secret: 'fleet-deploy-key',
          labels: { flux: 'enabled', cni: 'calico' }
        },
        { 'flux-version': '~2.8', 'calico-version': '3.30.7' }
      )
      expect(result.flux.version).toMatch(/^2\.8\./)
      expect(result.calico?.version).toBe('3.30.7')
      const fluxFile = result.files.find(f => f.path.includes('cm-flux-'))!.path
      const flux = readConfigMap(read(root, fluxFile), 'flux')
      expect(flux.namespace?.value).toBe('capi-blue')
      expect(readFluxBundle(flux.data[0].value, 'flux').others.map(d => d.doc.value)).toMatchObject([
        {
          kind: 'GitRepository',
          spec: {
            interval: '1m0s',
            ref: { branch: 'release' },
            secretRef: { name: 'fleet-deploy-key' },
            url: URL
          }
        },
        { kind: 'Kustomization', spec: { path: './clusters/staging/blue/apps' } }
      ])
      expect(parseDocuments(read(root, `${DIR}/crs-blue.yaml`), 'crs')[0].value).toMatchObject({
        metadata: { namespace: 'capi-blue' },
        spec: { clusterSelector: { matchLabels: { flux: 'enabled', cni: 'calico' } } }
      })
      expect(result.findings.filter(f => f.severity === 'error')).toEqual([])
    })
  })

  describe('a management cluster (Flux from committed manifests)', () => {
    const mgmt: InitOptions = { cluster: 'tmp-mgmt', management: true, url: URL, branch: 'main', labels: {} }
    const FS = 'clusters/tmp-mgmt/flux-system'

    it('writes flux-system/gotk-components.yaml, gotk-sync.yaml and kustomization.yaml; twice changes nothing', async () => {
      const root = tmp('fcu-init-')
      const result = await initIn(root, mgmt)
      expect(result.calico).toBeUndefined()
      expect(result.files.map(f => [f.path, f.operation])).toEqual([
        [`${FS}/gotk-components.yaml`, 'added'],
        [`${FS}/gotk-sync.yaml`, 'added'],
        [`${FS}/kustomization.yaml`, 'added']
      ])
      expect(read(root, `${FS}/gotk-components.yaml`)).toBe(fluxInstallExport('2.9.3', fixtures))
      const sync = parseDocuments(read(root, `${FS}/gotk-sync.yaml`), 'sync').flatMap(d =>
        d.value ? [d.value] : []
      )
      expect(sync).toMatchObject([
        { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', spec: { url: URL } },
        {
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          spec: { path: './clusters/tmp-mgmt' }
        }
      ])
      expect(read(root, `${FS}/kustomization.yaml`)).toBe(
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n' +
          '  - gotk-components.yaml\n  - gotk-sync.yaml\n'
      )
      expect(discoverTargets(await readYamlFiles(root), emptyConfig()).map(t => [t.path, t.type])).toEqual([
        [`${FS}/gotk-components.yaml`, 'flux-components']
      ])
      expect(await validateErrors(root)).toEqual([])

      const before = snapshot(root)
      expect((await initIn(root, mgmt)).changed).toBe(false)
      expect(snapshot(root)).toEqual(before)
    })

    it("refuses the example repository's own gotk-sync.yaml, which it did not write", async () => {
      const root = tmp('fcu-init-')
      const own = read(path.resolve('support/example'), `${FS}/gotk-sync.yaml`)
      put(root, `${FS}/gotk-sync.yaml`, own)
      const e = await failure(initIn(root, mgmt))
      expect(e.location.file).toBe(`${FS}/gotk-sync.yaml`)
      expect(read(root, `${FS}/gotk-sync.yaml`)).toBe(own)
      expect(Object.keys(snapshot(root))).toEqual([`${FS}/gotk-sync.yaml`])
    })
  })

  describe('options', () => {
    it.each([
      [{ ...blue, cluster: 'Blue' }, 'cluster'],
      [{ ...blue, env: undefined }, 'env'],
      [{ ...blue, url: 'github.com/example/fleet' }, 'url'],
      [{ ...blue, labels: { 'bad key': 'x' } }, 'labels'],
      [{ ...blue, management: true }, 'management']
    ])('refuses %j before anything is downloaded (%s)', async (options, input) => {
      const root = tmp('fcu-init-')
      const e = await failure(
        initIn(root, options as InitOptions, { 'releases-api-url': 'http://127.0.0.1:9' })
      )
      expect(e.code).toBe('input')
      expect(e.location.input).toBe(input)
      expect(snapshot(root)).toEqual({})
    })
  })
})
