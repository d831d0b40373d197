import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import yaml from 'js-yaml'
import { renderKustomization } from '../../src/kustomize/render.js'
import { generateFleet } from '../../support/fleet.js'

/**
 * The in-process renderer held against `kubectl kustomize` (the renderer of record where it is installed) on every
 * kustomization of the generated home-lab fleet: the same objects, with the same content. Load restrictions off,
 * as kustomize-controller builds. Skipped where no kubectl is on PATH.
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
