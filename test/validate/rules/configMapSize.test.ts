import { configMapDataBytes } from '../../../src/validate/rules/configMapSize.js'

describe('configMapDataBytes', () => {
  it('counts data values in UTF-8 bytes, not characters, and not the keys', () => {
    expect(configMapDataBytes({ data: { a: 'abc', 'a-long-key-name': 'é€😀' } })).toBe(3 + 2 + 3 + 4)
  })

  it('counts binaryData by its decoded bytes', () => {
    // "hello" is aGVsbG8= in base64; line breaks inside base64 do not count.
    expect(configMapDataBytes({ binaryData: { a: 'aGVsbG8=', b: 'aGVs\nbG8=' } })).toBe(10)
  })

  it('adds data and binaryData, and ignores what is not a string (templates, nulls)', () => {
    expect(configMapDataBytes({ data: { a: 'xy', b: null }, binaryData: { c: 'eHk=' } })).toBe(4)
    expect(configMapDataBytes({ data: '${CNI_RESOURCES}' })).toBe(0)
  })
})
