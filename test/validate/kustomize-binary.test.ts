import type { Exec } from '../../src/deps.js'
import { buildWithBinary, findKustomizeBinary } from '../../src/validate/kustomize-binary.js'
import { renderKustomization } from '../../src/kustomize/render.js'
import { locateField } from '../../src/kustomize/resource.js'
import { lineOf } from '../helpers/text.js'

const crs = `apiVersion: addons.cluster.x-k8s.io/v1beta2
kind: ClusterResourceSet
metadata:
  name: addons
spec:
  resources:
    - name: from-a-component
      kind: ConfigMap
`
const files = new Map([
  ['k/kustomization.yaml', 'resources:\n  - crs.yaml\ncomponents:\n  - ../component\n'],
  ['k/crs.yaml', crs]
])

/** A kustomize that prints what the real one would, recording how it was called. */
function fakeKustomize(stdout: string, exitCode = 0, stderr = '') {
  const calls: { file: string; args: string[]; cwd?: string }[] = []
  const exec: Exec = async (file, args, options) => {
    calls.push({ file, args, cwd: options?.cwd })
    return { exitCode, stdout, stderr }
  }
  return { exec, calls }
}

describe('findKustomizeBinary', () => {
  it('prefers kustomize and falls back to kubectl', async () => {
    const on =
      (...present: string[]) =>
      async (name: string) =>
        present.includes(name) ? `/usr/bin/${name}` : undefined
    expect(await findKustomizeBinary(on('kustomize', 'kubectl'))).toEqual({
      kind: 'kustomize',
      path: '/usr/bin/kustomize'
    })
    expect(await findKustomizeBinary(on('kubectl'))).toEqual({ kind: 'kubectl', path: '/usr/bin/kubectl' })
    expect(await findKustomizeBinary(on())).toBeUndefined()
  })
})

describe('buildWithBinary', () => {
  const render = renderKustomization(files, 'k')!

  it('takes the objects from the real build and their source lines from the in-process render', async () => {
    expect(render.complete).toBe(false)
    const built = `apiVersion: v1
kind: ConfigMap
metadata:
  name: from-a-component
---
${crs}`
    const { exec, calls } = fakeKustomize(built)
    const result = await buildWithBinary({ kind: 'kubectl', path: '/usr/bin/kubectl' }, render, '/repo', exec)
    expect(calls).toEqual([{ file: '/usr/bin/kubectl', args: ['kustomize', 'k'], cwd: '/repo' }])
    expect(result.complete).toBe(true)
    expect(result.objects.map(o => o.value.kind)).toEqual(['ConfigMap', 'ClusterResourceSet'])
    expect(locateField(result.objects[1], ['spec', 'resources', 0, 'name'])).toMatchObject({
      file: 'k/crs.yaml',
      line: lineOf(crs, 'from-a-component')
    })
    // An object only the real build has points at the kustomization.
    expect(locateField(result.objects[0], ['metadata', 'name'])).toMatchObject({
      file: 'k/kustomization.yaml',
      line: 1
    })
  })

  it('turns a failing build into an error on the kustomization', async () => {
    const { exec } = fakeKustomize('', 1, 'Error: accumulating components: no such directory\n')
    const result = await buildWithBinary({ kind: 'kustomize', path: 'kustomize' }, render, '/repo', exec)
    expect(result.objects).toEqual([])
    expect(result.findings).toEqual([
      expect.objectContaining({
        severity: 'error',
        rule: 'kustomize/build-failed',
        file: 'k/kustomization.yaml',
        message: expect.stringContaining('kustomize build k failed: Error: accumulating components')
      })
    ])
  })
})
