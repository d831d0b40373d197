import yaml from 'js-yaml'
import { validateRepository, type SourceFile, type ValidationReport } from '../../src/validate/validator.js'
import { allFixtureFiles, fixtureCrds, haveFixtures, readFixture } from './corpus/fixtures.js'
import { widgetCrdText } from '../helpers/crds.js'

const describeIf = haveFixtures ? describe : describe.skip
if (!haveFixtures)
  console.warn('validator: ../shared/fixtures is absent; the tests on upstream manifests are skipped')

const errors = (r: ValidationReport) => r.findings.filter(f => f.severity === 'error')
const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map(l => (l === '' ? l : by + l))
    .join('\n')

/** A ConfigMap holding a manifest as a literal block, the way the upgrade writes them. */
function configMap(name: string, namespace: string, key: string, manifest: string): string {
  return [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'data:',
    `  ${key}: |`,
    indent(manifest.replace(/\n$/, ''), '    '),
    ''
  ].join('\n')
}

const lineOf = (text: string, pattern: RegExp): number => text.split('\n').findIndex(l => pattern.test(l)) + 1

describe('validateRepository on small repositories', () => {
  it('reports findings sorted by file and line, with the file line of every finding', () => {
    const files: SourceFile[] = [
      { path: 'b.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: x\n' },
      {
        path: 'a.yaml',
        content:
          'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\nspec:\n  finalizer: []\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n'
      }
    ]
    const r = validateRepository({ files })
    expect(r.findings.map(f => [f.file, f.line, f.rule, f.severity])).toEqual([
      ['a.yaml', 6, 'schema/unknown-field', 'error'],
      ['a.yaml', 11, 'object/duplicate', 'error'],
      ['b.yaml', 3, 'object/missing-field', 'error']
    ])
    expect(r.findings[1].message).toContain('first at line 4')
    expect(r.resources).toBe(3)
  })

  it('ignores files outside .yaml/.yml, .git and node_modules, and kustomization files as objects', () => {
    const broken = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: indent\n'
    const r = validateRepository({
      files: [
        { path: '.git/config.yaml', content: broken },
        { path: 'node_modules/pkg/a.yml', content: broken },
        { path: 'README.md', content: broken },
        { path: 'kustomization.yaml', content: 'resources: []\n' },
        {
          path: 'overlay/kustomization.yaml',
          content: 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n'
        }
      ]
    })
    expect(r.findings).toEqual([])
    expect(r.resources).toBe(0)
  })

  it('ignores the folders the repository reader never reads, wherever they are', () => {
    const broken = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: indent\n'
    const paths = [
      'vendor/a.yaml',
      'infra/.terraform/modules/b.yaml',
      'apps/node_modules/c.yaml',
      'x/.git/d.yaml'
    ]
    const r = validateRepository({ files: paths.map(path => ({ path, content: broken })) })
    expect(r.findings).toEqual([])
    expect(
      validateRepository({ files: [{ path: 'vendored/a.yaml', content: broken }] }).findings
    ).not.toEqual([])
  })

  it('does not check kustomize patches or generator inputs as objects', () => {
    const r = validateRepository({
      files: [
        {
          path: 'env/kustomization.yaml',
          content: [
            'resources:',
            '  - deployment.yaml',
            'patches:',
            '  - path: replicas.yaml',
            '    target:',
            '      kind: Deployment',
            'patchesStrategicMerge:',
            '  - resources.yaml',
            'configMapGenerator:',
            '  - name: values',
            '    files:',
            '      - values.yaml=chart-values.yaml',
            ''
          ].join('\n')
        },
        {
          path: 'env/deployment.yaml',
          content:
            'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: nginx\n'
        },
        // A patch selected by target has no name; a strategic merge patch has no selector or template.
        {
          path: 'env/replicas.yaml',
          content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\nspec:\n  replicas: 3\n'
        },
        {
          path: 'env/resources.yaml',
          content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n'
        },
        { path: 'env/chart-values.yaml', content: 'kind: DaemonSet\nmetadata:\n  annotations: {}\n' }
      ]
    })
    expect(errors(r)).toEqual([])
  })

  it('counts kinds without a schema as skipped, with their files, and never as errors', () => {
    const r = validateRepository({
      files: [
        {
          path: 'clusters/dev.yaml',
          content:
            'apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata:\n  name: dev\n---\napiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata:\n  name: prod\n'
        },
        { path: 'kind.yaml', content: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes: []\n' }
      ]
    })
    expect(r.findings).toEqual([])
    expect(r.resources).toBe(0)
    expect(r.skipped).toEqual([
      expect.objectContaining({
        apiVersion: 'cluster.x-k8s.io/v1beta1',
        kind: 'Cluster',
        count: 2,
        files: ['clusters/dev.yaml']
      }),
      expect.objectContaining({
        apiVersion: 'kind.x-k8s.io/v1alpha4',
        kind: 'Cluster',
        count: 1,
        files: ['kind.yaml']
      })
    ])
  })

  it('reads every document of a file even when one in the middle does not parse', () => {
    const content =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkey: [unclosed\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: x\n'
    const r = validateRepository({ files: [{ path: 'x.yaml', content }] })
    expect(r.findings.map(f => [f.rule, f.line])).toEqual([
      ['yaml/parse', 7],
      ['object/missing-field', 10]
    ])
  })
})

describe('upgrade scope', () => {
  const brokenDeployment = {
    path: 'apps/web.yaml',
    content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: "two"\n'
  }
  const crd = widgetCrdText('size', 'v2')
  const widget = (version: string, spec: string) => ({
    path: 'apps/widget.yaml',
    content: `apiVersion: example.com/${version}\nkind: Widget\nmetadata:\n  name: w\nspec:\n${spec}\n`
  })

  it('checks what the run wrote and the objects of upgraded kinds, and leaves the rest of the repository alone', () => {
    const upgradedCrds = yaml.loadAll(crd)
    const r = validateRepository({
      files: [
        brokenDeployment,
        widget('v1', '  size: 1'),
        { path: 'addons/new.yaml', content: 'kind: ConfigMap\nmetadata:\n  name: x\n' }
      ],
      written: ['addons/new.yaml'],
      upgradedCrds
    })
    expect(r.findings.map(f => [f.file, f.rule])).toEqual([
      ['addons/new.yaml', 'object/missing-field'],
      ['apps/widget.yaml', 'upgrade/version-not-served']
    ])
    expect(r.findings[1]).toMatchObject({ severity: 'error', line: 1 })
    expect(r.findings[1].message).toContain('example.com/v1')
    expect(r.findings[1].message).toContain('served: v2')
    expect(r.findings[1].hint).toContain('example.com/v2')
  })

  it('checks repository objects of upgraded kinds against the new schema', () => {
    const r = validateRepository({
      files: [widget('v2', '  size: big')],
      written: [],
      upgradedCrds: yaml.loadAll(crd)
    })
    expect(r.findings).toEqual([expect.objectContaining({ rule: 'schema/type', line: 6, severity: 'error' })])
    expect(r.findings[0].message).toContain('upgraded CRD widgets.example.com')
  })

  it('validates everything when nothing was written and nothing upgraded (mode: validate)', () => {
    const full = validateRepository({ files: [brokenDeployment] }).findings
    expect(full.map(f => f.rule)).toContain('schema/type')
    // The run passes empty lists in mode: validate.
    expect(
      validateRepository({ files: [brokenDeployment], written: [], targets: [], upgradedCrds: [] }).findings
    ).toEqual(full)
  })
})

describeIf('validateRepository on the upstream fixtures', () => {
  it('finds no errors in any fixture but the ClusterResourceSet whose ConfigMaps live elsewhere', () => {
    const r = validateRepository({ files: allFixtureFiles() })
    // CAPZ's calico-resource-set.yaml names ConfigMaps that CAPZ generates from other files; alone it is broken.
    expect(errors(r).map(f => [f.file, f.rule])).toEqual([
      ['crs/capz-calico-resource-set.yaml', 'crs/missing-resource'],
      ['crs/capz-calico-resource-set.yaml', 'crs/missing-resource']
    ])
    expect(r.resources).toBeGreaterThan(500)
    // Cluster API kinds have no CRD in the fixtures: skipped, not errors.
    expect(r.skipped.map(s => s.kind)).toEqual(
      expect.arrayContaining(['Cluster', 'AWSCluster', 'ClusterResourceSet'])
    )
  })

  it('reports each hand-bumped controller image of the drift fixture, at its image line', () => {
    const file = 'flux-drift/v2.7.5-header-v2.8-images.yaml'
    const content = readFixture(file)
    const r = validateRepository({ files: [{ path: file, content }] })
    const imageLines = content
      .split('\n')
      .flatMap((l, i) => (/^\s+image: ghcr\.io\/fluxcd\/[a-z-]+-controller:/.test(l) ? [i + 1] : []))
    expect(imageLines).toHaveLength(6)
    expect(r.findings.map(f => [f.rule, f.severity, f.line])).toEqual(
      imageLines.map(line => ['flux/image-drift', 'warning', line])
    )
    expect(r.findings[0].message).toMatch(
      /source-controller runs v1\.8\.\d+, but the header says Flux v2\.7\.5, which ships source-controller v1\.7\.4/
    )
  })

  it('takes the expected controller versions from an install the run generated when the table does not know the release', () => {
    // Both files claim a release the built-in table does not know; the one the run wrote is the reference.
    const pristine = readFixture('flux/v2.9.3/default/gotk-components.yaml').replace(
      '# Flux Version: v2.9.3',
      '# Flux Version: v2.99.0'
    )
    const edited = pristine.replace('source-controller:v1.9.3', 'source-controller:v1.99.0')
    const r = validateRepository({
      files: [
        { path: 'clusters/a/gotk-components.yaml', content: pristine },
        { path: 'clusters/b/gotk-components.yaml', content: edited }
      ],
      written: ['clusters/a/gotk-components.yaml']
    })
    expect(r.findings.map(f => [f.file, f.rule, f.line])).toEqual([
      ['clusters/b/gotk-components.yaml', 'flux/image-drift', lineOf(edited, /source-controller:v1\.99\.0/)]
    ])
  })

  it('rejects the 1.6 MB tigera-operator manifest in one ConfigMap, and checks the objects inside it', () => {
    const manifest = readFixture('calico/v3.29.7/tigera-operator.yaml')
    const content = configMap('tigera-operator', 'default', 'tigera-operator.yaml', manifest)
    const r = validateRepository({ files: [{ path: 'addons/cm-tigera.yaml', content }] })
    expect(errors(r).map(f => [f.rule, f.line])).toEqual([['configmap/too-large', 6]])
    expect(errors(r)[0].message).toContain(
      Buffer.byteLength(manifest.replace(/\n$/, '') + '\n').toLocaleString('en-US')
    )
    expect(r.resources).toBeGreaterThan(20)
  })

  it("maps findings inside the seed repository's quoted Calico ConfigMap to the data key line", () => {
    const file = 'seed-repo/infrastructure/control-plane-cluster/capi/cm-calico-v3.21.yaml'
    const content = readFixture(file)
    const r = validateRepository({ files: [{ path: file, content }] })
    // Calico v3.21 still ships policy/v1beta1 PodDisruptionBudget, gone since Kubernetes 1.25.
    expect(r.findings.map(f => [f.rule, f.severity, f.line])).toEqual([
      ['schema/removed-api', 'warning', lineOf(content, /^ {2}calico-v3\.21\.yaml: "/)]
    ])
  })

  it('validates a healthy fleet repository in the seed layout with zero errors', () => {
    const flux = readFixture('flux/v2.9.3/default/gotk-components.yaml')
    const sync = [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: GitRepository',
      'metadata:',
      '  name: flux-system',
      '  namespace: flux-system',
      'spec:',
      '  interval: 1m0s',
      '  ref:',
      '    branch: main',
      '  secretRef:',
      '    name: flux-system',
      '  url: ssh://git@github.com/example/fleet',
      '---',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: flux-system',
      '  namespace: flux-system',
      'spec:',
      '  interval: 10m0s',
      '  path: ./clusters/dev',
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: flux-system',
      ''
    ].join('\n')
    const crs = [
      'apiVersion: addons.cluster.x-k8s.io/v1beta2',
      'kind: ClusterResourceSet',
      'metadata:',
      '  name: crs-flux',
      '  namespace: cluster-dev',
      'spec:',
      '  strategy: Reconcile',
      '  clusterSelector:',
      '    matchLabels:',
      '      flux: enabled',
      '  resources:',
      '    - name: crs-cm-flux',
      '      kind: ConfigMap',
      '    - name: crs-cm-calico',
      '      kind: ConfigMap',
      ''
    ].join('\n')
    const patch = [
      'apiVersion: addons.cluster.x-k8s.io/v1beta2',
      'kind: ClusterResourceSet',
      'metadata:',
      '  name: crs-flux',
      '  namespace: cluster-dev',
      'spec:',
      '  resources:',
      '    - name: crs-cm-flux-2.9.3-dev',
      '      kind: ConfigMap',
      '    - name: crs-cm-calico-v3.30-dev',
      '      kind: ConfigMap',
      ''
    ].join('\n')
    const files: SourceFile[] = [
      { path: 'clusters/mgmt/flux-system/gotk-components.yaml', content: flux },
      { path: 'clusters/mgmt/flux-system/gotk-sync.yaml', content: sync },
      {
        path: 'clusters/mgmt/flux-system/kustomization.yaml',
        content:
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-components.yaml\n  - gotk-sync.yaml\n'
      },
      { path: 'infrastructure/base/crs/crs.yaml', content: crs },
      { path: 'infrastructure/base/crs/kustomization.yaml', content: 'resources:\n  - crs.yaml\n' },
      {
        path: 'infrastructure/dev/kustomization.yaml',
        content: [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'resources:',
          '  - namespace.yaml',
          '  - ../base/crs',
          '  - cluster.yaml',
          '  - cm-flux-2.9.3-dev.yaml',
          '  - cm-calico-v3.30-dev.yaml',
          'patches:',
          '  - path: crs-patch.yaml',
          ''
        ].join('\n')
      },
      {
        path: 'infrastructure/dev/namespace.yaml',
        content: readFixture('seed-repo/infrastructure/control-plane-cluster/capi/namespace.yaml')
      },
      {
        path: 'infrastructure/dev/cluster.yaml',
        // The seed cluster without its v1alpha3 ClusterResourceSet: Cluster API kinds, none with a CRD here.
        content:
          readFixture('seed-repo/infrastructure/control-plane-cluster/capi/cluster.yaml').split(
            /\n---\napiVersion: addons/
          )[0] + '\n'
      },
      { path: 'infrastructure/dev/crs-patch.yaml', content: patch },
      {
        path: 'infrastructure/dev/cm-flux-2.9.3-dev.yaml',
        content: configMap('crs-cm-flux-2.9.3-dev', 'cluster-dev', 'flux.yaml', `${flux}---\n${sync}`)
      },
      {
        path: 'infrastructure/dev/cm-calico-v3.30-dev.yaml',
        content: configMap(
          'crs-cm-calico-v3.30-dev',
          'cluster-dev',
          'calico.yaml',
          readFixture('calico/v3.30.7/calico.yaml')
        )
      }
    ]
    const r = validateRepository({ files })
    expect(errors(r)).toEqual([])
    // Both ConfigMaps are over the client-side apply limit (every Flux install is); that is a warning only.
    expect(
      r.findings.filter(f => f.rule === 'configmap/over-client-side-apply-limit').map(f => f.file)
    ).toEqual(['infrastructure/dev/cm-calico-v3.30-dev.yaml', 'infrastructure/dev/cm-flux-2.9.3-dev.yaml'])
    expect(r.skipped.map(s => s.kind)).toEqual(
      expect.arrayContaining(['Cluster', 'AWSCluster', 'KubeadmControlPlane'])
    )
  })

  it('names every repository Flux object the upgraded CRDs no longer serve, with the migrate command', () => {
    const sync = [
      'apiVersion: source.toolkit.fluxcd.io/v1beta2',
      'kind: GitRepository',
      'metadata:',
      '  name: podinfo',
      '  namespace: apps',
      'spec:',
      '  interval: 5m',
      '  url: https://github.com/stefanprodan/podinfo',
      '---',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1beta2',
      'kind: Kustomization',
      'metadata:',
      '  name: podinfo',
      '  namespace: apps',
      'spec:',
      '  interval: 10m',
      '  path: ./kustomize',
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: podinfo',
      ''
    ].join('\n')
    const r = validateRepository({
      files: [
        {
          path: 'clusters/dev/flux-system/gotk-components.yaml',
          content: readFixture('flux/v2.9.3/default/gotk-components.yaml')
        },
        { path: 'apps/podinfo.yaml', content: sync }
      ],
      written: ['clusters/dev/flux-system/gotk-components.yaml'],
      targets: [
        { file: 'clusters/dev/flux-system/gotk-components.yaml', component: 'flux', version: '2.9.3' }
      ],
      upgradedCrds: fixtureCrds('flux/v2.9.3/default/gotk-components.yaml')
    })
    expect(r.findings.map(f => [f.file, f.line, f.rule, f.severity])).toEqual([
      ['apps/podinfo.yaml', 1, 'upgrade/version-not-served', 'error'],
      ['apps/podinfo.yaml', 10, 'upgrade/version-not-served', 'error']
    ])
    expect(r.findings[0].message).toBe(
      "GitRepository 'apps/podinfo' uses source.toolkit.fluxcd.io/v1beta2, which the upgraded CRD gitrepositories.source.toolkit.fluxcd.io no longer serves (served: v1)"
    )
    expect(r.findings[0].hint).toContain('flux migrate -f apps/podinfo.yaml --version 2.9 --yes')
  })

  it('fails a target whose header is not the version the run resolved', () => {
    const file = 'clusters/dev/flux-system/gotk-components.yaml'
    const content = readFixture('flux/v2.8.3/default/gotk-components.yaml')
    const r = validateRepository({
      files: [{ path: file, content }],
      targets: [{ file, component: 'flux', version: 'v2.9.3' }]
    })
    expect(r.findings).toEqual([
      expect.objectContaining({
        rule: 'header/version-mismatch',
        severity: 'error',
        file,
        line: lineOf(content, /^# Flux Version:/)
      })
    ])
  })

  it("reads a Calico target's version from its calico-node image", () => {
    const manifest = readFixture('calico/v3.30.7/calico.yaml')
    const content = configMap('calico', 'default', 'calico.yaml', manifest)
    const file = 'addons/cm-calico.yaml'
    const ok = validateRepository({
      files: [{ path: file, content }],
      targets: [{ file, component: 'calico', version: '3.30.7' }]
    })
    expect(ok.findings.filter(f => f.rule === 'header/version-mismatch')).toEqual([])
    const stale = validateRepository({
      files: [{ path: file, content }],
      targets: [{ file, component: 'calico', version: '3.31.7' }]
    })
    const mismatch = stale.findings.filter(f => f.rule === 'header/version-mismatch')
    expect(mismatch).toHaveLength(1)
    // The calico-node container's image (init containers run the same image; the container is the version of record).
    expect(mismatch[0].line).toBe(lineOf(content, /^\s+- name: calico-node$/) + 1)
    expect(content.split('\n')[mismatch[0].line! - 1]).toMatch(/image: docker\.io\/calico\/node:v3\.30\.7$/)
  })
})
