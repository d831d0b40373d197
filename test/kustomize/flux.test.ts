import { fluxBuilds, generatedResources } from '../../src/kustomize/flux.js'
import { lineOf } from '../helpers/text.js'
import { renderRepository, type KustomizationRender } from '../../src/kustomize/render.js'

/**
 * What kustomize-controller builds for a Flux Kustomization of the repository (fluxcd/pkg's generator): the path's
 * kustomization with the Flux settings over it, or the kustomization it generates for a path that has none.
 */

const lines = (...l: string[]) => `${l.join('\n')}\n`

const flux = (name: string, path: string, ...spec: string[]) =>
  lines(
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    `  name: ${name}`,
    '  namespace: flux-system',
    'spec:',
    '  interval: 10m',
    `  path: ${path}`,
    '  prune: true',
    '  sourceRef:',
    '    kind: GitRepository',
    '    name: flux-system',
    ...spec
  )

const configMap = (name: string, ...extra: string[]) =>
  lines('apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, ...extra)

const ids = (k: KustomizationRender | undefined) =>
  (k?.objects ?? []).map(o => {
    const m = o.value.metadata as { name: string; namespace?: string }
    return `${String(o.value.kind)} ${m.namespace ?? ''}/${m.name}`
  })

const fluxRoot = (files: Map<string, string>, name: string) =>
  renderRepository(files).roots.find(k => k.flux?.name === `flux-system/${name}`)

describe('the kustomization the controller generates for a path without one', () => {
  it('lists every .yaml/.yml under the path in lexical order, and a directory with a kustomization itself', () => {
    const files = [
      'apps/b.yaml',
      'apps/a.yml',
      'apps/notes.txt',
      'apps/deep/er/c.yaml',
      'apps/with-kustomization/kustomization.yaml',
      'apps/with-kustomization/inner/d.yaml',
      'apps/.sops.yaml',
      'apps/.github/workflows/ci.yaml',
      'apps/chart/Chart.yaml',
      'other/e.yaml'
    ]
    const hasKustomization = (d: string) => d === 'apps/with-kustomization'
    expect(generatedResources(files, 'apps', hasKustomization, f => f.startsWith('apps/chart/'))).toEqual([
      './a.yml',
      './b.yaml',
      './deep/er/c.yaml',
      './with-kustomization'
    ])
  })

  it('renders those manifests with the Flux settings (targetNamespace renames a `_` Namespace)', () => {
    const files = new Map([
      ['clusters/main/sync.yaml', flux('flux-system', './clusters/main')],
      ['clusters/main/infra.yaml', flux('infra', './infra', '  targetNamespace: infra')],
      ['infra/namespace.yaml', lines('apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: _')],
      ['infra/sub/config.yaml', configMap('settings')],
      ['infra/base/kustomization.yaml', lines('resources:', '  - cm.yaml', 'namePrefix: base-')],
      ['infra/base/cm.yaml', configMap('one')]
    ])
    expect(ids(fluxRoot(files, 'infra')).sort()).toEqual([
      'ConfigMap infra/base-one',
      'ConfigMap infra/settings',
      'Namespace /infra'
    ])
  })
})

describe('the Flux settings over a path with a kustomization', () => {
  const base = () =>
    new Map([
      ['clusters/main/sync.yaml', flux('flux-system', './clusters/main')],
      [
        'apps/kustomization.yaml',
        lines(
          'namespace: apps',
          'namePrefix: own-',
          'resources:',
          '  - cm.yaml',
          'patches:',
          '  - patch: |-',
          '      - op: add',
          '        path: /data/who',
          '        value: kustomization',
          '    target:',
          '      kind: ConfigMap'
        )
      ],
      ['apps/cm.yaml', configMap('one', 'data:', '  a: b')],
      [
        'components/extra/kustomization.yaml',
        lines(
          'apiVersion: kustomize.config.k8s.io/v1alpha1',
          'kind: Component',
          'resources:',
          '  - extra.yaml'
        )
      ],
      ['components/extra/extra.yaml', configMap('extra', 'data:', '  c: d')]
    ])

  it('targetNamespace, namePrefix and nameSuffix replace the kustomization’s own', () => {
    const files = base()
    files.set(
      'clusters/main/apps.yaml',
      flux('apps', './apps', '  targetNamespace: team', '  namePrefix: flux-', '  nameSuffix: -x')
    )
    expect(ids(fluxRoot(files, 'apps'))).toEqual(['ConfigMap team/flux-one-x'])
  })

  it('patches come after the kustomization’s own; components are relative to the path', () => {
    const files = base()
    files.set(
      'clusters/main/apps.yaml',
      flux(
        'apps',
        './apps',
        '  components:',
        '    - ../components/extra',
        '    - ../components/absent',
        '  ignoreMissingComponents: true',
        '  patches:',
        '    - patch: |-',
        '        - op: replace',
        '          path: /data/who',
        '          value: flux',
        '      target:',
        '        kind: ConfigMap',
        '        name: one'
      )
    )
    const k = fluxRoot(files, 'apps')
    expect(k?.findings.filter(f => f.severity === 'error')).toEqual([])
    expect(ids(k).sort()).toEqual(['ConfigMap apps/own-extra', 'ConfigMap apps/own-one'])
    expect(
      k?.objects.find(o => o.value.metadata && (o.value.metadata as { name: string }).name === 'own-one')
        ?.value.data
    ).toEqual({
      a: 'b',
      who: 'flux'
    })
  })

  it('a missing component without ignoreMissingComponents fails the build, at the Flux Kustomization line', () => {
    const files = base()
    files.set(
      'clusters/main/apps.yaml',
      flux('apps', './apps', '  components:', '    - ../components/absent')
    )
    const k = fluxRoot(files, 'apps')
    expect(k?.findings.map(f => `${f.rule} ${f.file}:${f.line}`)).toEqual([
      'kustomize/missing-component clusters/main/apps.yaml:14'
    ])
  })
})

describe('which Flux Kustomizations build this repository', () => {
  const files = () =>
    new Map([
      ['clusters/main/sync.yaml', flux('flux-system', './clusters/main')],
      ['apps/cm.yaml', configMap('one')]
    ])

  it('one on the source of the Kustomization that applies its own folder', () => {
    const f = files()
    f.set('clusters/main/apps.yaml', flux('apps', './apps'))
    expect(ids(fluxRoot(f, 'apps'))).toEqual(['ConfigMap /one'])
  })

  it('not one on another source (another repository), even where its path exists here', () => {
    const f = files()
    f.set('clusters/main/apps.yaml', flux('apps', './apps').replace('name: flux-system\n', 'name: podinfo\n'))
    expect(fluxRoot(f, 'apps')).toBeUndefined()
  })

  it('without a bootstrap Kustomization: any whose path is a directory here, but never the whole root', () => {
    const f = new Map([
      ['flux/apps.yaml', flux('apps', './apps')],
      ['flux/all.yaml', flux('all', './')],
      ['apps/cm.yaml', configMap('one')]
    ])
    expect(ids(fluxRoot(f, 'apps'))).toEqual(['ConfigMap /one'])
    expect(fluxRoot(f, 'all')).toBeUndefined()
  })
})

describe('the spec document of a Flux Kustomization, read once per parsed document', () => {
  // Two Kustomizations in one document (a List): the same document, each its own root and spec.
  const list = lines(
    'apiVersion: v1',
    'kind: List',
    'items:',
    ...flux('one', './one', '  targetNamespace: first')
      .trimEnd()
      .split('\n')
      .map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`)),
    ...flux('two', './two', '  targetNamespace: second')
      .trimEnd()
      .split('\n')
      .map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`))
  )
  const files = new Map([
    ['clusters/main/sync.yaml', list],
    ['one/cm.yaml', configMap('a')],
    ['two/cm.yaml', configMap('b')]
  ])

  it('gives each root its own spec, the second time as the first', () => {
    const plain = renderRepository(files).plainObjects
    for (let round = 0; round < 2; round++) {
      const builds = fluxBuilds(plain, () => true)
      expect(
        builds.map(b => [b.name, b.overlay.startLine, (b.overlay.value as { path: string }).path])
      ).toEqual([
        ['flux-system/one', lineOf(list, 'interval: 10m'), './one'],
        ['flux-system/two', lineOf(list, 'interval: 10m', 'name: two'), './two']
      ])
    }
  })

  it('reads a spec a transformer changed anew, not the one parsed', () => {
    const plain = renderRepository(files).plainObjects
    fluxBuilds(plain, () => true)
    const changed = plain.map(o =>
      o.value.kind === 'Kustomization'
        ? { ...o, value: { ...o.value, spec: { ...(o.value.spec as object), targetNamespace: 'patched' } } }
        : o
    )
    const builds = fluxBuilds(changed, () => true)
    expect(builds.map(b => (b.overlay.value as { targetNamespace: string }).targetNamespace)).toEqual([
      'patched',
      'patched'
    ])
  })
})
