import { collectObjects } from '../../src/validate/objects.js'
import { renderRepository } from '../../src/kustomize/render.js'
import { parseDocuments } from '../../src/yaml/documents.js'
import { deepFreeze, FREEZE_PARSED } from '../../src/yaml/readonly.js'

/** A tenant's Deployment: the `spec` block is the same text in every tenant (long enough to be shared). */
const deployment = (namespace: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${namespace}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ghcr.io/example/web:1.0.0
          args:
            - --listen=:8080
            - --log-level=info
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 64Mi
`

type Spec = {
  replicas: number
  template: { spec: { containers: { image: string; args: string[] }[] } }
}
const specOf = (v: unknown): Spec => (v as { spec: Spec }).spec

describe('parsed values are read-only', () => {
  it('are frozen throughout the test suite (test/setup/freeze-parsed.ts), so a write anywhere fails a test', () => {
    expect(FREEZE_PARSED).toBe(true)
  })

  it('a block shared by two documents cannot be changed through one of them', () => {
    const { objects } = collectObjects([
      { path: 'tenants/a.yaml', content: deployment('team-a') },
      { path: 'tenants/b.yaml', content: deployment('team-b') }
    ])
    const [a, b] = objects.map(o => specOf(o.value))
    // The two documents differ (their namespaces); their `spec` is one value.
    expect(a).toBe(b)
    expect(() => {
      a.replicas = 9
    }).toThrow(TypeError)
    expect(() => a.template.spec.containers[0].args.push('--debug')).toThrow(TypeError)
    expect(() => a.template.spec.containers[0].args.sort()).toThrow(TypeError)
    expect(() => {
      delete (a.template.spec.containers[0] as Partial<{ image: string }>).image
    }).toThrow(TypeError)
    expect(b.replicas).toBe(2)
    expect(b.template.spec.containers[0]).toEqual({
      name: 'web',
      image: 'ghcr.io/example/web:1.0.0',
      args: ['--listen=:8080', '--log-level=info'],
      ports: [{ containerPort: 8080 }],
      resources: { requests: { cpu: '100m', memory: '64Mi' } }
    })
  })

  it('documents of the same text share one frozen value; what js-yaml reads (anchors) is frozen too', () => {
    const { objects } = collectObjects([
      { path: 'one.yaml', content: deployment('same') },
      { path: 'two.yaml', content: deployment('same') }
    ])
    expect(objects[0].value).toBe(objects[1].value)
    expect(Object.isFrozen(objects[0].value)).toBe(true)
    const [doc] = parseDocuments('a: &x {b: [1, 2]}\nc: *x\n', 'anchors.yaml')
    const value = doc.value as { a: { b: number[] }; c: { b: number[] } }
    expect(value.a).toBe(value.c)
    expect(() => value.c.b.push(3)).toThrow(TypeError)
  })

  it('a kustomize patch edits a copy: the other document sharing the block is unchanged', () => {
    const base = deployment('team-a')
    const other = deployment('team-b')
    const files = [
      { path: 'base/deployment.yaml', content: base },
      {
        path: 'base/kustomization.yaml',
        content: `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
patches:
  - patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        replicas: 5
        template:
          spec:
            containers:
              - name: web
                image: ghcr.io/example/web:2.0.0
                args:
                  - --log-level=debug
`
      },
      { path: 'other/deployment.yaml', content: other }
    ]
    // As the validator does: every file parsed once in one run, and the renderer handed those documents.
    const { documents } = collectObjects(files)
    const [baseDoc] = documents.get('base/deployment.yaml')!
    const [otherDoc] = documents.get('other/deployment.yaml')!
    expect(specOf(baseDoc.value)).toBe(specOf(otherDoc.value))

    const render = renderRepository(new Map([...documents]))
    const patched = render.kustomizations.find(k => k.dir === 'base')!.objects[0].value
    expect(specOf(patched).replicas).toBe(5)
    expect(specOf(patched).template.spec.containers[0].image).toBe('ghcr.io/example/web:2.0.0')

    for (const doc of [baseDoc, otherDoc]) {
      expect(specOf(doc.value).replicas).toBe(2)
      expect(specOf(doc.value).template.spec.containers[0].image).toBe('ghcr.io/example/web:1.0.0')
      expect(specOf(doc.value).template.spec.containers[0].args).toEqual([
        '--listen=:8080',
        '--log-level=info'
      ])
    }
    expect(parseDocuments(other, 'other/deployment.yaml')[0].value).toEqual(otherDoc.value)
  })
})

describe('deepFreeze', () => {
  it('freezes every level, follows cycles, and stops at what is frozen already', () => {
    const inner = Object.freeze({ left: { unfrozen: true } })
    const cycle: { self?: unknown; list: object[]; inner: object } = { list: [{ n: 1 }], inner }
    cycle.self = cycle
    deepFreeze(cycle)
    expect(Object.isFrozen(cycle)).toBe(true)
    expect(Object.isFrozen(cycle.list)).toBe(true)
    expect(Object.isFrozen(cycle.list[0])).toBe(true)
    // A frozen value is taken as frozen through: the loaders are the only ones to freeze, and they freeze all.
    expect(Object.isFrozen(inner.left)).toBe(false)
  })
})
