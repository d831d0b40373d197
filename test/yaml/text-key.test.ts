import { textKey } from '../../src/yaml/text-key.js'

describe('textKey', () => {
  const long = (name: string) => `metadata:\n  name: ${name}\ndata:\n${'  x: y\n'.repeat(5000)}`

  it('is the text itself up to the length V8 hashes by content', () => {
    expect(textKey('kind: ConfigMap\n')).toBe('kind: ConfigMap\n')
    expect(textKey('a'.repeat(16_383))).toBe('a'.repeat(16_383))
  })

  it('tells long texts of the same length apart by content, and keys equal texts alike', () => {
    const [a, b] = [long('c1'), long('c2')]
    expect(a.length).toBe(b.length)
    expect(textKey(a)).not.toBe(textKey(b))
    expect(textKey(a)).toBe(textKey(long('c1')))
    expect(textKey(a).length).toBeLessThan(100)
    expect(textKey(a).startsWith('\u0000')).toBe(true)
  })
})
