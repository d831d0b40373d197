import { celValue, compileRule, fieldPathSegments } from '../../../src/validate/schema/cel.js'

const holds = (rule: string, self: unknown) => {
  const compiled = compileRule(rule)
  if (!compiled.ok) throw new Error(compiled.reason)
  return compiled.holds(self)
}

describe('CEL validation rules', () => {
  it.each([
    [
      '(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))',
      { chartRef: {} },
      true
    ],
    ['(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))', {}, false],
    [
      "!has(self.verify) || self.sourceRef.kind == 'HelmRepository'",
      { verify: {}, sourceRef: { kind: 'Bucket' } },
      false
    ],
    [
      "self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0)",
      { type: 'generic-oidc', oidcProviders: [] },
      false
    ],
    ["self.contains(':') != self.contains('.')", '10.0.0.0/8', true],
    ["self.contains(':') != self.contains('.')", 'not-a-cidr', false],
    ['!(self.to.exists(peer, has(peer.networks) || has(peer.nodes)))', { to: [{ nodes: {} }] }, false]
  ])('evaluates %s', (rule, self, expected) => {
    expect(holds(rule, celValue(self, undefined))).toBe(expected)
  })

  it('leaves transition rules (oldSelf) unchecked: there is no stored object to compare with', () => {
    expect(compileRule('self.url == oldSelf.url')).toEqual({
      ok: false,
      reason: expect.stringContaining('transition')
    })
  })

  it('leaves a rule unchecked when it cannot be evaluated here, instead of reporting it', () => {
    // isURL is a Kubernetes library function; (?i) is RE2 syntax JavaScript regular expressions lack.
    expect(holds('isURL(self)', 'https://example.com')).toBeUndefined()
    expect(holds("self.matches('^(?i)drop$')", 'DROP')).toBeUndefined()
    // A rule that does not give a boolean decides nothing either.
    expect(holds('self.size()', 'abc')).toBeUndefined()
    expect(compileRule('self.a ==')).toEqual({
      ok: false,
      reason: expect.stringContaining('cannot evaluate')
    })
  })

  it('gives integers and numbers the CEL types their schema declares', () => {
    const schema = {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        ratio: { type: 'number' },
        list: { type: 'array', items: { type: 'integer' } }
      }
    }
    expect(celValue({ replicas: 3, ratio: 1, list: [1, 2], free: 4, half: 0.5 }, schema)).toEqual({
      replicas: 3n,
      ratio: 1,
      list: [1n, 2n],
      free: 4n,
      half: 0.5
    })
    expect(
      holds('self.replicas * 2 == 6 && self.ratio / 2.0 == 0.5', celValue({ replicas: 3, ratio: 1 }, schema))
    ).toBe(true)
  })

  it('applies schema defaults and drops pruned nulls first, as the API server does before its rules run', () => {
    const schema = {
      type: 'object',
      properties: {
        mode: { type: 'string', default: 'Auto' },
        limits: { type: 'object', default: {}, properties: { max: { type: 'integer', default: 10 } } },
        note: { type: 'string' },
        kept: { type: 'string', nullable: true }
      }
    }
    expect(celValue({ note: null, kept: null }, schema)).toEqual({
      mode: 'Auto',
      limits: { max: 10n },
      kept: null
    })
    // A rule that asks for a defaulted field holds, as it does on the cluster.
    expect(
      holds("has(self.mode) && self.mode == 'Auto' && self.limits.max == 10", celValue({}, schema))
    ).toBe(true)
    expect(holds('!has(self.note)', celValue({ note: null }, schema))).toBe(true)
    expect(celValue({ mode: 'Manual' }, schema)).toEqual({ mode: 'Manual', limits: { max: 10n } })
  })

  it('reads fieldPath as path segments, and nothing else', () => {
    expect(fieldPathSegments('.spec.minReplicas')).toEqual(['spec', 'minReplicas'])
    expect(fieldPathSegments(".metadata.annotations['app.kubernetes.io/name']")).toEqual([
      'metadata',
      'annotations',
      'app.kubernetes.io/name'
    ])
    expect(fieldPathSegments('.items[2].name')).toEqual(['items', 2, 'name'])
    expect(fieldPathSegments('spec')).toBeUndefined()
    expect(fieldPathSegments('')).toBeUndefined()
    expect(fieldPathSegments(undefined)).toBeUndefined()
  })
})
