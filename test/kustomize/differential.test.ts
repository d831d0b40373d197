import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import yaml from 'js-yaml'
import { KustomizeRenderer, renderKustomization, renderRepository } from '../../src/kustomize/render.js'
import { generateFleet } from '../../support/fleet.js'

/**
 * The in-process renderer held against `kubectl kustomize` (the renderer of record where it is installed) on every
 * kustomization of the generated home-lab fleet, and on what each of its Flux Kustomizations builds: the same
 * objects, with the same content. Load restrictions off, as kustomize-controller builds. Skipped where no kubectl
 * is on PATH.
 */

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0
const describeIf = kubectl ? describe : describe.skip
if (!kubectl) console.log('differential kustomize tests skipped: no kubectl on PATH')

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }

const id = (o: Obj): string => `${o.kind ?? ''} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`

/** The objects sorted by kind, namespace and name, as plain JSON values. */
const sorted = (objects: readonly unknown[]): Obj[] =>
  (JSON.parse(JSON.stringify(objects)) as Obj[]).sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0))

describeIf('the in-process renderer against kubectl kustomize', () => {
  const files = generateFleet()
  const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-diff-'))
  for (const [p, content] of files) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true })
    writeFileSync(path.join(root, p), content)
  }
  // A Component is built only as part of a kustomization that uses it.
  const dirs = [...files]
    .filter(([p, text]) => /(^|\/)kustomization\.yaml$/.test(p) && !/^kind: Component$/m.test(text))
    .map(([p]) => path.posix.dirname(p))
    .sort()

  it('builds every kustomization of the fleet (a dozen or more)', () => {
    expect(dirs.length).toBeGreaterThan(12)
  })

  it.each(dirs)('%s: the same objects with the same content', dir => {
    const out = execFileSync('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', dir], {
      cwd: root,
      encoding: 'utf8'
    })
    const expected = sorted(yaml.loadAll(out).filter(d => d !== null))
    const render = renderKustomization(files, dir)
    expect(render?.findings.filter(f => f.severity === 'error')).toEqual([])
    const actual = sorted(render!.objects.map(o => o.value))
    expect(actual.map(id)).toEqual(expected.map(id))
    expect(actual).toEqual(expected)
  })
})

/** Writes the fleet under a fresh directory. */
function writeFleet(files: ReadonlyMap<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-diff-flux-'))
  for (const [p, content] of files) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true })
    writeFileSync(path.join(root, p), content)
  }
  return root
}

/**
 * The kustomization.yaml fluxcd/pkg's generator writes over `dir` (written here on its own, as the oracle): the
 * path's own with the Flux settings set, or one listing the manifests under the path.
 */
function generatorKustomization(root: string, dir: string, spec: Record<string, unknown>): string {
  const file = path.join(root, dir, 'kustomization.yaml')
  const walk = (rel: string): string[] =>
    readdirSync(path.join(root, dir, rel), { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .flatMap(e => {
        const p = rel === '' ? e.name : `${rel}/${e.name}`
        if (e.isDirectory())
          return existsSync(path.join(root, dir, p, 'kustomization.yaml')) ? [`./${p}`] : walk(p)
        return /\.ya?ml$/.test(e.name) && e.name !== '.sops.yaml' ? [`./${p}`] : []
      })
  const k = (existsSync(file) ? yaml.load(readFileSync(file, 'utf8')) : { resources: walk('') }) as Record<
    string,
    unknown
  >
  if (typeof spec.targetNamespace === 'string') k.namespace = spec.targetNamespace
  if (typeof spec.namePrefix === 'string') k.namePrefix = spec.namePrefix
  if (typeof spec.nameSuffix === 'string') k.nameSuffix = spec.nameSuffix
  for (const field of ['patches', 'components'])
    if (Array.isArray(spec[field]))
      k[field] = [...((k[field] as unknown[]) ?? []), ...(spec[field] as unknown[])]
  return yaml.dump(k)
}

describeIf('what each Flux Kustomization of the fleet builds, against kubectl kustomize', () => {
  const files = generateFleet()
  const builds = renderRepository(files).roots.flatMap(k => (k.flux ? [k.flux] : []))

  it('covers the Flux builds of the fleet: generated kustomizations and settings over existing ones', () => {
    expect(builds.length).toBeGreaterThan(10)
    expect(builds.map(b => b.name)).toEqual(
      expect.arrayContaining([
        'flux-system/flux-system',
        'flux-system/cluster-apps',
        'flux-system/infrastructure'
      ])
    )
  })

  it.each(builds.map(b => [b.name, b] as const))('%s: the same objects before substitution', (_, build) => {
    const root = writeFleet(files)
    writeFileSync(
      path.join(root, build.dir, 'kustomization.yaml'),
      generatorKustomization(root, build.dir, build.overlay.value as Record<string, unknown>)
    )
    const out = execFileSync(
      'kubectl',
      ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', build.dir || '.'],
      { cwd: root, encoding: 'utf8' }
    )
    const expected = sorted(yaml.loadAll(out).filter(d => d !== null))
    const render = new KustomizeRenderer(files).buildFlux({ ...build, vars: undefined })
    expect(render.findings.filter(f => f.severity === 'error')).toEqual([])
    const actual = sorted(render.objects.map(o => o.value))
    expect(actual.map(id)).toEqual(expected.map(id))
    expect(actual).toEqual(expected)
  })
})
