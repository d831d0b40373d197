import type { Exec } from '../../src/deps.js'
import {
  buildWithBinary,
  findKustomizeBinary,
  referencesWithBinary,
  withRecheck
} from '../../src/validate/kustomize-binary.js'
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
    // Load restrictions off, as kustomize-controller builds.
    expect(calls).toEqual([
      {
        file: '/usr/bin/kubectl',
        args: ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', 'k'],
        cwd: '/repo'
      }
    ])
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
        message: expect.stringContaining(
          'kustomize build --load-restrictor LoadRestrictionsNone k failed: Error: accumulating components'
        )
      })
    ])
  })
})

describe('referencesWithBinary', () => {
  // Six kustomizations the in-process renderer cannot complete (replacements), one of which fails to build.
  const many = new Map<string, string>()
  for (let i = 0; i < 6; i++) {
    many.set(`r${i}/kustomization.yaml`, 'resources:\n  - cm.yaml\nreplacements: []\n')
    many.set(`r${i}/cm.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n`)
  }

  it('builds each root once, a few at a time, and says which built and which failed', async () => {
    let running = 0
    let most = 0
    const dirs: string[] = []
    const exec: Exec = async (_file, args) => {
      const dir = args[args.length - 1]
      dirs.push(dir)
      running++
      most = Math.max(most, running)
      await new Promise(r => setTimeout(r, 20))
      running--
      return dir === 'r3'
        ? { exitCode: 1, stdout: '', stderr: 'Error: boom' }
        : { exitCode: 0, stdout: many.get(`${dir}/cm.yaml`)!, stderr: '' }
    }
    const recheck = await referencesWithBinary(many, { kind: 'kubectl', path: 'kubectl' }, '/repo', exec)
    expect(dirs.sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5'])
    expect(most).toBeGreaterThan(1)
    expect(most).toBeLessThanOrEqual(4)
    expect(recheck?.failed).toEqual(['r3/kustomization.yaml'])
    expect(recheck?.rebuilt).toHaveLength(5)
    expect(recheck?.rebuilt).not.toContain('r3/kustomization.yaml')

    // No advice to install kustomize where it built the kustomization; the failed one keeps it.
    const notices = recheck!.superseded
    expect(notices).toHaveLength(5)
    const failedNotice = { ...notices[0], file: 'r3/kustomization.yaml' }
    const after = withRecheck([...notices, failedNotice], recheck!)
    const about = (file: string) => after.filter(f => f.file === file && f.rule === 'kustomize/unsupported')
    const [rewritten] = about(notices[0].file!)
    expect(rewritten.message).toContain(
      'replacements is not applied by this validator; kubectl built this kustomization'
    )
    expect(rewritten).not.toHaveProperty('hint')
    expect(about('r3/kustomization.yaml')[0].hint).toMatch(/Install kustomize/)
    expect(after.filter(f => f.rule === 'kustomize/build-failed').map(f => f.file)).toEqual([
      'r3/kustomization.yaml'
    ])
  })
})
