import { renderKustomization, renderRepository } from '../../src/kustomize/render.js'
import { locateField } from '../../src/kustomize/resource.js'
import { lineOf } from '../helpers/text.js'

const names = (objects: { value: Record<string, unknown> }[]) =>
  objects.map(o => {
    const meta = o.value.metadata as Record<string, unknown>
    return `${String(o.value.kind)}/${meta.namespace ? `${String(meta.namespace)}/` : ''}${String(meta.name)}`
  })

describe('components and namespace placeholders, as kustomize builds them', () => {
  const component = [
    'apiVersion: kustomize.config.k8s.io/v1alpha1',
    'kind: Component',
    'resources:',
    '  - namespace.yaml',
    'patches:',
    '  - target:',
    '      kind: Deployment',
    '    patch: |-',
    '      - op: add',
    '        path: /metadata/labels',
    '        value: { tier: apps }',
    ''
  ].join('\n')
  const placeholder = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: _\n'
  const app = 'namespace: media\nresources:\n  - deploy.yaml\ncomponents:\n  - ../../components/common\n'
  const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n'
  const files = new Map([
    ['components/common/kustomization.yaml', component],
    ['components/common/namespace.yaml', placeholder],
    ['apps/media/kustomization.yaml', app],
    ['apps/media/deploy.yaml', deploy]
  ])

  it("adds a component's resources and renames the `_` Namespace to the kustomization's namespace", () => {
    const render = renderKustomization(files, 'apps/media')!
    expect(render.complete).toBe(true)
    expect(names(render.objects)).toEqual(['Deployment/media/web', 'Namespace/media'])
    const ns = render.objects.find(o => o.value.kind === 'Namespace')!
    // The name now comes from the kustomization's `namespace:` line; the object from the component's file.
    expect(locateField(ns, ['metadata', 'name'])).toMatchObject({
      file: 'apps/media/kustomization.yaml',
      line: lineOf(app, 'namespace:')
    })
    expect(locateField(ns, ['kind'])).toMatchObject({ file: 'components/common/namespace.yaml', line: 2 })
    expect(ns.previousNames).toContain('_')
  })

  it("applies the component's patches to the parent's objects", () => {
    const render = renderKustomization(files, 'apps/media')!
    const web = render.objects.find(o => o.value.kind === 'Deployment')!
    expect((web.value.metadata as Record<string, unknown>).labels).toEqual({ tier: 'apps' })
  })

  it('does not build a component on its own, nor count it as a root', () => {
    const render = renderRepository(files)
    expect(render.kustomizations.map(k => k.dir)).toEqual(['apps/media'])
    expect(render.roots.map(k => k.dir)).toEqual(['apps/media'])
    expect(render.plainObjects).toEqual([])
  })
})
