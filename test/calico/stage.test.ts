import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import yaml from 'js-yaml'
import { run } from '../../src/run.js'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { kubectlConfigMap } from '../helpers/kubectl-configmap.js'
import { engineDeps, settingsFor, snapshot } from '../helpers/engine.js'

/** Calico ClusterResourceSet ConfigMaps through the whole engine: the seed layout, customisations, conflicts. */
const fixtures = defaultFixturesDir()
const describeFixtures = fixtures ? describe : describe.skip
if (!fixtures) console.warn('Calico ConfigMap upgrades are not tested here: ../shared/fixtures is absent')

const SEED = 'infrastructure/control-plane-cluster/capi'
const upstream = (version: string) =>
  readFileSync(path.join(fixtures!, `calico/v${version}/calico.yaml`), 'utf8')
const dataOf = (file: string) =>
  (yaml.load(readFileSync(file, 'utf8')) as { data: Record<string, string> }).data

describeFixtures('the Calico stage', () => {
  let mirror: Mirror
  let toolCache: string
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
    toolCache = mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-'))
  })
  afterAll(() => mirror.close())

  /** An upgrade of `root` to Calico 3.31.7 that must find no error: the result and the files after. */
  async function upgradeTo3317(root: string) {
    const { result } = await run(
      settingsFor(root, mirror, { components: 'calico', 'calico-version': '3.31.7' }),
      engineDeps(toolCache).deps
    )
    expect(result.findings.filter(f => f.severity === 'error')).toEqual([])
    return { result, files: snapshot(root) }
  }

  function seedRepo(): string {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-seed-'))
    cpSync(path.join(fixtures!, 'seed-repo'), root, { recursive: true })
    return root
  }

  it.each(['3.26.4', '3.28.2', '3.29.7', '3.30.7', '3.31.7'])(
    'upgrades the seed layout ConfigMap from v3.21.5 to %s: renamed, a literal block, references followed',
    async version => {
      const root = seedRepo()
      const minor = version.split('.').slice(0, 2).join('.')
      const { result } = await run(
        settingsFor(root, mirror, { components: 'calico', 'calico-version': version }),
        engineDeps(toolCache).deps
      )
      expect(result.findings.filter(f => f.severity === 'error')).toEqual([])
      const renamed = path.join(root, SEED, `cm-calico-v${minor}.yaml`)
      expect(existsSync(path.join(root, SEED, 'cm-calico-v3.21.yaml'))).toBe(false)
      const text = readFileSync(renamed, 'utf8')
      // No customisation: the data is upstream's manifest exactly, under the key that carries the new version.
      expect(dataOf(renamed)).toEqual({ [`calico-v${minor}.yaml`]: upstream(version) })
      expect(text).toMatch(new RegExp(`^  calico-v${minor.replace('.', '\\.')}\\.yaml: \\|`, 'm'))
      // kubectl's layout stays: metadata last, the name and namespace as they were, provenance recorded.
      expect(text.startsWith('apiVersion: v1\n')).toBe(true)
      expect(text).toMatch(
        /\nkind: ConfigMap\nmetadata:\n(.*\n)* {2}name: calico-cni\n {2}namespace: cluster-dev\n$/
      )
      expect(text).toContain(`flux-crs-upgrade/version: ${version}`)
      expect(readFileSync(path.join(root, SEED, 'kustomization.yaml'), 'utf8')).toBe(
        readFileSync(path.join(fixtures!, 'seed-repo', SEED, 'kustomization.yaml'), 'utf8').replace(
          'cm-calico-v3.21.yaml',
          `cm-calico-v${minor}.yaml`
        )
      )
      expect(result.references).toEqual([
        expect.objectContaining({ file: `${SEED}/kustomization.yaml`, line: 6, kind: 'file' })
      ])
      expect(result.configMaps).toEqual([
        expect.objectContaining({
          file: `${SEED}/cm-calico-v3.21.yaml`,
          renamedTo: `${SEED}/cm-calico-v${minor}.yaml`,
          name: 'calico-cni',
          newName: 'calico-cni',
          from: '3.21.5',
          to: version,
          keys: [{ key: 'calico-v3.21.yaml', renamedTo: `calico-v${minor}.yaml` }]
        })
      ])
      // A second run over its own output changes no byte.
      const before = snapshot(root)
      const again = await run(
        settingsFor(root, mirror, { components: 'calico', 'calico-version': version }),
        engineDeps(toolCache).deps
      )
      expect(again.result.changed).toBe(false)
      expect(snapshot(root)).toEqual(before)
    }
  )

  function customised(root: string, edit: (manifest: string) => string): string {
    const file = path.join(root, 'cm-calico-v3.26.yaml')
    writeFileSync(
      file,
      kubectlConfigMap('calico-cni', [{ key: 'calico.yaml', content: edit(upstream('3.26.4')) }], 'fleet')
    )
    writeFileSync(path.join(root, 'kustomization.yaml'), 'resources:\n  - cm-calico-v3.26.yaml\n')
    return file
  }

  it('upgrades a fleet of ConfigMaps sharing data as each alone: names, namespaces and customisations kept apart', async () => {
    const cidr = (m: string) =>
      m.replace(
        '            # - name: CALICO_IPV4POOL_CIDR\n            #   value: "192.168.0.0/16"\n',
        '            - name: CALICO_IPV4POOL_CIDR\n              value: "10.42.0.0/16"\n'
      )
    const clusters = [
      { dir: 'a', name: 'crs-cm-calico-3.26.4-a', namespace: 'fleet', manifest: upstream('3.26.4') },
      { dir: 'b', name: 'crs-cm-calico-3.26.4-b', namespace: 'fleet', manifest: upstream('3.26.4') },
      { dir: 'c', name: 'crs-cm-calico-3.26.4-a', namespace: 'other', manifest: upstream('3.26.4') },
      { dir: 'd', name: 'crs-cm-calico-3.26.4-d', namespace: 'fleet', manifest: cidr(upstream('3.26.4')) }
    ]
    expect(clusters[3].manifest).not.toBe(clusters[0].manifest)
    const put = (root: string, c: (typeof clusters)[number]) => {
      mkdirSync(path.join(root, c.dir), { recursive: true })
      writeFileSync(
        path.join(root, c.dir, 'cm-calico-v3.26.4.yaml'),
        kubectlConfigMap(c.name, [{ key: 'calico.yaml', content: c.manifest }], c.namespace)
      )
      writeFileSync(path.join(root, c.dir, 'kustomization.yaml'), 'resources:\n  - cm-calico-v3.26.4.yaml\n')
    }
    const fleet = mkdtempSync(path.join(os.tmpdir(), 'fcu-calico-fleet-'))
    for (const c of clusters) put(fleet, c)
    const together = (await upgradeTo3317(fleet)).files
    for (const c of clusters) {
      const alone = mkdtempSync(path.join(os.tmpdir(), 'fcu-calico-alone-'))
      put(alone, c)
      const own = (await upgradeTo3317(alone)).files
      for (const [file, content] of Object.entries(own)) expect(together[file]).toBe(content)
    }
    const d = together['d/cm-calico-v3.31.7.yaml']
    expect(d).toContain('value: "10.42.0.0/16"')
    expect(together['a/cm-calico-v3.31.7.yaml']).not.toContain('10.42.0.0/16')
    expect(together['c/cm-calico-v3.31.7.yaml']).toContain('namespace: other')
    expect(together['b/cm-calico-v3.31.7.yaml']).toContain('name: crs-cm-calico-3.31.7-b')
  })

  it('tells apart ConfigMaps of several versions in one fleet: each read at its own version, upgraded as if alone', async () => {
    const clusters = [
      { dir: 'a', version: '3.26.4' },
      { dir: 'b', version: '3.28.2' },
      { dir: 'c', version: '3.26.4' }
    ]
    const put = (root: string, c: (typeof clusters)[number]) => {
      mkdirSync(path.join(root, c.dir), { recursive: true })
      writeFileSync(
        path.join(root, c.dir, 'cm-calico.yaml'),
        kubectlConfigMap(
          `crs-cm-calico-${c.dir}`,
          [{ key: 'calico.yaml', content: upstream(c.version) }],
          'fleet'
        )
      )
      writeFileSync(path.join(root, c.dir, 'kustomization.yaml'), 'resources:\n  - cm-calico.yaml\n')
    }
    const fleet = mkdtempSync(path.join(os.tmpdir(), 'fcu-calico-versions-'))
    for (const c of clusters) put(fleet, c)
    const together = await upgradeTo3317(fleet)
    expect(together.result.targets.map(t => [t.path, t.from, t.to])).toEqual(
      clusters.map(c => [`${c.dir}/cm-calico.yaml`, c.version, '3.31.7'])
    )
    for (const c of clusters) {
      const alone = mkdtempSync(path.join(os.tmpdir(), 'fcu-calico-alone-'))
      put(alone, c)
      for (const [file, content] of Object.entries((await upgradeTo3317(alone)).files))
        expect(together.files[file]).toBe(content)
    }
  })

  it('keeps a pool CIDR, the MTU and a resource limit through v3.26.4 → v3.31.7', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-calico-'))
    const edit = (m: string) =>
      m
        .replace(
          '            # - name: CALICO_IPV4POOL_CIDR\n            #   value: "192.168.0.0/16"\n',
          '            - name: CALICO_IPV4POOL_CIDR\n              value: "10.42.0.0/16"\n'
        )
        .replace('veth_mtu: "0"', 'veth_mtu: "1440"')
        .replace(
          '          resources:\n            requests:\n              cpu: 250m\n',
          '          resources:\n            requests:\n              cpu: 250m\n            limits:\n              memory: 1Gi\n'
        )
    const file = customised(root, m => {
      const e = edit(m)
      expect(e).not.toBe(m)
      return e
    })
    const original = readFileSync(file, 'utf8')
    expect(original).toContain('10.42.0.0/16')
    const { result } = await run(
      settingsFor(root, mirror, { components: 'calico', 'calico-version': '3.31.7' }),
      engineDeps(toolCache).deps
    )
    expect(result.findings.filter(f => f.severity === 'error')).toEqual([])
    const value = dataOf(path.join(root, 'cm-calico-v3.31.yaml'))['calico.yaml']
    expect(value).toContain('value: "10.42.0.0/16"')
    expect(value).toContain('veth_mtu: "1440"')
    expect(value).toContain('            limits:\n              memory: 1Gi\n')
    expect(value).toContain('quay.io/calico/node:v3.31.7')
    expect(result.configMaps[0].kept.map(k => k.object + ' ' + k.path)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('calico-config'),
        expect.stringContaining('CALICO_IPV4POOL_CIDR')
      ])
    )
  })

  it('fails a customisation of a field upstream changed too, naming object and field, and writes nothing', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-calico-'))
    // Upstream moved cni_network_config's cniVersion from 0.3.1 to 1.0.0; this fleet had its own.
    customised(root, m => m.replace('"cniVersion": "0.3.1"', '"cniVersion": "0.4.0"'))
    const before = snapshot(root)
    const { result } = await run(
      settingsFor(root, mirror, { components: 'calico', 'calico-version': '3.31.7' }),
      engineDeps(toolCache).deps
    )
    const conflicts = result.findings.filter(f => f.rule === 'calico/merge-conflict')
    expect(conflicts.length).toBeGreaterThan(0)
    expect(conflicts[0]).toMatchObject({ severity: 'error', file: 'cm-calico-v3.26.yaml' })
    expect(conflicts[0].message).toMatch(/calico-config.*cni_network_config/)
    expect(result.written).toBe(false)
    expect(snapshot(root)).toEqual(before)
  })

  const filler = (n: number) =>
    `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-${n}\n  namespace: kube-system\ndata:\n  blob: "${'x'.repeat(100_000)}"\n`
  const withCrs = (root: string) =>
    writeFileSync(
      path.join(root, 'crs.yaml'),
      'apiVersion: addons.cluster.x-k8s.io/v1beta2\nkind: ClusterResourceSet\nmetadata:\n  name: calico\n  namespace: fleet\nspec:\n  strategy: Reconcile\n  clusterSelector:\n    matchLabels: {cni: calico}\n  resources:\n    - name: calico-cni\n      kind: ConfigMap\n'
    )

  it('splits data over 1 MiB into parts of whole documents, CRDs first, and lists every part', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-calico-'))
    // The fleet ships its own objects with Calico: kept after upstream's, and over the limit together.
    customised(root, m => m + [1, 2, 3, 4, 5, 6, 7, 8].map(filler).join(''))
    withCrs(root)
    writeFileSync(
      path.join(root, 'kustomization.yaml'),
      'resources:\n  - cm-calico-v3.26.yaml\n  - crs.yaml\n'
    )
    const { result } = await run(
      settingsFor(root, mirror, { components: 'calico', 'calico-version': '3.31.7' }),
      engineDeps(toolCache).deps
    )
    expect(result.findings.filter(f => f.severity === 'error')).toEqual([])
    const parts = result.configMaps[0].parts
    expect(parts.map(p => p.name)).toEqual(['calico-cni-part-1', 'calico-cni-part-2'])
    for (const p of parts) expect(p.bytes).toBeLessThanOrEqual(1_048_576)
    const docs = yaml.loadAll(readFileSync(path.join(root, 'cm-calico-v3.31.yaml'), 'utf8')) as {
      metadata: { name: string }
      data: Record<string, string>
    }[]
    expect(docs.map(d => d.metadata.name)).toEqual(['calico-cni-part-1', 'calico-cni-part-2'])
    // Whole documents: every upstream object and every filler is in exactly one part, CRDs in the first.
    const all = docs.map(d => d.data['calico.yaml']).join('\n')
    expect(all.match(/name: filler-\d/g)).toHaveLength(8)
    expect(docs[0].data['calico.yaml']).toContain('kind: CustomResourceDefinition')
    expect(docs[1].data['calico.yaml']).not.toContain('kind: CustomResourceDefinition')
    expect(readFileSync(path.join(root, 'crs.yaml'), 'utf8')).toContain(
      '    - name: calico-cni-part-1\n      kind: ConfigMap\n    - name: calico-cni-part-2\n      kind: ConfigMap\n'
    )
  })

  it('refuses one document over the limit, naming it, and writes nothing', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-calico-'))
    const operator = readFileSync(path.join(fixtures!, 'calico/v3.29.7/tigera-operator.yaml'), 'utf8')
    const big = operator.split(/^---$/m).find(d => d.includes('name: installations.operator.tigera.io'))!
    customised(root, m => `${m}---${big}`)
    const before = snapshot(root)
    const { result } = await run(
      settingsFor(root, mirror, { components: 'calico', 'calico-version': '3.31.7' }),
      engineDeps(toolCache).deps
    ).catch(e => ({
      result: { findings: [{ severity: 'error', message: String(e.message) }], written: false }
    }))
    expect(result.findings.map(f => f.message).join('\n')).toMatch(
      /CustomResourceDefinition installations\.operator\.tigera\.io.*1,1\d\d,\d\d\d bytes/
    )
    expect(result.written).toBe(false)
    expect(snapshot(root)).toEqual(before)
  })
})
