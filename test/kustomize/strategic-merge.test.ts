import { parseDocuments } from '../../src/yaml/documents.js'
import { applyStrategicMerge, isBuiltinApiVersion } from '../../src/kustomize/strategic-merge.js'
import { locateInTrace, traceOf } from '../../src/kustomize/trace.js'
import { lineOf } from '../helpers/text.js'

/** The fields these tests read; `unknown` where they only compare whole values. */
interface Deployment {
  spec: {
    replicas?: number
    resources?: unknown
    template: {
      spec: { containers: { name: string; image?: string; env?: unknown }[]; tolerations?: unknown }
    }
  }
}

function merge(target: string, patch: string) {
  const [targetDoc] = parseDocuments(target, 'deploy.yaml')
  const [patchDoc] = parseDocuments(patch, 'patch.yaml')
  const value = structuredClone(targetDoc.value) as Record<string, unknown>
  const trace = traceOf({ doc: targetDoc, path: [] })
  const kept = applyStrategicMerge(value, trace, patchDoc.value as Record<string, unknown>, {
    doc: patchDoc,
    path: []
  })
  return { value: value as unknown as Deployment, trace, kept }
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: calico-kube-controllers
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: calico-kube-controllers
          image: quay.io/calico/kube-controllers:v3.31.0
          env:
            - name: ENABLED_CONTROLLERS
              value: node
            - name: DATASTORE_TYPE
              value: kubernetes
        - name: sidecar
          image: busybox
      tolerations:
        - key: CriticalAddonsOnly
          operator: Exists
`

describe('applyStrategicMerge', () => {
  it('merges containers by name, env by name, and appends new elements', () => {
    const patch = `spec:
  template:
    spec:
      containers:
        - name: calico-kube-controllers
          image: quay.io/calico/kube-controllers:v3.31.7
          env:
            - name: DATASTORE_TYPE
              value: etcdv3
            - name: LOG_LEVEL
              value: debug
        - name: exporter
          image: exporter:1
`
    const { value, trace } = merge(deployment, patch)
    const containers = value.spec.template.spec.containers
    expect(containers.map(c => c.name)).toEqual(['calico-kube-controllers', 'sidecar', 'exporter'])
    expect(containers[0].image).toBe('quay.io/calico/kube-controllers:v3.31.7')
    expect(containers[0].env).toEqual([
      { name: 'ENABLED_CONTROLLERS', value: 'node' },
      { name: 'DATASTORE_TYPE', value: 'etcdv3' },
      { name: 'LOG_LEVEL', value: 'debug' }
    ])
    expect(containers[1]).toEqual({ name: 'sidecar', image: 'busybox' })
    // Fields the patch set point at the patch; the rest at the deployment.
    const path = ['spec', 'template', 'spec', 'containers']
    expect(locateInTrace(trace, [...path, 0, 'image'])).toMatchObject({
      file: 'patch.yaml',
      line: lineOf(patch, 'v3.31.7')
    })
    expect(locateInTrace(trace, [...path, 0, 'env', 1, 'value'])?.line).toBe(lineOf(patch, 'etcdv3'))
    expect(locateInTrace(trace, [...path, 0, 'env', 0, 'value'])).toMatchObject({
      file: 'deploy.yaml',
      line: lineOf(deployment, 'value: node')
    })
    expect(locateInTrace(trace, [...path, 2, 'image'])?.line).toBe(lineOf(patch, 'exporter:1'))
  })

  it('deletes list elements with $patch: delete and keys with null', () => {
    const patch = `spec:
  replicas: null
  template:
    spec:
      containers:
        - name: sidecar
          $patch: delete
`
    const { value } = merge(deployment, patch)
    expect(value.spec.replicas).toBeUndefined()
    expect(value.spec.template.spec.containers.map(c => c.name)).toEqual(['calico-kube-controllers'])
  })

  it('replaces lists that have no merge key (tolerations) and maps marked $patch: replace', () => {
    const patch = `spec:
  template:
    spec:
      tolerations:
        - operator: Exists
      $patch: replace
      containers:
        - name: only
          image: only:1
`
    const { value } = merge(deployment, patch)
    expect(value.spec.template.spec).toEqual({
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'only', image: 'only:1' }]
    })
  })

  it('replaces the lists of custom resources whole, as kustomize has no merge keys for their CRDs', () => {
    const crs = `apiVersion: addons.cluster.x-k8s.io/v1beta2
kind: ClusterResourceSet
metadata:
  name: calico
spec:
  resources:
    - name: override-me
      kind: ConfigMap
`
    const patch = `spec:
  resources:
    - name: calico-production
      kind: ConfigMap
`
    const { value, trace } = merge(crs, patch)
    expect(value.spec.resources).toEqual([{ name: 'calico-production', kind: 'ConfigMap' }])
    expect(locateInTrace(trace, ['spec', 'resources', 0, 'name'])).toMatchObject({
      file: 'patch.yaml',
      line: lineOf(patch, 'calico-production')
    })
  })

  it('reports a top-level $patch: delete as the object being removed', () => {
    expect(merge(deployment, '$patch: delete\n').kept).toBe(false)
    expect(merge(deployment, 'metadata:\n  labels:\n    a: b\n').kept).toBe(true)
  })
})

describe('isBuiltinApiVersion', () => {
  it.each([
    ['v1', true],
    ['apps/v1', true],
    ['rbac.authorization.k8s.io/v1', true],
    ['addons.cluster.x-k8s.io/v1beta1', false],
    ['projectcalico.org/v3', false],
    ['kustomize.toolkit.fluxcd.io/v1', false]
  ])('%s → %s', (apiVersion, builtin) => {
    expect(isBuiltinApiVersion(apiVersion)).toBe(builtin)
  })
})
