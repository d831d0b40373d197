import { parseDocuments } from '../../src/yaml/documents.js'
import { applyJsonPatch, JsonPatchError, parsePointer } from '../../src/kustomize/json-patch.js'
import { locateInTrace, traceOf, type Trace } from '../../src/kustomize/trace.js'
import { lineOf } from '../helpers/text.js'

/** A target document and a patch document, both parsed from text so that traces resolve to real lines. */
function setup(target: string, patch: string) {
  const [targetDoc] = parseDocuments(target, 'target.yaml')
  const [patchDoc] = parseDocuments(patch, 'patch.yaml')
  const trace: Trace = traceOf({ doc: targetDoc, path: [] })
  const apply = () =>
    applyJsonPatch(structuredClone(targetDoc.value), trace, patchDoc.value as unknown[], i => ({
      doc: patchDoc,
      path: [i, 'value']
    }))
  return { apply, trace }
}

describe('parsePointer', () => {
  it('unescapes ~1 to / and ~0 to ~, in that order', () => {
    expect(parsePointer('/metadata/annotations/example.com~1name')).toEqual([
      'metadata',
      'annotations',
      'example.com/name'
    ])
    expect(parsePointer('/a~0b')).toEqual(['a~b'])
    // `~01` is `~1` literally: ~0 must be decoded after ~1.
    expect(parsePointer('/~01')).toEqual(['~1'])
    expect(parsePointer('')).toEqual([])
  })

  it('refuses a pointer that does not start with /', () => {
    expect(() => parsePointer('spec/x')).toThrow('must start with "/"')
  })
})

describe('applyJsonPatch', () => {
  const crs = `apiVersion: addons.cluster.x-k8s.io/v1beta1
kind: ClusterResourceSet
metadata:
  name: calico
  annotations:
    example.com/owner: platform
spec:
  resources:
    - name: override-me
      kind: ConfigMap
`

  it('replaces a list element field and traces it to the patch line', () => {
    const patch = `- op: replace
  path: /spec/resources/0/name
  value: calico-staging
`
    const { apply, trace } = setup(crs, patch)
    const out = apply() as { spec: { resources: { name: string }[] } }
    expect(out.spec.resources[0].name).toBe('calico-staging')
    expect(locateInTrace(trace, ['spec', 'resources', 0, 'name'])).toMatchObject({
      file: 'patch.yaml',
      line: lineOf(patch, 'value: calico-staging')
    })
    // Untouched siblings still point at the target.
    expect(locateInTrace(trace, ['spec', 'resources', 0, 'kind'])).toMatchObject({
      file: 'target.yaml',
      line: lineOf(crs, 'kind: ConfigMap')
    })
  })

  it('appends with - and shifts nothing; inserts at an index and shifts the traces of later elements', () => {
    const patch = `- op: add
  path: /spec/resources/-
  value: {name: appended, kind: Secret}
- op: add
  path: /spec/resources/0
  value: {name: first, kind: ConfigMap}
`
    const { apply, trace } = setup(crs, patch)
    const out = apply() as { spec: { resources: { name: string }[] } }
    expect(out.spec.resources.map(r => r.name)).toEqual(['first', 'override-me', 'appended'])
    expect(locateInTrace(trace, ['spec', 'resources', 0, 'name'])?.line).toBe(lineOf(patch, 'name: first'))
    expect(locateInTrace(trace, ['spec', 'resources', 1, 'name'])).toMatchObject({
      file: 'target.yaml',
      line: lineOf(crs, 'name: override-me')
    })
    expect(locateInTrace(trace, ['spec', 'resources', 2])?.line).toBe(lineOf(patch, 'name: appended'))
  })

  it('addresses keys with / through ~1', () => {
    const patch = `- op: replace
  path: /metadata/annotations/example.com~1owner
  value: network
`
    const { apply } = setup(crs, patch)
    expect((apply() as { metadata: { annotations: Record<string, string> } }).metadata.annotations).toEqual({
      'example.com/owner': 'network'
    })
  })

  it('removes, moves, copies and tests', () => {
    const patch = `- op: test
  path: /spec/resources/0/kind
  value: ConfigMap
- op: copy
  from: /spec/resources/0
  path: /spec/resources/-
- op: move
  from: /metadata/annotations
  path: /metadata/labels
- op: remove
  path: /spec/resources/0
`
    const { apply } = setup(crs, patch)
    const out = apply() as { metadata: Record<string, unknown>; spec: { resources: unknown[] } }
    expect(out.spec.resources).toEqual([{ name: 'override-me', kind: 'ConfigMap' }])
    expect(out.metadata).toEqual({ name: 'calico', labels: { 'example.com/owner': 'platform' } })
  })

  it.each([
    ['replace of a missing key', '- op: replace\n  path: /spec/strategy\n  value: Reconcile\n', 0, 'path'],
    ['add under a missing parent', '- op: add\n  path: /spec/missing/child\n  value: 1\n', 0, 'path'],
    ['remove past the end', '- op: remove\n  path: /spec/resources/3\n', 0, 'path'],
    [
      'a failing test',
      '- op: add\n  path: /x\n  value: 1\n- op: test\n  path: /spec/resources/0/kind\n  value: Secret\n',
      1,
      'value'
    ],
    ['an unknown op', '- op: merge\n  path: /spec\n', 0, 'op']
  ])('fails on %s, naming the operation and its field', (_, patch, index, field) => {
    const { apply } = setup(crs, patch)
    let error: unknown
    try {
      apply()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(JsonPatchError)
    expect(error).toMatchObject({ index, field })
  })
})
