import {
  builtinApiVersionsOf,
  builtinKinds,
  isRemovedBuiltin,
  validateBuiltin,
  type SchemaIssue
} from '../../../src/validate/schema/index.js'
import { describeIfFixtures, fixtureBundles, haveFixtures, readObjects, type K8sObject } from './fixtures.js'

const rules = (issues: SchemaIssue[]) => issues.map(i => [i.rule, i.path])
const issuesOf = (o: unknown) => {
  const result = validateBuiltin(o)
  expect(result.status).toBe('ok')
  return result.issues
}

const deployment = (): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, creationTimestamp: null },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.27',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
            resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.1, memory: '64Mi' } },
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' } }
          }
        ]
      }
    }
  }
})

const containerOf = (d: K8sObject) =>
  (d.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]

describe('builtinKinds', () => {
  test('covers the kinds a cluster bootstrap applies, keyed by apiVersion/kind', () => {
    const kinds = builtinKinds()
    for (const k of [
      'apps/v1/Deployment',
      'apps/v1/DaemonSet',
      'v1/Service',
      'v1/ConfigMap',
      'v1/Secret',
      'v1/ServiceAccount',
      'v1/Namespace',
      'v1/ResourceQuota',
      'rbac.authorization.k8s.io/v1/ClusterRole',
      'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
      'rbac.authorization.k8s.io/v1/Role',
      'rbac.authorization.k8s.io/v1/RoleBinding',
      'networking.k8s.io/v1/NetworkPolicy',
      'policy/v1/PodDisruptionBudget',
      'apiextensions.k8s.io/v1/CustomResourceDefinition',
      'scheduling.k8s.io/v1/PriorityClass',
      'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
      'batch/v1/CronJob',
      'storage.k8s.io/v1/StorageClass'
    ]) {
      expect(kinds).toContain(k)
    }
  })

  test('removed API versions are not served kinds, and say where the kind lives now', () => {
    const kinds = builtinKinds()
    expect(kinds).not.toContain('extensions/v1beta1/Deployment')
    expect(
      validateBuiltin({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'x' } })
    ).toEqual({
      status: 'unknown-kind',
      issues: []
    })
    expect(isRemovedBuiltin('extensions/v1beta1', 'Deployment')).toBe(true)
    expect(isRemovedBuiltin('policy/v1beta1', 'PodDisruptionBudget')).toBe(true)
    expect(isRemovedBuiltin('apps/v1', 'Deployment')).toBe(false)
    expect(builtinApiVersionsOf('Deployment')).toEqual(['apps/v1'])
    expect(builtinApiVersionsOf('PodDisruptionBudget')).toEqual(['policy/v1'])
  })

  test('custom resources and objects without apiVersion/kind are unknown kinds', () => {
    expect(validateBuiltin({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' }).status).toBe(
      'unknown-kind'
    )
    expect(validateBuiltin({ kind: 'Deployment' }).status).toBe('unknown-kind')
    expect(validateBuiltin('text').status).toBe('unknown-kind')
  })
})

describe('validateBuiltin', () => {
  test('a well-formed Deployment has no issues: int-or-string and quantities both ways, null timestamps', () => {
    expect(issuesOf(deployment())).toEqual([])
  })

  test('a misspelled container field is an unknown field at its exact path', () => {
    const d = deployment()
    const c = containerOf(d)
    delete c.imagePullPolicy
    c.imagePullPolcy = 'Always'
    const issues = issuesOf(d)
    expect(rules(issues)).toEqual([
      ['schema/unknown-field', ['spec', 'template', 'spec', 'containers', 0, 'imagePullPolcy']]
    ])
    expect(issues[0].message).toBe(
      'spec.template.spec.containers[0].imagePullPolcy: unknown field; did you mean "imagePullPolicy"?'
    )
    expect(issues[0].hint).toMatch(/^Fields allowed here: args, command, env, .*imagePullPolicy/)
  })

  test('enums, required fields, types, quantities and int-or-string are checked', () => {
    const d = deployment()
    const c = containerOf(d)
    c.imagePullPolicy = 'always'
    delete c.name
    c.resources = { limits: { memory: '1GB' } }
    c.livenessProbe = { httpGet: { port: true } }
    ;(d.spec as Record<string, unknown>).replicas = 'two'
    const issues = issuesOf(d)
    expect(rules(issues)).toEqual([
      ['schema/type', ['spec', 'replicas']],
      ['schema/required', ['spec', 'template', 'spec', 'containers', 0, 'name']],
      ['schema/enum', ['spec', 'template', 'spec', 'containers', 0, 'imagePullPolicy']],
      ['schema/format', ['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'memory']],
      ['schema/type', ['spec', 'template', 'spec', 'containers', 0, 'livenessProbe', 'httpGet', 'port']]
    ])
    expect(issues[0].message).toBe('spec.replicas: expected an integer, got the string "two"')
    expect(issues[2].message).toBe(
      'spec.template.spec.containers[0].imagePullPolicy: "always" is not one of: Always, IfNotPresent, Never'
    )
    expect(issues[3].message).toMatch(/"1GB" is not a valid quantity/)
  })

  test('integers are integers: replicas: 1.5 is a type error', () => {
    const d = deployment()
    ;(d.spec as Record<string, unknown>).replicas = 1.5
    expect(rules(issuesOf(d))).toEqual([['schema/type', ['spec', 'replicas']]])
  })

  test('a Deployment without a selector misses a required field', () => {
    const d = deployment()
    delete (d.spec as Record<string, unknown>).selector
    expect(rules(issuesOf(d))).toEqual([['schema/required', ['spec', 'selector']]])
  })

  test('Secret data must be base64; stringData is free text', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { a: 'plain text' }
    }
    expect(issuesOf({ ...secret, data: { token: 'dG9rZW4=' } })).toEqual([])
    expect(rules(issuesOf({ ...secret, data: { token: 'plain text' } }))).toEqual([
      ['schema/format', ['data', 'token']]
    ])
  })

  test('a CustomResourceDefinition is checked down its schema; values inside default/enum are any JSON', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    default: { size: 1, nested: { any: ['thing'] } },
                    required: ['size'],
                    properties: {
                      size: { type: 'integer', enum: [1, 2, 3] },
                      values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                      port: {
                        'x-kubernetes-int-or-string': true,
                        anyOf: [{ type: 'integer' }, { type: 'string' }]
                      },
                      labels: { type: 'object', additionalProperties: { type: 'string' } },
                      list: { type: 'array', items: { type: 'string' } }
                    }
                  }
                }
              }
            }
          }
        ]
      }
    }
    expect(issuesOf(crd)).toEqual([])
    const typo = structuredClone(crd)
    const spec = typo.spec.versions[0].schema.openAPIV3Schema.properties.spec as Record<string, unknown>
    spec.requried = spec.required
    delete spec.required
    const issues = issuesOf(typo)
    expect(rules(issues)).toEqual([
      [
        'schema/unknown-field',
        ['spec', 'versions', 0, 'schema', 'openAPIV3Schema', 'properties', 'spec', 'requried']
      ]
    ])
    expect(issues[0].message).toMatch(/did you mean "required"\?$/)
  })

  test('a Service type outside the enum suggests the right spelling', () => {
    const issues = issuesOf({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { type: 'Loadbalancer', ports: [{ port: 80 }] }
    })
    expect(rules(issues)).toEqual([['schema/enum', ['spec', 'type']]])
    expect(issues[0].hint).toBe('Did you mean "LoadBalancer"? Values are case-sensitive.')
  })
})

describeIfFixtures('every built-in object of every fixture', () => {
  const bundles = haveFixtures ? fixtureBundles() : []
  // The fixtures README: the Cluster API and CAPA e2e files are templates, and `data: ${CNI_RESOURCES}` becomes a
  // map only after substitution.
  const templates = new Set(['crs/capa-e2e-cluster-resource-set-cni.yaml', 'crs/capi-e2e-docker-crs.yaml'])
  const builtins = bundles.flatMap(b =>
    b.objects
      .filter(o => validateBuiltin(o).status === 'ok')
      .map(o => ({ bundle: b.name, o, template: templates.has(b.name) }))
  )

  test('includes the objects that matter: Flux controllers, calico-node, RBAC, Services, NetworkPolicies, CRDs', () => {
    const kinds = new Set(builtins.map(b => b.o.kind))
    for (const k of [
      'Deployment',
      'DaemonSet',
      'Service',
      'ClusterRole',
      'ClusterRoleBinding',
      'NetworkPolicy',
      'CustomResourceDefinition',
      'ServiceAccount',
      'ConfigMap',
      'Namespace'
    ]) {
      expect(kinds).toContain(k)
    }
    expect(builtins.some(b => b.o.kind === 'DaemonSet' && b.o.metadata?.name === 'calico-node')).toBe(true)
    expect(builtins.length).toBeGreaterThan(500)
  })

  test('validates with zero issues', () => {
    const found = builtins
      .filter(b => !b.template)
      .flatMap(b =>
        validateBuiltin(b.o).issues.map(i => `${b.bundle} ${b.o.kind}/${b.o.metadata?.name}: ${i.message}`)
      )
    expect(found).toEqual([])
  })

  test('the Cluster API templates fail exactly where the placeholder stands', () => {
    const templated = builtins.filter(b => b.template && validateBuiltin(b.o).issues.length > 0)
    expect(templated.map(b => [b.bundle, b.o.kind, rules(validateBuiltin(b.o).issues)])).toEqual([
      ['crs/capa-e2e-cluster-resource-set-cni.yaml', 'ConfigMap', [['schema/type', ['data']]]],
      ['crs/capi-e2e-docker-crs.yaml', 'ConfigMap', [['schema/type', ['data']]]]
    ])
  })

  test('the PodDisruptionBudget of Calico 3.21 uses policy/v1beta1, which Kubernetes removed', () => {
    const pdb = readObjects('calico/v3.21.5-extracted/calico-v3.21.yaml').find(
      o => o.kind === 'PodDisruptionBudget'
    )
    expect(pdb?.apiVersion).toBe('policy/v1beta1')
    expect(validateBuiltin(pdb).status).toBe('unknown-kind')
    expect(isRemovedBuiltin(pdb?.apiVersion ?? '', 'PodDisruptionBudget')).toBe(true)
  })
})
