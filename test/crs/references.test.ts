import { followReferences } from '../../src/crs/references.js'
import { WorkingTree } from '../../src/plan/tree.js'

/** Lines that differ between two texts of the same length in lines: the diff a reviewer reads. */
function changedLines(before: string, after: string): [number, string, string][] {
  const a = before.split('\n')
  const b = after.split('\n')
  expect(b.length).toBe(a.length)
  return a.flatMap((l, i) => (l === b[i] ? [] : [[i + 1, l, b[i]] as [number, string, string]]))
}

const KUSTOMIZATION = `# Staging: Flux and Calico come from ClusterResourceSets.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: staging

resources:
    - ../base            # the ClusterResourceSets
    - ./cm-flux-2.2.2.yaml
    - cm-calico-v3.21.yaml

patches:
  # The base names a placeholder; staging installs its own Flux ConfigMap.
  - target: {kind: ClusterResourceSet, name: flux}
    patch: |-
      - op: replace
        path: /spec/resources/0/name
        value: crs-cm-flux-2.2.2-staging
  - patch: |
      apiVersion: addons.cluster.x-k8s.io/v1beta2
      kind: ClusterResourceSet
      metadata:
        name: calico
      spec:
        resources:
          - name: "crs-cm-calico-v3.21"
            kind: ConfigMap
`

const CRS = `apiVersion: addons.cluster.x-k8s.io/v1beta2
kind: ClusterResourceSet
metadata:
  name: calico
  namespace: staging
spec:
  strategy: Reconcile
  clusterSelector:
    matchLabels: {cni: calico}
  resources:
  - name: crs-cm-calico-v3.21
    kind: ConfigMap
  - {name: extra, kind: Secret}
`

const tree = new WorkingTree([
  { path: 'staging/kustomization.yaml', content: KUSTOMIZATION },
  { path: 'staging/cm-flux-2.2.2.yaml', content: 'flux\n' },
  { path: 'staging/cm-calico-v3.21.yaml', content: 'calico\n' },
  { path: 'staging/crs.yaml', content: CRS },
  { path: 'prod/kustomization.yaml', content: 'resources:\n  - cm-flux-2.2.2.yaml\n' },
  { path: 'prod/cm-flux-2.2.2.yaml', content: 'flux\n' },
  { path: 'docs/notes.yaml', content: 'text: |\n  crs-cm-calico-v3.21 is data here, not a reference\n' }
])

describe('following versioned renames', () => {
  const renames = {
    files: [
      { from: 'staging/cm-flux-2.2.2.yaml', to: 'staging/cm-flux-2.9.3.yaml' },
      { from: 'staging/cm-calico-v3.21.yaml', to: 'staging/cm-calico-v3.31.yaml' }
    ],
    configMaps: [
      { from: 'crs-cm-flux-2.2.2-staging', to: ['crs-cm-flux-2.9.3-staging'] },
      { from: 'crs-cm-calico-v3.21', to: ['crs-cm-calico-v3.31'] }
    ]
  }

  it('changes only the lines that name the version, in resources, patch strings and ClusterResourceSets', () => {
    const { changes, followed } = followReferences(tree, renames, new Set())
    const k = changes.find(c => c.path === 'staging/kustomization.yaml')!
    expect(changedLines(KUSTOMIZATION, k.content)).toEqual([
      [8, '    - ./cm-flux-2.2.2.yaml', '    - ./cm-flux-2.9.3.yaml'],
      [9, '    - cm-calico-v3.21.yaml', '    - cm-calico-v3.31.yaml'],
      [17, '        value: crs-cm-flux-2.2.2-staging', '        value: crs-cm-flux-2.9.3-staging'],
      [25, '          - name: "crs-cm-calico-v3.21"', '          - name: "crs-cm-calico-v3.31"']
    ])
    const crs = changes.find(c => c.path === 'staging/crs.yaml')!
    expect(changedLines(CRS, crs.content)).toEqual([
      [11, '  - name: crs-cm-calico-v3.21', '  - name: crs-cm-calico-v3.31']
    ])
    // prod lists its own file of the same name, which was not renamed; a string of prose is not a reference.
    expect(changes.map(c => c.path).sort()).toEqual(['staging/crs.yaml', 'staging/kustomization.yaml'])
    expect(followed).toEqual(
      expect.arrayContaining([
        {
          file: 'staging/kustomization.yaml',
          line: 8,
          kind: 'file',
          from: './cm-flux-2.2.2.yaml',
          to: './cm-flux-2.9.3.yaml'
        },
        {
          file: 'staging/kustomization.yaml',
          line: 17,
          kind: 'configmap',
          from: 'crs-cm-flux-2.2.2-staging',
          to: 'crs-cm-flux-2.9.3-staging'
        },
        {
          file: 'staging/crs.yaml',
          line: 11,
          kind: 'configmap',
          from: 'crs-cm-calico-v3.21',
          to: 'crs-cm-calico-v3.31'
        }
      ])
    )
  })

  it('follows a ConfigMap renamed inside a file whose name carries no version', () => {
    const { changes } = followReferences(
      tree,
      { files: [], configMaps: [{ from: 'crs-cm-calico-v3.21', to: ['crs-cm-calico-v3.31'] }] },
      new Set(['staging/cm-calico-v3.21.yaml'])
    )
    expect(changes.map(c => c.path).sort()).toEqual(['staging/crs.yaml', 'staging/kustomization.yaml'])
  })

  it('lists every part of a split ConfigMap where a ClusterResourceSet listed the original', () => {
    const { changes } = followReferences(
      tree,
      {
        files: [],
        configMaps: [
          { from: 'crs-cm-calico-v3.21', to: ['crs-cm-calico-v3.31-part-1', 'crs-cm-calico-v3.31-part-2'] }
        ]
      },
      new Set()
    )
    const crs = changes.find(c => c.path === 'staging/crs.yaml')!.content
    expect(crs).toBe(
      CRS.replace(
        '  - name: crs-cm-calico-v3.21\n    kind: ConfigMap\n',
        '  - name: crs-cm-calico-v3.31-part-1\n    kind: ConfigMap\n  - name: crs-cm-calico-v3.31-part-2\n    kind: ConfigMap\n'
      )
    )
  })

  it('lists every part in a flow-style list of entries too', () => {
    const flow = new WorkingTree([
      {
        path: 'crs.yaml',
        content:
          'kind: ClusterResourceSet\nspec:\n  resources: [{name: cm-v3.21, kind: ConfigMap}, {name: s, kind: Secret}]\n'
      }
    ])
    const { changes } = followReferences(
      flow,
      { files: [], configMaps: [{ from: 'cm-v3.21', to: ['cm-v3.31-part-1', 'cm-v3.31-part-2'] }] },
      new Set()
    )
    expect(changes[0].content).toBe(
      'kind: ClusterResourceSet\nspec:\n  resources: [{name: cm-v3.31-part-1, kind: ConfigMap}, {name: cm-v3.31-part-2, kind: ConfigMap}, {name: s, kind: Secret}]\n'
    )
  })

  it('changes nothing when nothing is renamed', () => {
    expect(followReferences(tree, { files: [], configMaps: [] }, new Set())).toEqual({
      changes: [],
      followed: []
    })
  })
})

describe('followReferences across a fleet', () => {
  it("follows each cluster's renames in time that does not grow with clusters times files", () => {
    const clusters = 300
    const manifest = 'kind: CustomResourceDefinition\n# a megabyte of manifests, no names\n'.repeat(4_000)
    const files = new Map<string, string>()
    for (let i = 0; i < clusters; i++) {
      files.set(
        `clusters/c${i}/crs.yaml`,
        `kind: ClusterResourceSet\nspec:\n  resources:\n    - name: crs-cm-flux-2.8.3-c${i}\n      kind: ConfigMap\n`
      )
      files.set(`clusters/c${i}/calico.yaml`, manifest + `# c${i}\n`)
    }
    const renames = {
      files: [],
      configMaps: Array.from({ length: clusters }, (_, i) => ({
        from: `crs-cm-flux-2.8.3-c${i}`,
        to: [`crs-cm-flux-2.9.3-c${i}`]
      }))
    }
    const start = performance.now()
    const r = followReferences(new WorkingTree(files), renames, new Set())
    // A search per name and file took 41 s here; one scan per file about 3 s.
    expect(performance.now() - start).toBeLessThan(15_000)
    expect(r.changes).toHaveLength(clusters)
    // A name with regex characters is matched literally: `.` in a version is no wildcard.
    expect(r.changes.find(c => c.path === 'clusters/c7/crs.yaml')?.content).toContain(
      '- name: crs-cm-flux-2.9.3-c7\n'
    )
    expect(r.followed.filter(f => f.file === 'clusters/c7/crs.yaml')).toEqual([
      {
        file: 'clusters/c7/crs.yaml',
        line: 4,
        kind: 'configmap',
        from: 'crs-cm-flux-2.8.3-c7',
        to: 'crs-cm-flux-2.9.3-c7'
      }
    ])
  })

  it('leaves a file that holds a name only with other characters where a regex would take any', () => {
    const tree = new WorkingTree(
      new Map([
        ['crs.yaml', 'kind: ClusterResourceSet\nspec:\n  resources:\n    - name: crs-cm-flux-2x8x3-c1\n']
      ])
    )
    const r = followReferences(
      tree,
      { files: [], configMaps: [{ from: 'crs-cm-flux-2.8.3-c1', to: ['x'] }] },
      new Set()
    )
    expect(r.changes).toEqual([])
  })

  it("follows names that start other names (c1, c10) and a file's several names, each to its own", () => {
    const crs = (names: string[]) =>
      `kind: ClusterResourceSet\nspec:\n  resources:\n${names.map(n => `    - name: ${n}\n      kind: ConfigMap\n`).join('')}`
    const tree = new WorkingTree(
      new Map([
        ['c1/crs.yaml', crs(['crs-cm-c1'])],
        ['c10/crs.yaml', crs(['crs-cm-c10'])],
        ['both/crs.yaml', crs(['crs-cm-c10', 'crs-cm-c1', 'other'])],
        ['c1/notes.yaml', 'note: |\n  crs-cm-c1 is named here in text only\n']
      ])
    )
    const r = followReferences(
      tree,
      {
        files: [],
        configMaps: [
          { from: 'crs-cm-c1', to: ['crs-cm-c1-new'] },
          { from: 'crs-cm-c10', to: ['crs-cm-c10-new'] }
        ]
      },
      new Set()
    )
    const content = (p: string) => r.changes.find(c => c.path === p)?.content
    expect(content('c1/crs.yaml')).toBe(crs(['crs-cm-c1-new']))
    expect(content('c10/crs.yaml')).toBe(crs(['crs-cm-c10-new']))
    expect(content('both/crs.yaml')).toBe(crs(['crs-cm-c10-new', 'crs-cm-c1-new', 'other']))
    expect(content('c1/notes.yaml')).toBeUndefined()
    expect(r.followed.filter(f => f.file === 'both/crs.yaml').map(f => [f.line, f.from])).toEqual([
      [4, 'crs-cm-c10'],
      [6, 'crs-cm-c1']
    ])
  })
})
