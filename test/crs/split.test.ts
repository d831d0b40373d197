import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import jsyaml from 'js-yaml'
import { FcuError } from '../../src/errors.js'
import { splitManifest } from '../../src/crs/split.js'
import { CONFIGMAP_MAX_BYTES, utf8Bytes } from '../../src/kubernetes/limits.js'
import { splitDocumentChunks } from '../../src/yaml/documents.js'
import { fixturesDir } from '../flux/standin.js'

const operatorPath = path.join(fixturesDir, 'calico/v3.29.7/tigera-operator.yaml')
const hasFixtures = existsSync(operatorPath)
if (!hasFixtures) console.log(`split fixture tests skipped: ${operatorPath} is absent`)
const withFixtures = hasFixtures ? describe : describe.skip

const BIG_CRD = 'installations.operator.tigera.io'
const objects = (text: string) =>
  jsyaml.loadAll(text).filter(Boolean) as { kind: string; metadata: { name: string } }[]
const ids = (text: string) => objects(text).map(o => `${o.kind}/${o.metadata.name}`)

withFixtures('tigera-operator.yaml (v3.29.7, 1.6 MB)', () => {
  const operator = () => readFileSync(operatorPath, 'utf8')

  it('cannot go into ConfigMaps: its Installation CRD alone is over the limit, and the error names it', () => {
    let error: unknown
    try {
      splitManifest({
        name: 'tigera',
        key: 'tigera-operator.yaml',
        content: operator(),
        file: 'cm.yaml',
        lineOffset: 3
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(FcuError)
    const e = error as FcuError
    expect(e.message).toMatch(
      new RegExp(
        `^cm\\.yaml: CustomResourceDefinition ${BIG_CRD} \\(document \\d+ of tigera-operator\\.yaml\\) is 1,1\\d\\d,\\d{3} bytes, more than the 1,048,576 bytes`
      )
    )
    const line =
      operator()
        .split('\n')
        .findIndex(l => l === `  name: ${BIG_CRD}`) + 1
    expect(e.location.file).toBe('cm.yaml')
    expect(e.location.line! - 3).toBeLessThan(line)
    expect(line - (e.location.line! - 3)).toBeLessThan(10)
  })

  it('without that CRD, splits into parts under the limit, CRDs first, every document whole and once', () => {
    const chunks = splitDocumentChunks(operator())
    const withoutBig = chunks
      .filter(c => !c.document.text.includes(`\n  name: ${BIG_CRD}\n`))
      .map(c => c.raw)
      .join('')
    expect(utf8Bytes(withoutBig)).toBeLessThan(CONFIGMAP_MAX_BYTES)
    // Under the limit: one part, the manifest itself.
    const one = splitManifest({ name: 'tigera', key: 'op.yaml', content: withoutBig, file: 'cm.yaml' })
    expect(one).toHaveLength(1)
    expect(one[0]).toMatchObject({ name: 'tigera', key: 'op.yaml', content: withoutBig })

    // Over a smaller limit: parts named -part-N, each under it.
    const limit = 400_000
    const parts = splitManifest({
      name: 'tigera',
      key: 'op.yaml',
      content: withoutBig,
      file: 'cm.yaml',
      limit
    })
    expect(parts.length).toBeGreaterThan(1)
    expect(parts.map(p => p.name)).toEqual(parts.map((_, i) => `tigera-part-${i + 1}`))
    for (const p of parts) {
      expect(p.bytes).toBe(utf8Bytes(p.content))
      expect(p.bytes).toBeLessThanOrEqual(limit)
      expect(p.key).toBe('op.yaml')
    }
    const all = parts.flatMap(p => ids(p.content))
    const original = ids(withoutBig)
    expect([...all].sort()).toEqual([...original].sort())
    const crds = original.filter(i => i.startsWith('CustomResourceDefinition/'))
    const rest = original.filter(i => !i.startsWith('CustomResourceDefinition/'))
    expect(all).toEqual([...crds, ...rest])
    expect(parts.flatMap(p => p.documents.map(d => `${d.kind}/${d.name}`))).toEqual(all)
    // Same input, same parts.
    expect(
      splitManifest({ name: 'tigera', key: 'op.yaml', content: withoutBig, file: 'cm.yaml', limit })
    ).toEqual(parts)
  })
})

describe('moving documents', () => {
  it('keeps each document byte for byte and separates moved ones', () => {
    const text =
      'kind: Deployment\nmetadata:\n  name: a\n---\n# crd\nkind: CustomResourceDefinition\nmetadata:\n  name: b\n---\nkind: Service\nmetadata:\n  name: c'
    const parts = splitManifest({ name: 'm', key: 'k', content: text, file: 'f', limit: 70 })
    expect(parts.map(p => p.content)).toEqual([
      '---\n# crd\nkind: CustomResourceDefinition\nmetadata:\n  name: b\n',
      'kind: Deployment\nmetadata:\n  name: a\n',
      '---\nkind: Service\nmetadata:\n  name: c'
    ])
    const packed = splitManifest({ name: 'm', key: 'k', content: text, file: 'f', limit: 130 })
    expect(packed.map(p => p.content)).toEqual([
      '---\n# crd\nkind: CustomResourceDefinition\nmetadata:\n  name: b\nkind: Deployment\nmetadata:\n  name: a\n'.replace(
        '\nkind: Deployment',
        '\n---\nkind: Deployment'
      ),
      '---\nkind: Service\nmetadata:\n  name: c'
    ])
    expect(packed.every(p => p.bytes <= 130)).toBe(true)
  })

  it('refuses part names that are no longer Kubernetes names', () => {
    const text = 'kind: A\n---\nkind: B\n'
    expect(() =>
      splitManifest({ name: 'x'.repeat(250), key: 'k', content: text, file: 'f', limit: 14 })
    ).toThrow(/part name x+-part-1 must be no more than 253 characters/)
  })
})
