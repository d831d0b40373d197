import { renderKustomization, renderRepository, type RenderedObject } from '../../src/kustomize/render.js'
import { locateField } from '../../src/kustomize/resource.js'
import { lineOf } from '../helpers/text.js'

const find = (objects: readonly RenderedObject[], kind: string, name?: string) => {
  const o = objects.find(
    x => x.value.kind === kind && (name === undefined || (x.value.metadata as { name: string }).name === name)
  )
  if (!o)
    throw new Error(
      `no ${kind} ${name ?? ''} among ${objects.map(x => `${x.value.kind}/${(x.value.metadata as { name: string }).name}`).join(', ')}`
    )
  return o
}
const get = (o: RenderedObject, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (v, k) => (v === undefined || v === null ? undefined : (v as Record<string, unknown>)[k]),
      o.value
    )
const names = (objects: readonly RenderedObject[]) =>
  objects.map(o => `${o.value.kind}/${String(get(o, 'metadata.name'))}`)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      containers:
        - name: app
          image: app:1
          envFrom:
            - configMapRef:
                name: app-config
      volumes:
        - name: config
          configMap:
            name: app-config
`
const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  key: value
`
const crs = `apiVersion: addons.cluster.x-k8s.io/v1beta2
kind: ClusterResourceSet
metadata:
  name: addons
spec:
  strategy: Reconcile
  resources:
    - name: app-config
      kind: ConfigMap
`
const namespace = `apiVersion: v1
kind: Namespace
metadata:
  name: prod
`

describe('renderKustomization: resources and cross-cutting fields', () => {
  const files = new Map([
    ['base/kustomization.yaml', 'resources:\n  - deployment.yaml\n  - cm.yaml\n  - crs.yaml\n'],
    ['base/deployment.yaml', deployment],
    ['base/cm.yaml', configMap],
    ['base/crs.yaml', crs],
    [
      'prod/kustomization.yaml',
      'namespace: prod\nnamePrefix: prod-\nnameSuffix: -v1\nresources:\n  - ../base\n  - namespace.yaml\ncommonLabels:\n  env: prod\n'
    ],
    ['prod/namespace.yaml', namespace]
  ])
  const render = renderKustomization(files, 'prod')!

  it('includes bases recursively and applies namespace, prefix and suffix (not to the Namespace)', () => {
    expect(render.findings).toEqual([])
    expect(render.complete).toBe(true)
    expect(names(render.objects).sort()).toEqual([
      'ClusterResourceSet/prod-addons-v1',
      'ConfigMap/prod-app-config-v1',
      'Deployment/prod-app-v1',
      'Namespace/prod'
    ])
    expect(get(find(render.objects, 'Deployment'), 'metadata.namespace')).toBe('prod')
    expect(get(find(render.objects, 'Namespace'), 'metadata.namespace')).toBeUndefined()
    expect(find(render.objects, 'ConfigMap').originalName).toBe('app-config')
  })

  it('puts common labels on metadata, selectors and pod templates', () => {
    const d = find(render.objects, 'Deployment')
    expect(get(d, 'metadata.labels')).toEqual({ env: 'prod' })
    expect(get(d, 'spec.selector.matchLabels')).toEqual({ app: 'app', env: 'prod' })
    expect(get(d, 'spec.template.metadata.labels')).toEqual({ app: 'app', env: 'prod' })
  })

  it('updates workload references to the renamed ConfigMap, but not the ClusterResourceSet (kustomize has no name reference for it)', () => {
    const d = find(render.objects, 'Deployment')
    expect(get(d, 'spec.template.spec.volumes')).toEqual([
      { name: 'config', configMap: { name: 'prod-app-config-v1' } }
    ])
    expect(get(d, 'spec.template.spec.containers')).toMatchObject([
      { envFrom: [{ configMapRef: { name: 'prod-app-config-v1' } }] }
    ])
    expect(get(find(render.objects, 'ClusterResourceSet'), 'spec.resources')).toEqual([
      { name: 'app-config', kind: 'ConfigMap' }
    ])
  })

  it('keeps where each object and field was written', () => {
    const c = find(render.objects, 'ClusterResourceSet')
    expect(c.source).toEqual({ file: 'base/crs.yaml', index: 0 })
    expect(locateField(c, ['spec', 'resources', 0, 'name'])).toMatchObject({
      file: 'base/crs.yaml',
      line: lineOf(crs, 'name: app-config')
    })
    expect(locateField(c, ['metadata', 'namespace'])).toMatchObject({
      file: 'prod/kustomization.yaml',
      line: 1
    })
  })
})

describe('renderKustomization: generators', () => {
  it('names generated ConfigMaps with the hash kustomize documents for the same input', () => {
    // kubectl.docs.kubernetes.io generatorOptions example I, and kubernetes.io "Declarative Management ... Kustomize".
    const files = new Map([
      [
        'app/kustomization.yaml',
        `configMapGenerator:
  - name: my-application-properties
    files:
      - application.properties
  - name: example-configmap-2
    literals:
      - FOO=Bar
generatorOptions:
  labels:
    kustomize.generated.resources: config-label
  annotations:
    kustomize.generated.resource: config-annotation
`
      ],
      ['app/application.properties', '# application.properties\nFOO=Bar']
    ])
    const render = renderKustomization(files, 'app')!
    expect(render.findings).toEqual([])
    expect(names(render.objects)).toEqual([
      'ConfigMap/my-application-properties-f7mm6mhf59',
      'ConfigMap/example-configmap-2-g2hdhfc6tk'
    ])
    const cm = render.objects[0]
    expect(cm.value).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'my-application-properties-f7mm6mhf59',
        labels: { 'kustomize.generated.resources': 'config-label' },
        annotations: { 'kustomize.generated.resource': 'config-annotation' }
      },
      data: { 'application.properties': '# application.properties\nFOO=Bar' }
    })
    expect(locateField(cm, ['data', 'application.properties'])).toMatchObject({
      file: 'app/kustomization.yaml',
      line: 4
    })
  })

  it('honours disableNameSuffixHash, secrets, env files, and merges into a base generator', () => {
    const files = new Map([
      [
        'base/kustomization.yaml',
        `configMapGenerator:
  - name: settings
    literals:
      - mode=base
      - keep="quoted value"
secretGenerator:
  - name: creds
    envs:
      - creds.env
    options:
      disableNameSuffixHash: true
`
      ],
      ['base/creds.env', '# comment\nUSER=admin\n\nPASSWORD=s3cret\n'],
      [
        'overlay/kustomization.yaml',
        `resources:
  - ../base
configMapGenerator:
  - name: settings
    behavior: merge
    literals:
      - mode=overlay
    options:
      disableNameSuffixHash: true
`
      ]
    ])
    const render = renderKustomization(files, 'overlay')!
    expect(render.findings).toEqual([])
    expect(names(render.objects)).toEqual(['ConfigMap/settings', 'Secret/creds'])
    expect(render.objects[0].value.data).toEqual({ mode: 'overlay', keep: 'quoted value' })
    expect(render.objects[1].value).toMatchObject({
      type: 'Opaque',
      data: {
        USER: Buffer.from('admin').toString('base64'),
        PASSWORD: Buffer.from('s3cret').toString('base64')
      }
    })
  })

  it('lets a ClusterResourceSet follow a hashed ConfigMap when a configurations file declares the name reference', () => {
    const kustomization = `resources:
  - crs.yaml
configMapGenerator:
  - name: app-config
    literals:
      - a=b
configurations:
  - crs-nameref.yaml
`
    const nameref = `nameReference:
  - kind: ConfigMap
    version: v1
    fieldSpecs:
      - kind: ClusterResourceSet
        group: addons.cluster.x-k8s.io
        path: spec/resources/name
`
    const render = renderKustomization(
      new Map([
        ['k/kustomization.yaml', kustomization],
        ['k/crs.yaml', crs],
        ['k/crs-nameref.yaml', nameref]
      ]),
      'k'
    )!
    const generated = String(get(find(render.objects, 'ConfigMap'), 'metadata.name'))
    expect(generated).toMatch(/^app-config-[a-z0-9]{10}$/)
    expect(get(find(render.objects, 'ClusterResourceSet'), 'spec.resources')).toEqual([
      { name: generated, kind: 'ConfigMap' }
    ])
  })
})

describe('renderKustomization: patches', () => {
  const base = new Map([
    ['base/kustomization.yaml', 'resources:\n  - deployment.yaml\n  - crs.yaml\n'],
    ['base/deployment.yaml', deployment],
    ['base/crs.yaml', crs]
  ])

  it('applies patchesStrategicMerge, patches (inline and from files, with and without target) and patchesJson6902 in kustomize order', () => {
    const kustomization = `namePrefix: prod-
resources:
  - ../base
patchesStrategicMerge:
  - image.yaml
patches:
  - path: ops.yaml
    target:
      kind: ClusterResourceSet
      name: addons
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: app
      spec:
        replicas: 3
patchesJson6902:
  - target:
      group: addons.cluster.x-k8s.io
      version: v1beta2
      kind: ClusterResourceSet
      name: prod-addons
    patch: |-
      - op: add
        path: /spec/resources/-
        value:
          name: extra
          kind: Secret
`
    const image = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: app:2
`
    const ops = `- op: replace
  path: /spec/resources/0/name
  value: prod-config
`
    const files = new Map([
      ...base,
      ['prod/kustomization.yaml', kustomization],
      ['prod/image.yaml', image],
      ['prod/ops.yaml', ops]
    ])
    const render = renderKustomization(files, 'prod')!
    expect(render.findings).toEqual([])
    const d = find(render.objects, 'Deployment')
    expect(get(d, 'metadata.name')).toBe('prod-app')
    expect(get(d, 'spec.replicas')).toBe(3)
    expect(get(d, 'spec.template.spec.containers')).toMatchObject([
      { name: 'app', image: 'app:2', envFrom: [{}] }
    ])
    const c = find(render.objects, 'ClusterResourceSet')
    expect(get(c, 'spec.resources')).toEqual([
      { name: 'prod-config', kind: 'ConfigMap' },
      { name: 'extra', kind: 'Secret' }
    ])
    expect(locateField(d, ['spec', 'template', 'spec', 'containers', 0, 'image'])).toMatchObject({
      file: 'prod/image.yaml',
      line: lineOf(image, 'app:2')
    })
    expect(locateField(d, ['spec', 'replicas'])).toMatchObject({
      file: 'prod/kustomization.yaml',
      line: lineOf(kustomization, 'replicas: 3')
    })
    expect(locateField(c, ['spec', 'resources', 0, 'name'])).toMatchObject({
      file: 'prod/ops.yaml',
      line: lineOf(ops, 'value:')
    })
    expect(locateField(c, ['spec', 'resources', 1, 'name'])).toMatchObject({
      file: 'prod/kustomization.yaml',
      line: lineOf(kustomization, 'name: extra'),
      column: 1 + kustomization.split('\n')[lineOf(kustomization, 'name: extra') - 1].indexOf('name: extra')
    })
  })

  it('reports an operation that does not apply at its line, and a patch that matches nothing as a warning', () => {
    const kustomization = `resources:
  - ../base
patches:
  - target:
      kind: ClusterResourceSet
    patch: |-
      - op: replace
        path: /spec/resources/4/name
        value: nope
  - target:
      kind: ClusterResourceSet
      name: missing
    patch: |-
      - op: remove
        path: /spec/strategy
`
    const render = renderKustomization(
      new Map([...base, ['prod/kustomization.yaml', kustomization]]),
      'prod'
    )!
    expect(render.findings).toEqual([
      expect.objectContaining({
        severity: 'error',
        rule: 'kustomize/patch-failed',
        file: 'prod/kustomization.yaml',
        line: lineOf(kustomization, 'path: /spec/resources/4/name')
      }),
      expect.objectContaining({
        severity: 'warning',
        rule: 'kustomize/patch-no-target',
        line: lineOf(kustomization, 'target:', 'value: nope')
      })
    ])
    // The failed patch leaves the object as it was.
    expect(get(find(render.objects, 'ClusterResourceSet'), 'spec.resources')).toEqual([
      { name: 'app-config', kind: 'ConfigMap' }
    ])
  })
})

describe('renderKustomization: what kustomize build would fail on, and what is not applied', () => {
  it('reports missing files, directories without a kustomization, and cycles at the entry that names them', () => {
    const a = 'resources:\n  - ../b\n  - missing.yaml\n  - ../plain\n'
    const files = new Map([
      ['a/kustomization.yaml', a],
      ['b/kustomization.yaml', 'resources:\n  - ../a\n'],
      ['plain/cm.yaml', configMap]
    ])
    const render = renderKustomization(files, 'a')!
    expect(render.findings.map(f => [f.rule, f.file, f.line])).toEqual([
      ['kustomize/cycle', 'b/kustomization.yaml', 2],
      ['kustomize/missing-resource', 'a/kustomization.yaml', lineOf(a, 'missing.yaml')],
      ['kustomize/missing-kustomization', 'a/kustomization.yaml', lineOf(a, '../plain')]
    ])
    expect(render.complete).toBe(false)
  })

  it('notes remote bases and unapplied fields; only those that can add or rename objects make the render incomplete', () => {
    const images = renderKustomization(
      new Map([
        ['k/kustomization.yaml', 'resources:\n  - cm.yaml\nimages:\n  - name: app\n    newTag: "2"\n'],
        ['k/cm.yaml', configMap]
      ]),
      'k'
    )!
    expect(images.findings).toEqual([
      expect.objectContaining({ severity: 'notice', rule: 'kustomize/unsupported', line: 3 })
    ])
    expect(images.complete).toBe(true)

    const remote = renderKustomization(
      new Map([
        [
          'k/kustomization.yaml',
          'resources:\n  - https://github.com/org/repo//base?ref=v1\n  - cm.yaml\ncomponents:\n  - ../c\n'
        ],
        ['k/cm.yaml', configMap]
      ]),
      'k'
    )!
    // The remote base is a notice; a component directory that does not exist fails the build.
    expect(remote.findings.map(f => [f.severity, f.line])).toEqual([
      ['notice', 2],
      ['error', 5]
    ])
    expect(remote.complete).toBe(false)
    expect(names(remote.objects)).toEqual(['ConfigMap/app-config'])
  })

  it('refuses a directory with two kustomization files', () => {
    const render = renderKustomization(
      new Map([
        ['k/kustomization.yaml', 'resources: []\n'],
        ['k/Kustomization', 'resources: []\n']
      ]),
      'k'
    )!
    expect(render.findings).toEqual([
      expect.objectContaining({ severity: 'error', rule: 'kustomize/multiple-kustomizations' })
    ])
  })

  it('expands List documents into their items', () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: one
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: two
`
    const render = renderKustomization(
      new Map([
        ['k/kustomization.yaml', 'resources:\n  - list.yaml\n'],
        ['k/list.yaml', list]
      ]),
      'k'
    )!
    expect(names(render.objects)).toEqual(['ConfigMap/one', 'ConfigMap/two'])
    expect(locateField(render.objects[1], ['metadata', 'name']).line).toBe(lineOf(list, 'name: two'))
  })
})

describe('renderRepository', () => {
  const files = new Map([
    ['infra/base/kustomization.yaml', 'resources:\n  - crs.yaml\n'],
    ['infra/base/crs.yaml', crs],
    ['infra/base/unused-patch.yaml', 'spec:\n  resources: []\n'],
    ['infra/prod/kustomization.yaml', 'resources:\n  - ../base\npatches:\n  - path: ../patches/crs.yaml\n'],
    [
      'infra/patches/crs.yaml',
      'apiVersion: addons.cluster.x-k8s.io/v1beta2\nkind: ClusterResourceSet\nmetadata:\n  name: addons\nspec:\n  strategy: ApplyOnce\n'
    ],
    ['infra/patches/README.md', '# not YAML'],
    ['apps/shared/kustomization.yaml', 'resources:\n  - cm.yaml\n'],
    ['apps/shared/cm.yaml', configMap],
    ['apps/uses-shared/kustomization.yaml', 'resources:\n  - ../shared\n'],
    [
      'clusters/mgmt/sync.yaml',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: shared\n  namespace: flux-system\nspec:\n  path: ./apps/shared\n'
    ],
    ['clusters/mgmt/cm.yaml', configMap]
  ])
  const render = renderRepository(files)

  it('renders every kustomization; roots are those nothing includes, and those a Flux Kustomization points at', () => {
    expect(render.kustomizations.map(k => k.dir)).toEqual([
      'apps/shared',
      'apps/uses-shared',
      'infra/base',
      'infra/prod'
    ])
    expect(render.roots.map(k => k.dir)).toEqual(['apps/shared', 'apps/uses-shared', 'infra/prod'])
  })

  it('collects objects outside kustomizations, but not patch files or files next to a kustomization', () => {
    expect(render.plainObjects.map(o => o.source.file)).toEqual([
      'clusters/mgmt/sync.yaml',
      'clusters/mgmt/cm.yaml'
    ])
  })

  it('takes a file named kustomization.yaml that holds a Flux Kustomization for a manifest', () => {
    const flux =
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./apps\n'
    const repo = renderRepository(new Map([['clusters/a/kustomization.yaml', flux]]))
    expect(repo.kustomizations).toEqual([])
    expect(repo.plainObjects.map(o => o.source.file)).toEqual(['clusters/a/kustomization.yaml'])
  })
})

describe('objects shared with the parsed documents until a transformer changes them', () => {
  const base = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: settings',
    'data:',
    '  a: b',
    ''
  ].join('\n')
  const files = new Map([
    ['base/kustomization.yaml', 'resources:\n  - cm.yaml\n'],
    ['base/cm.yaml', base],
    ['plain/kustomization.yaml', 'resources:\n  - ../base\n'],
    ['one/kustomization.yaml', 'resources:\n  - ../base\nnamespace: one\n'],
    ['two/kustomization.yaml', 'resources:\n  - ../base\nnamespace: two\nnamePrefix: p-\n']
  ])

  it('gives each overlay its own changes and leaves the base as parsed', () => {
    const render = renderRepository(files)
    const of = (dir: string) => find(render.kustomizations.find(k => k.dir === dir)!.objects, 'ConfigMap')
    expect([get(of('one'), 'metadata.namespace'), get(of('one'), 'metadata.name')]).toEqual([
      'one',
      'settings'
    ])
    expect([get(of('two'), 'metadata.namespace'), get(of('two'), 'metadata.name')]).toEqual([
      'two',
      'p-settings'
    ])
    expect(of('base').value).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data: { a: 'b' }
    })
    // Untransformed, an object is the parsed value itself; changed, a copy of its own.
    const parsed = of('base').trace.origin!.doc.value
    expect(of('base').value).toBe(parsed)
    expect(of('plain').value).toBe(parsed)
    expect(of('one').value).not.toBe(parsed)
    expect(of('one').value).not.toBe(of('two').value)
  })
})
