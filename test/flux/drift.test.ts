import { readFileSync } from 'node:fs'
import path from 'node:path'
import { compareWithPristine, driftEntries, hasDrift } from '../../src/flux/drift.js'
import { parseDocuments } from '../../src/yaml/documents.js'
import { describeWithFixtures, fixture, fixturesDir, Standins } from './standin.js'

const docs = (text: string, file = 'gotk-components.yaml') => parseDocuments(text, file)
const lineAt = (text: string, line: number) => text.split('\n')[line - 1]

describeWithFixtures('drift against the real fixtures', () => {
  const driftFile = 'flux-drift/v2.7.5-header-v2.8-images.yaml'
  let text: string
  let pristine: string
  beforeAll(() => {
    text = readFileSync(path.join(fixturesDir, driftFile), 'utf8')
    pristine = fixture('2.7.5', 'image')
  })

  it('reports each of the six hand-edited image tags with its file line', () => {
    const d = compareWithPristine(docs(text, driftFile), docs(pristine))
    expect(d.added).toEqual([])
    expect(d.removed).toEqual([])
    expect(d.changed.map(c => c.name)).toEqual([
      'source-controller',
      'kustomize-controller',
      'helm-controller',
      'notification-controller',
      'image-reflector-controller',
      'image-automation-controller'
    ])
    for (const c of d.changed) {
      expect(c).toMatchObject({
        kind: 'Deployment',
        namespace: 'flux-system',
        path: 'spec.template.spec.containers[0].image'
      })
      expect(String(c.now)).toMatch(new RegExp(`^ghcr\\.io/fluxcd/${c.name}:v\\d+\\.\\d+\\.\\d+$`))
      expect(c.now).not.toBe(c.was)
      expect(lineAt(text, c.line!)).toBe(`        image: ${c.now}`)
      expect(pristine).toContain(`        image: ${c.was}\n`)
    }
  })

  it('finds nothing in an unedited file', () => {
    expect(hasDrift(compareWithPristine(docs(pristine), docs(pristine)))).toBe(false)
  })
})

describe('drift', () => {
  const s = new Standins(null)
  afterAll(() => s.dispose())

  it('names changed, added and missing fields and whole objects, with file lines', async () => {
    const pristine = await (await s.cli('2.8.3')).installExport(['--namespace=flux-system'])
    const edited = pristine
      // A label value edited, a new label added, and the replicas removed from source-controller.
      .replace(
        '  name: kustomize-controller\n  namespace: flux-system\nspec:\n  replicas: 1\n',
        '  name: kustomize-controller\n  namespace: flux-system\nspec:\n  replicas: 2\n'
      )
      .replace(
        '    app.kubernetes.io/version: v2.8.3\n  name: allow-egress\n',
        '    app.kubernetes.io/version: v2.8.3\n    team: platform\n  name: allow-egress\n'
      )
      .replace(
        '  name: source-controller\n  namespace: flux-system\nspec:\n  replicas: 1\n',
        '  name: source-controller\n  namespace: flux-system\nspec:\n'
      )
      // One policy deleted, one object appended.
      .split('---\n')
      .filter(doc => !doc.includes('\n  name: allow-scraping\n'))
      .join('---\n')
      .concat('---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: flux-system\n')
    const d = compareWithPristine(docs(edited), docs(pristine))
    const at = (name: string, p: string) => d.changed.find(c => c.name === name && c.path === p)!

    expect(d.changed).toHaveLength(3)
    const replicas = at('kustomize-controller', 'spec.replicas')
    expect([replicas.was, replicas.now]).toEqual([1, 2])
    expect(lineAt(edited, replicas.line!)).toBe('  replicas: 2')
    const label = at('allow-egress', 'metadata.labels.team')
    expect([label.kind, label.was, label.now]).toEqual(['NetworkPolicy', undefined, 'platform'])
    expect(lineAt(edited, label.line!)).toBe('    team: platform')
    const gone = at('source-controller', 'spec.replicas')
    expect([gone.was, gone.now]).toEqual([1, undefined])

    expect(d.removed).toEqual([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        name: 'allow-scraping',
        namespace: 'flux-system'
      }
    ])
    expect(d.added).toHaveLength(1)
    expect(d.added[0]).toMatchObject({ kind: 'ConfigMap', name: 'extra', namespace: 'flux-system' })
    expect(lineAt(edited, d.added[0].line!)).toBe('apiVersion: v1')

    const entries = driftEntries(d)
    expect(entries).toHaveLength(5)
    expect(entries.slice(3).map(e => [e.name, e.path, e.was, e.now])).toEqual([
      ['extra', '', undefined, 'v1 ConfigMap'],
      ['allow-scraping', '', 'networking.k8s.io/v1 NetworkPolicy', undefined]
    ])
  })

  it('quotes keys that are not identifiers in paths', async () => {
    const pristine = await (await s.cli('2.9.3')).installExport(['--namespace=flux-system'])
    const edited = pristine.replace(
      '    app.kubernetes.io/version: v2.9.3\n    pod-security.kubernetes.io/warn: restricted\n',
      '    app.kubernetes.io/version: v2.9.4\n    pod-security.kubernetes.io/warn: restricted\n'
    )
    expect(compareWithPristine(docs(edited), docs(pristine)).changed).toEqual([
      {
        kind: 'Namespace',
        name: 'flux-system',
        path: 'metadata.labels["app.kubernetes.io/version"]',
        was: 'v2.9.3',
        now: 'v2.9.4',
        line: 11
      }
    ])
  })
})
