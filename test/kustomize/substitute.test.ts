import { substituteObject, substituteText, type Variables } from '../../src/kustomize/substitute.js'
import { parseDocuments } from '../../src/yaml/documents.js'
import type { RenderedObject } from '../../src/kustomize/resource.js'

/**
 * Flux's postBuild substitution as the validator makes it: what the repository gives a value is substituted and
 * read back as sigs.k8s.io/yaml reads it; anything the cluster may supply keeps its `${...}` (left unjudged).
 */

const vars = (values: Record<string, string>, complete = true): Variables => ({
  values: new Map(Object.entries(values)),
  complete
})

describe('substituteText', () => {
  it('replaces ${VAR} with the known value, several in one string', () => {
    expect(substituteText('${APP}.${DOMAIN}', vars({ APP: 'web', DOMAIN: 'example.org' }))).toBe(
      'web.example.org'
    )
  })

  it('leaves a string with an unknown variable whole (never a guess)', () => {
    expect(substituteText('${APP}.${DOMAIN}', vars({ APP: 'web' }))).toBeUndefined()
  })

  it('applies defaults only when every source of values is known', () => {
    expect(substituteText('${REPLICAS:=2}', vars({}))).toBe('2')
    expect(substituteText('${REPLICAS:-2}', vars({ REPLICAS: '' }))).toBe('2')
    expect(substituteText('${REPLICAS=2}', vars({ REPLICAS: '' }))).toBe('')
    expect(substituteText('${REPLICAS:=2}', vars({ REPLICAS: '5' }))).toBe('5')
    // A ConfigMap of substituteFrom the repository does not hold may set it.
    expect(substituteText('${REPLICAS:=2}', vars({}, false))).toBeUndefined()
  })

  it('leaves escapes ($${VAR}) and string functions (${VAR^^}) to the cluster', () => {
    expect(substituteText('$${APP}', vars({ APP: 'web' }))).toBeUndefined()
    expect(substituteText('${APP^^}', vars({ APP: 'web' }))).toBeUndefined()
  })

  it('substitutes only the braced form: $APP is text', () => {
    expect(substituteText('$APP-${APP}', vars({ APP: 'web' }))).toBe('$APP-web')
  })
})

/** A rendered object straight from one document, traced to it. */
function objectOf(text: string): RenderedObject {
  const doc = parseDocuments(text, 'app.yaml')[0]
  return {
    value: JSON.parse(JSON.stringify(doc.value)) as Record<string, unknown>,
    trace: { origin: { doc, path: [] } },
    source: { file: 'app.yaml', index: 0 },
    originalName: 'x',
    previousNames: []
  }
}

describe('substituteObject: values as the controller reads the substituted text back (YAML 1.1)', () => {
  const text = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: ${APP}',
    'spec:',
    '  replicas: ${REPLICAS}',
    '  paused: ${PAUSED}',
    '  template:',
    '    metadata:',
    '      labels:',
    '        quoted: "${REPLICAS}"',
    "        single: '${PAUSED}'",
    '        unknown: ${NOT_SET}',
    ''
  ].join('\n')

  it('an unquoted value becomes a number or a boolean; a quoted one stays a string', () => {
    const o = objectOf(text)
    substituteObject(o, vars({ APP: 'web', REPLICAS: '3', PAUSED: 'on' }, false))
    expect(o.value).toMatchObject({
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        paused: true,
        template: { metadata: { labels: { quoted: '3', single: 'on', unknown: '${NOT_SET}' } } }
      }
    })
  })

  it('a value that would change the YAML structure is not substituted (left unjudged)', () => {
    const o = objectOf(text)
    substituteObject(o, vars({ APP: 'a: b', REPLICAS: '[1]', PAUSED: 'x # y' }))
    expect(o.value).toMatchObject({
      metadata: { name: '${APP}' },
      spec: { replicas: '${REPLICAS}', paused: '${PAUSED}' }
    })
  })

  it('an object labelled kustomize.toolkit.fluxcd.io/substitute: disabled is left as written', () => {
    const o = objectOf(
      text.replace(
        '  name: ${APP}',
        '  name: ${APP}\n  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled'
      )
    )
    substituteObject(o, vars({ APP: 'web' }))
    expect(o.value).toMatchObject({ metadata: { name: '${APP}' } })
  })
})
