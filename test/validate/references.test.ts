import { existsSync } from 'node:fs'
import * as path from 'node:path'
import type { Finding } from '../../src/errors.js'
import { checkClusterResourceSets, validateReferences } from '../../src/validate/references.js'
import { renderKustomization } from '../../src/kustomize/render.js'
import { fixturesDir } from '../helpers/fixtures.js'
import { lineOf, linesOf, loadTree } from '../helpers/text.js'

const baseCrs = `apiVersion: addons.cluster.x-k8s.io/v1beta2
kind: ClusterResourceSet
metadata:
  name: calico
  namespace: capi-clusters
spec:
  strategy: Reconcile
  clusterSelector:
    matchLabels:
      cni: calico
  resources:
    - name: override-me
      kind: ConfigMap
`
const configMap = (name: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: capi-clusters
data:
  calico.yaml: |
    kind: DaemonSet
`
const overlay = (configMapName: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base
  - cm-calico.yaml
patches:
  - target:
      kind: ClusterResourceSet
      name: calico
    patch: |-
      - op: replace
        path: /spec/resources/0/name
        value: ${configMapName}
`

/** The fleet layout the project serves: a base CRS with a placeholder, and one overlay per environment. */
function fleet(overrides: Record<string, string> = {}): Map<string, string> {
  return new Map(
    Object.entries({
      'infrastructure/base/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - crs.yaml\n',
      'infrastructure/base/crs.yaml': baseCrs,
      'infrastructure/staging/kustomization.yaml': overlay('calico-staging'),
      'infrastructure/staging/cm-calico.yaml': configMap('calico-staging'),
      'infrastructure/production/kustomization.yaml': overlay('calico-production'),
      'infrastructure/production/cm-calico.yaml': configMap('calico-production'),
      ...overrides
    })
  )
}

const errors = (findings: Finding[]) => findings.filter(f => f.severity === 'error')
const byRule = (findings: Finding[], rule: string) => findings.filter(f => f.rule === rule)

describe('ClusterResourceSet references in a fleet with a base and overlays', () => {
  it('accepts a base placeholder that every overlay patches to its own ConfigMap', () => {
    const { findings, render } = validateReferences(fleet())
    expect(render.roots.map(r => r.dir)).toEqual(['infrastructure/production', 'infrastructure/staging'])
    expect(findings).toEqual([])
  })

  it('reports exactly one error, at the patch line, for an overlay that patches to a ConfigMap that does not exist', () => {
    const text = overlay('calico-prod')
    const { findings } = validateReferences(fleet({ 'infrastructure/production/kustomization.yaml': text }))
    expect(errors(findings)).toEqual([
      {
        severity: 'error',
        rule: 'crs/missing-resource',
        file: 'infrastructure/production/kustomization.yaml',
        line: lineOf(text, 'value: calico-prod'),
        column: text.split('\n')[lineOf(text, 'value: calico-prod') - 1].indexOf('calico-prod') + 1,
        message: expect.stringContaining(
          'ClusterResourceSet capi-clusters/calico names ConfigMap calico-prod'
        ),
        hint: expect.any(String)
      }
    ])
    expect(errors(findings)[0].message).toContain('kustomization infrastructure/production')
  })

  it('points at the base when an overlay leaves the placeholder unpatched', () => {
    const { findings } = validateReferences(
      fleet({
        'infrastructure/production/kustomization.yaml': 'resources:\n  - ../base\n  - cm-calico.yaml\n'
      })
    )
    expect(errors(findings).map(f => [f.rule, f.file, f.line])).toEqual([
      ['crs/missing-resource', 'infrastructure/base/crs.yaml', lineOf(baseCrs, 'name: override-me')]
    ])
  })

  it('follows a strategic-merge patch that replaces the resource list (custom resources are not merged by name)', () => {
    const patch = `apiVersion: addons.cluster.x-k8s.io/v1beta2
kind: ClusterResourceSet
metadata:
  name: calico
  namespace: capi-clusters
spec:
  resources:
    - name: calico-production
      kind: ConfigMap
`
    const { findings } = validateReferences(
      fleet({
        'infrastructure/production/kustomization.yaml':
          'resources:\n  - ../base\n  - cm-calico.yaml\npatches:\n  - path: crs-patch.yaml\n',
        'infrastructure/production/crs-patch.yaml': patch
      })
    )
    expect(findings).toEqual([])
  })

  it('explains a ConfigMap that kustomize renamed with a hash suffix', () => {
    const kustomization = `resources:
  - ../base
configMapGenerator:
  - name: calico-production
    namespace: capi-clusters
    files:
      - calico.yaml
patches:
  - target:
      kind: ClusterResourceSet
    patch: |-
      - op: replace
        path: /spec/resources/0/name
        value: calico-production
`
    const files = fleet({
      'infrastructure/production/kustomization.yaml': kustomization,
      'infrastructure/production/calico.yaml': 'kind: DaemonSet\n'
    })
    files.delete('infrastructure/production/cm-calico.yaml')
    const [error] = errors(validateReferences(files).findings)
    expect(error).toMatchObject({
      rule: 'crs/missing-resource',
      line: lineOf(kustomization, 'value: calico-production')
    })
    expect(error.message).toMatch(/renames that ConfigMap to calico-production-[a-z0-9]{10}/)
  })

  it('warns, rather than fails, when the ConfigMap is only defined by another kustomization', () => {
    const files = fleet()
    files.delete('infrastructure/production/cm-calico.yaml')
    files.set(
      'infrastructure/production/kustomization.yaml',
      overlay('calico-production').replace('  - cm-calico.yaml\n', '')
    )
    files.set('infrastructure/configmaps/kustomization.yaml', 'resources:\n  - cm.yaml\n')
    files.set('infrastructure/configmaps/cm.yaml', configMap('calico-production'))
    const { findings } = validateReferences(files)
    expect(errors(findings)).toEqual([])
    expect(byRule(findings, 'crs/resource-elsewhere')).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringContaining('kustomization infrastructure/configmaps')
      })
    ])
  })

  it('only notes a missing name when the kustomization uses features the renderer does not apply', () => {
    const files = fleet()
    files.set(
      'infrastructure/production/kustomization.yaml',
      overlay('calico-production').replace(
        '  - cm-calico.yaml\n',
        '  - https://example.com/org/repo//configmaps?ref=v1\n'
      )
    )
    const { findings } = validateReferences(files)
    expect(errors(findings)).toEqual([])
    expect(byRule(findings, 'crs/resource-unverified')).toEqual([
      expect.objectContaining({ severity: 'notice', file: 'infrastructure/production/kustomization.yaml' })
    ])
  })
})

describe('checkClusterResourceSets', () => {
  const render = (crs: string, ...more: string[]) =>
    renderKustomization(
      new Map([
        [
          'k/kustomization.yaml',
          `resources:\n  - crs.yaml\n${more.map((_, i) => `  - more-${i}.yaml\n`).join('')}`
        ],
        ['k/crs.yaml', crs],
        ...more.map((m, i) => [`k/more-${i}.yaml`, m] as [string, string])
      ]),
      'k'
    )!.objects

  it('warns about the ApplyOnce default at spec, and not about Reconcile', () => {
    const noStrategy = baseCrs.replace('  strategy: Reconcile\n', '').replace('override-me', 'calico')
    const findings = checkClusterResourceSets(render(noStrategy, configMap('calico')))
    expect(findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        rule: 'crs/apply-once',
        file: 'k/crs.yaml',
        line: lineOf(noStrategy, 'spec:')
      })
    ])
    expect(
      checkClusterResourceSets(render(baseCrs.replace('override-me', 'calico'), configMap('calico')))
    ).toEqual([])
  })

  it('resolves Secrets by kind, and only in the ClusterResourceSet namespace', () => {
    const crs = baseCrs.replace(
      '    - name: override-me\n      kind: ConfigMap\n',
      '    - name: token\n      kind: Secret\n    - name: calico\n'
    )
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: capi-clusters\n'
    const elsewhere = configMap('calico').replace('namespace: capi-clusters', 'namespace: other')
    const findings = checkClusterResourceSets(render(crs, secret, elsewhere))
    expect(findings.map(f => [f.rule, f.line])).toEqual([
      ['crs/missing-resource', lineOf(crs, 'name: calico', 'resources:')]
    ])
  })
})

const describeWithFixtures = existsSync(fixturesDir) ? describe : describe.skip
if (!existsSync(fixturesDir))
  console.log(`fixture tests skipped: ${fixturesDir} is absent (a fresh clone has no ../shared)`)

describeWithFixtures('real repositories (shared fixtures)', () => {
  it('seed-repo: warns about v1alpha3 and ApplyOnce, and finds calico-cni in the same namespace', () => {
    const files = loadTree(path.join(fixturesDir, 'seed-repo'))
    const cluster = files.get('infrastructure/control-plane-cluster/capi/cluster.yaml')!
    const { findings } = validateReferences(files)
    expect(findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        rule: 'crs/api-version-removed',
        file: 'infrastructure/control-plane-cluster/capi/cluster.yaml',
        line: lineOf(cluster, 'addons.cluster.x-k8s.io/v1alpha3'),
        message: expect.stringContaining('v1.5')
      }),
      expect.objectContaining({
        severity: 'warning',
        rule: 'crs/apply-once',
        file: 'infrastructure/control-plane-cluster/capi/cluster.yaml',
        line: lineOf(cluster, 'strategy: "ApplyOnce"')
      })
    ])
  })

  it('crs: skips the CAPI and CAPA templates with a notice, and warns about v1alpha4 and v1beta1', () => {
    const files = loadTree(path.join(fixturesDir, 'crs'))
    const { findings } = validateReferences(files)
    const of = (file: string, rule: string) => findings.filter(f => f.file === file && f.rule === rule)

    for (const template of ['capi-e2e-docker-crs.yaml', 'capa-e2e-cluster-resource-set-cni.yaml']) {
      expect(of(template, 'crs/template-skipped')).toEqual([expect.objectContaining({ severity: 'notice' })])
      expect(of(template, 'crs/missing-resource')).toEqual([])
    }
    const capa = files.get('capa-e2e-cluster-resource-set-cni.yaml')!
    expect(of('capa-e2e-cluster-resource-set-cni.yaml', 'crs/api-version-removed')).toEqual([
      expect.objectContaining({
        severity: 'warning',
        line: lineOf(capa, 'v1alpha4'),
        message: expect.stringContaining('v1.6')
      })
    ])
    expect(
      findings.filter(f => f.file === 'capi-e2e-docker-crs.yaml' && f.rule.startsWith('crs/api-version'))
    ).toEqual([])

    const capz = files.get('capz-calico-resource-set.yaml')!
    const v1beta1Lines = linesOf(capz, 'addons.cluster.x-k8s.io/v1beta1')
    expect(v1beta1Lines).toHaveLength(2)
    expect(of('capz-calico-resource-set.yaml', 'crs/api-version-deprecated').map(f => f.line)).toEqual(
      v1beta1Lines
    )
    expect(of('capz-calico-resource-set.yaml', 'crs/apply-once').map(f => f.line)).toEqual(
      linesOf(capz, 'strategy: "ApplyOnce"')
    )
    // The CAPZ file is not a template: its ConfigMaps come from elsewhere in CAPZ, so here they are missing.
    expect(of('capz-calico-resource-set.yaml', 'crs/missing-resource').map(f => f.line)).toEqual([
      lineOf(capz, 'name: calico-addon'),
      lineOf(capz, 'name: calico-ipv6-addon')
    ])
  })
})
