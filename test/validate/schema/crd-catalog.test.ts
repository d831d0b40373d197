import {
  crdCatalog,
  validateCustomResource,
  type CrdCatalog,
  type SchemaIssue
} from '../../../src/validate/schema/index.js'
import { describeIfFixtures, fixtureBundles, haveFixtures, readObjects, type K8sObject } from './fixtures.js'
import { crdObject as crd, crdVersion as version } from '../../helpers/crds.js'

const rules = (issues: SchemaIssue[]) => issues.map(i => [i.rule, i.path])

describe('crdCatalog', () => {
  const widgetSchema = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: { type: 'object', properties: { size: { type: 'integer' } } }
    }
  }
  const catalog = crdCatalog([
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ignored' } },
    crd('example.com', 'Widget', [
      version('v1', widgetSchema, { storage: true }),
      version('v1beta1', widgetSchema, { deprecated: true, deprecationWarning: 'use v1' }),
      version('v1alpha1', widgetSchema, { served: false })
    ])
  ])

  test('reads CRDs, ignores other objects, and looks them up by group and kind or by apiVersion and kind', () => {
    expect(catalog.crds.map(c => c.crdName)).toEqual(['widgets.example.com'])
    const byGroup = catalog.byGroupKind('example.com', 'Widget')
    expect(byGroup).toMatchObject({
      group: 'example.com',
      kind: 'Widget',
      plural: 'widgets',
      scope: 'Namespaced'
    })
    expect(
      byGroup?.versions.map(v => [v.name, v.served, v.storage, v.deprecated, v.deprecationWarning])
    ).toEqual([
      ['v1', true, true, false, undefined],
      ['v1beta1', true, false, true, 'use v1'],
      ['v1alpha1', false, false, false, undefined]
    ])
    expect(catalog.byApiVersionKind('example.com/v1beta1', 'Widget')).toBe(byGroup)
    expect(catalog.byApiVersionKind('other.com/v1', 'Widget')).toBeUndefined()
    expect(catalog.byGroupKind('example.com', 'Gadget')).toBeUndefined()
  })

  test('a later definition of the same group and kind replaces the earlier one', () => {
    const later = crdCatalog([
      crd('example.com', 'Widget', [version('v1', undefined)]),
      crd('example.com', 'Widget', [version('v2', undefined)])
    ])
    expect(later.crds).toHaveLength(1)
    expect(later.byGroupKind('example.com', 'Widget')?.versions.map(v => v.name)).toEqual(['v2'])
  })

  test('validateCustomResource tells a missing CRD from a version it does not serve', () => {
    expect(
      validateCustomResource(catalog, { apiVersion: 'other.com/v1', kind: 'Widget', metadata: { name: 'w' } })
    ).toEqual({
      status: 'no-crd',
      issues: [],
      served: []
    })
    for (const v of ['v1alpha1', 'v2']) {
      expect(
        validateCustomResource(catalog, {
          apiVersion: `example.com/${v}`,
          kind: 'Widget',
          metadata: { name: 'w' }
        })
      ).toEqual({
        status: 'version-not-served',
        issues: [],
        served: ['v1', 'v1beta1']
      })
    }
  })

  test('the root accepts apiVersion, kind and an ObjectMeta, whatever the schema says of metadata', () => {
    const ok = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', labels: { a: 'b' } },
      spec: { size: 1 }
    }
    expect(validateCustomResource(catalog, ok)).toEqual({
      status: 'ok',
      issues: [],
      served: ['v1', 'v1beta1']
    })
    const bad = { ...ok, metadata: { name: 'w', lables: {} }, extra: 1, spec: { size: 'big' } }
    expect(rules(validateCustomResource(catalog, bad).issues)).toEqual([
      ['schema/unknown-field', ['metadata', 'lables']],
      ['schema/type', ['spec', 'size']],
      ['schema/unknown-field', ['extra']]
    ])
  })

  test('a version without a schema, or a v1beta1 CRD that preserves unknown fields, accepts any content', () => {
    const open = crdCatalog([
      crd('example.com', 'Free', [version('v1', undefined)]),
      {
        apiVersion: 'apiextensions.k8s.io/v1beta1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'olds.example.com' },
        spec: {
          group: 'example.com',
          version: 'v1',
          names: { kind: 'Old', plural: 'olds' },
          validation: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } }
        }
      }
    ])
    for (const kind of ['Free', 'Old']) {
      expect(
        validateCustomResource(open, {
          apiVersion: 'example.com/v1',
          kind,
          metadata: { name: 'x' },
          spec: { any: [1] }
        })
      ).toMatchObject({
        status: 'ok',
        issues: []
      })
    }
  })

  test('compileAll reports schema defects per CRD version', () => {
    const broken = crdCatalog([
      crd('example.com', 'Bad', [
        version('v1', { type: 'object', properties: { s: { type: 'string', pattern: '(?<=x)y' } } })
      ])
    ])
    expect(broken.compileAll()).toEqual([
      expect.objectContaining({
        crdName: 'bads.example.com',
        version: 'v1',
        schemaPath: ['properties', 's', 'pattern']
      })
    ])
  })
})

describeIfFixtures('the CRDs of the Flux and Calico fixtures', () => {
  const bundles = haveFixtures
    ? fixtureBundles().filter(b => b.objects.some(o => o.kind === 'CustomResourceDefinition'))
    : []

  test('every bundle with CRDs is covered: each Flux version and component set, each Calico manifest', () => {
    const names = bundles.map(b => b.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'flux/v2.9.3/default/gotk-components.yaml',
        'calico/v3.29.7/tigera-operator.yaml'
      ])
    )
    expect(names.filter(n => n.startsWith('flux/')).length).toBeGreaterThanOrEqual(9)
  })

  test.each(bundles.map(b => [b.name, b] as const))(
    '%s: every CRD version compiles without a schema problem',
    (_name, bundle) => {
      const crds = bundle.objects.filter(o => o.kind === 'CustomResourceDefinition')
      const catalog = crdCatalog(bundle.objects)
      expect(catalog.crds).toHaveLength(crds.length)
      expect(catalog.compileAll()).toEqual([])
      // A bare object of each served version can only lack required fields. (Named `default`: a singleton such
      // as BaselineAdminNetworkPolicy has a validation rule that demands it.)
      for (const c of catalog.crds) {
        for (const v of c.versions.filter(x => x.served)) {
          const bare = { apiVersion: `${c.group}/${v.name}`, kind: c.kind, metadata: { name: 'default' } }
          const result = validateCustomResource(catalog, bare)
          expect(result.status).toBe('ok')
          expect(result.issues.filter(i => i.rule !== 'schema/required')).toEqual([])
        }
      }
    }
  )
})

describeIfFixtures('custom resources against the real CRDs', () => {
  let flux: CrdCatalog
  let calico: CrdCatalog
  beforeAll(() => {
    flux = crdCatalog(readObjects('flux/v2.9.3/default/gotk-components.yaml'))
    calico = crdCatalog(readObjects('calico/v3.30.7/calico.yaml'))
  })

  const gitRepository = (spec: Record<string, unknown>): K8sObject => ({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'flux-system', namespace: 'flux-system' },
    spec: {
      interval: '1m0s',
      url: 'ssh://git@github.com/org/fleet',
      ref: { branch: 'main' },
      secretRef: { name: 'flux-system' },
      ...spec
    }
  })
  const kustomization = (spec: Record<string, unknown>): K8sObject => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'flux-system', namespace: 'flux-system' },
    spec: {
      interval: '10m0s',
      path: './clusters/mgmt',
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      ...spec
    }
  })
  const issuesOf = (catalog: CrdCatalog, o: K8sObject) => {
    const result = validateCustomResource(catalog, o)
    expect(result.status).toBe('ok')
    return result.issues
  }

  test('the sync objects flux bootstrap writes are valid', () => {
    expect(issuesOf(flux, gitRepository({}))).toEqual([])
    expect(issuesOf(flux, kustomization({ deletionPolicy: 'Delete', timeout: '5m' }))).toEqual([])
  })

  test('GitRepository: wrong types are schema/type at the field', () => {
    expect(rules(issuesOf(flux, gitRepository({ interval: 5 })))).toEqual([
      ['schema/type', ['spec', 'interval']]
    ])
    expect(rules(issuesOf(flux, gitRepository({ url: ['ssh://a', 'ssh://b'] })))).toEqual([
      ['schema/type', ['spec', 'url']]
    ])
  })

  test('GitRepository: interval: 5 minutes is not a duration', () => {
    const issues = issuesOf(flux, gitRepository({ interval: '5 minutes' }))
    expect(rules(issues)).toEqual([['schema/pattern', ['spec', 'interval']]])
    expect(issues[0].message).toMatch(
      /^spec\.interval: "5 minutes" is not a valid duration \(Go syntax, e\.g\. 5m, 1h30m\)/
    )
  })

  test('GitRepository without spec.url: schema/required at spec.url', () => {
    const o = gitRepository({})
    delete (o.spec as Record<string, unknown>).url
    expect(rules(issuesOf(flux, o))).toEqual([['schema/required', ['spec', 'url']]])
  })

  test('GitRepository: a misspelled field is unknown, with the field it probably meant', () => {
    const issues = issuesOf(flux, gitRepository({ ref: { brnach: 'main' } }))
    expect(rules(issues)).toEqual([['schema/unknown-field', ['spec', 'ref', 'brnach']]])
    expect(issues[0].message).toBe('spec.ref.brnach: unknown field; did you mean "branch"?')
  })

  test('Kustomization: a deletionPolicy outside the enum is schema/enum, listing the values', () => {
    const issues = issuesOf(flux, kustomization({ deletionPolicy: 'Keep' }))
    expect(rules(issues)).toEqual([['schema/enum', ['spec', 'deletionPolicy']]])
    expect(issues[0].message).toBe(
      'spec.deletionPolicy: "Keep" is not one of: MirrorPrune, Delete, WaitForTermination, Orphan'
    )
  })

  test('HelmRelease values preserve unknown fields: anything goes inside them', () => {
    const release: K8sObject = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'podinfo', namespace: 'default' },
      spec: {
        interval: '10m',
        chart: { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'podinfo' } } },
        values: { replicaCount: 2, ingress: { enabled: true, hosts: [{ host: 'x', paths: [null, 1] }] } }
      }
    }
    expect(issuesOf(flux, release)).toEqual([])
    const misplaced = structuredClone(release)
    ;(misplaced.spec as Record<string, unknown>).replicaCount = 2
    expect(rules(issuesOf(flux, misplaced))).toEqual([['schema/unknown-field', ['spec', 'replicaCount']]])
  })

  test('an API version Flux 2.9 no longer serves is version-not-served, with what is served', () => {
    const result = validateCustomResource(flux, {
      ...gitRepository({}),
      apiVersion: 'source.toolkit.fluxcd.io/v1beta2'
    })
    expect(result).toEqual({ status: 'version-not-served', issues: [], served: ['v1'] })
  })

  test('Flux 2.7 still serves it, deprecated', () => {
    const older = crdCatalog(readObjects('flux/v2.7.5/default/gotk-components.yaml'))
    const o = { ...gitRepository({}), apiVersion: 'source.toolkit.fluxcd.io/v1beta2' }
    expect(validateCustomResource(older, o)).toEqual({ status: 'ok', issues: [], served: ['v1', 'v1beta2'] })
    expect(
      older.byApiVersionKind(o.apiVersion, 'GitRepository')?.versions.find(v => v.name === 'v1beta2')
        ?.deprecated
    ).toBe(true)
  })

  test('Calico FelixConfiguration: (?i) patterns accept any case and reject other words', () => {
    const felix = (spec: object): K8sObject => ({
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'FelixConfiguration',
      metadata: { name: 'default' },
      spec
    })
    expect(issuesOf(calico, felix({ logSeverityScreen: 'debug', logSeverityFile: 'WARNING' }))).toEqual([])
    const issues = issuesOf(calico, felix({ logSeverityScreen: 'Verbose' }))
    expect(rules(issues)).toEqual([['schema/pattern', ['spec', 'logSeverityScreen']]])
    expect(issues[0].message).toBe(
      'spec.logSeverityScreen: "Verbose" does not match the pattern ^(?i)(Trace|Debug|Info|Warning|Error|Fatal)?$'
    )
  })

  test('Calico IPPool: natOutgoing must be a boolean, cidr is required', () => {
    const pool = (spec: object): K8sObject => ({
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'IPPool',
      metadata: { name: 'default-ipv4' },
      spec
    })
    expect(
      issuesOf(calico, pool({ cidr: '192.168.0.0/16', natOutgoing: true, ipipMode: 'Always', blockSize: 26 }))
    ).toEqual([])
    expect(rules(issuesOf(calico, pool({ natOutgoing: 'yes' })))).toEqual([
      ['schema/required', ['spec', 'cidr']],
      ['schema/type', ['spec', 'natOutgoing']]
    ])
  })

  test('Calico operator resources are valid against the operator CRDs; int-or-string accepted both ways', () => {
    const operator = crdCatalog(readObjects('calico/v3.29.7/tigera-operator.yaml'))
    const resources = readObjects('calico/v3.30.7/custom-resources.yaml')
    const installation = resources.find(o => o.kind === 'Installation') as K8sObject
    expect(issuesOf(operator, installation)).toEqual([])
    for (const maxUnavailable of [1, '10%']) {
      const o = structuredClone(installation)
      o.spec = {
        ...(o.spec as object),
        nodeUpdateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } }
      }
      expect(issuesOf(operator, o)).toEqual([])
    }
    const o = structuredClone(installation)
    o.spec = { ...(o.spec as object), nodeUpdateStrategy: { rollingUpdate: { maxUnavailable: true } } }
    expect(rules(issuesOf(operator, o))).toEqual([
      ['schema/type', ['spec', 'nodeUpdateStrategy', 'rollingUpdate', 'maxUnavailable']]
    ])
  })
})
