import { WorkingTree } from '../../src/plan/tree.js'
import { afterMerge } from '../../src/publish/after-merge.js'
import {
  BODY_LIMIT,
  marker,
  pullRequestTitle,
  renderPullRequestBody,
  type BodyInput
} from '../../src/publish/body.js'

/** The pull request body and what it says happens after merge, from the repository's own objects. */
const fleet = new WorkingTree(
  new Map([
    [
      'clusters/mgmt/flux-system/gotk-sync.yaml',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./clusters/mgmt\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n'
    ],
    [
      'clusters/mgmt/flux-system/gotk-components.yaml',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n'
    ],
    [
      'infra/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: staging\nresources:\n  - crs.yaml\n  - cm.yaml\n  - clusters.yaml\n'
    ],
    [
      'infra/crs.yaml',
      [
        'apiVersion: addons.cluster.x-k8s.io/v1beta2\nkind: ClusterResourceSet\nmetadata:\n  name: calico\nspec:\n  strategy: Reconcile\n  clusterSelector:\n    matchLabels:\n      cni: calico\n  resources:\n    - name: calico-cm\n      kind: ConfigMap\n',
        'apiVersion: addons.cluster.x-k8s.io/v1beta2\nkind: ClusterResourceSet\nmetadata:\n  name: calico-once\nspec:\n  clusterSelector:\n    matchExpressions:\n      - key: tier\n        operator: In\n        values: [edge]\n  resources:\n    - name: calico-cm\n      kind: ConfigMap\n'
      ].join('---\n')
    ],
    [
      'infra/cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: calico-cm\ndata:\n  calico.yaml: "{}"\n'
    ],
    [
      'infra/clusters.yaml',
      ['blue', 'green', 'edge']
        .map(
          n =>
            `apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata:\n  name: ${n}\n  labels:\n    ${n === 'green' ? 'cni: cilium' : 'cni: calico'}\n    tier: ${n === 'edge' ? 'edge' : 'core'}\n`
        )
        .join('---\n')
    ]
  ])
)

describe('after merge', () => {
  it('names the Flux Kustomization that applies a file, and the ClusterResourceSets and clusters of a ConfigMap', () => {
    const a = afterMerge(fleet, [
      'clusters/mgmt/flux-system/gotk-components.yaml',
      'infra/cm.yaml',
      'docs/x.yaml'
    ])
    expect(a.flux).toEqual([
      {
        file: 'clusters/mgmt/flux-system/gotk-components.yaml',
        kustomization: 'flux-system/flux-system',
        definedIn: 'clusters/mgmt/flux-system/gotk-sync.yaml',
        path: './clusters/mgmt',
        interval: '10m0s'
      }
    ])
    expect(a.clusterResourceSets).toEqual([
      expect.objectContaining({
        clusterResourceSet: 'staging/calico',
        strategy: 'Reconcile',
        selector: 'cni=calico',
        clusters: ['staging/blue', 'staging/edge'],
        resources: [{ kind: 'ConfigMap', name: 'calico-cm', file: 'infra/cm.yaml' }]
      }),
      expect.objectContaining({
        clusterResourceSet: 'staging/calico-once',
        strategy: 'ApplyOnce',
        clusters: ['staging/edge']
      })
    ])
    expect(a.unapplied).toEqual(['docs/x.yaml'])
  })
})

const input = (files: number): BodyInput => ({
  unit: 'calico',
  base: 'main',
  components: [
    {
      component: 'calico',
      from: '3.30.0',
      to: '3.31.0',
      action: 'upgrade',
      reason: 'r',
      releaseNotes: 'https://example.invalid/v3.31.0'
    }
  ],
  files: Array.from({ length: files }, (_, i) => ({
    path: `clusters/c${i}/calico.yaml`,
    operation: 'modified' as const,
    bytes: 300_000,
    components: ['calico' as const],
    reasons: ['regenerated' as const]
  })),
  migrated: [],
  targets: [],
  findings: [
    {
      severity: 'warning',
      rule: 'crs/apply-once',
      message: 'uses ApplyOnce',
      file: 'infra/crs.yaml',
      line: 3
    }
  ],
  afterMerge: afterMerge(fleet, ['infra/cm.yaml'])
})

describe('the pull request body', () => {
  it('has the components table, the files with their share of the ConfigMap limit, findings, after merge and the marker', () => {
    const body = renderPullRequestBody(input(1))
    expect(body).toContain('| calico | 3.30.0 | 3.31.0 | [3.31.0](https://example.invalid/v3.31.0) |')
    expect(body).toContain(
      '| `clusters/c0/calico.yaml` | modified (regenerated) | 300,000 | 28.6 % (over 256 KiB: apply server-side) |'
    )
    expect(body).toContain('| warning | `infra/crs.yaml:3` | crs/apply-once | uses ApplyOnce |')
    expect(body).toContain('ClusterResourceSet `staging/calico` (Reconcile) re-applies ConfigMap `calico-cm`')
    expect(body).toContain('(ApplyOnce) gives ConfigMap `calico-cm` to clusters created after the merge only')
    expect(body.trimEnd().endsWith(marker('calico'))).toBe(true)
    expect(renderPullRequestBody(input(1))).toBe(body)
  })

  it('stays within GitHub’s 65,536 characters for thousands of files, and says where the rest is', () => {
    const body = renderPullRequestBody(input(5000))
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT)
    expect(body).toContain('more: see the job summary and the JSON report')
    expect(body).toContain(marker('calico'))
    expect(renderPullRequestBody(input(5000), Infinity).length).toBeGreaterThan(BODY_LIMIT)
    expect(renderPullRequestBody(input(5000), 2000).length).toBeLessThanOrEqual(2000)
  })

  it('is titled by component and versions', () => {
    expect(pullRequestTitle(input(1).components)).toBe('Upgrade calico from 3.30.0 to 3.31.0')
  })
})
