import { loadBounded, YAML_MAX_ALIASES, YamlLimitError } from '../../src/yaml/load.js'

const refusal = (text: string): YamlLimitError => {
  try {
    loadBounded(text)
  } catch (e) {
    if (e instanceof YamlLimitError) return e
    throw e
  }
  throw new Error('not refused')
}

describe('loadBounded', () => {
  it('reads what js-yaml reads, aliases included', () => {
    expect(loadBounded('a: &x {b: 1}\nc: *x\nd: "*not an alias"\n')).toEqual({
      a: { b: 1 },
      c: { b: 1 },
      d: '*not an alias'
    })
  })

  it('refuses an alias to a collection inside itself (a cyclic value), at the alias line', () => {
    expect(refusal('top: 1\na: &a\n  - x\n  - *a\n')).toMatchObject({
      reason: expect.stringContaining('cycle'),
      line: 3
    })
  })

  it('refuses more alias uses than the limit, however small each is', () => {
    const text = `a: &a [1]\nb: [${Array(YAML_MAX_ALIASES + 1)
      .fill('*a')
      .join(', ')}]\n`
    expect(refusal(text).reason).toBe('it uses aliases more than 10,000 times')
  })

  it('refuses a large scalar repeated through aliases (size, not count)', () => {
    const text = `a: &a ["${'x'.repeat(100_000)}"]\nb: [${Array(40).fill('*a').join(', ')}]\n`
    expect(refusal(text).reason).toContain('expand it to more than 3,145,728 characters')
  })
})
