import { fingerprint, ownCopy, TextMemo } from '../../src/yaml/text-memo.js'
import { LONGEST_HASHED } from '../../src/yaml/text-key.js'

/**
 * A memo of values by text: only an equal text finds a value, however alike two long texts are where the
 * fingerprint looks (their length, their ends, the characters it samples).
 */

/** A long text with `middle` at a position the fingerprint does not sample (it samples every so many characters). */
function long(middle: string): string {
  const head = 'a'.repeat(LONGEST_HASHED)
  const tail = 'z'.repeat(LONGEST_HASHED)
  const filler = 'm'.repeat(40_001)
  return `${head}${filler}${middle}${filler}${tail}`
}

describe('TextMemo', () => {
  it('finds a short text by its text', () => {
    const memo = new TextMemo<number>()
    memo.set('apiVersion: v1', 1)
    expect(memo.get('apiVersion: v1')).toBe(1)
    expect(memo.get('apiVersion: v2')).toBeUndefined()
  })

  it('tells apart long texts of one length and fingerprint that differ where the fingerprint does not look', () => {
    const one = long('1')
    const two = long('2')
    expect(one.length).toBe(two.length)
    // The fingerprint cannot tell these apart: only the comparison of whole texts does.
    expect(fingerprint(one)).toBe(fingerprint(two))
    const memo = new TextMemo<string>()
    memo.set(one, 'one')
    expect(memo.get(two)).toBeUndefined()
    memo.set(two, 'two')
    expect([memo.get(long('1')), memo.get(long('2'))]).toEqual(['one', 'two'])
  })

  it('tells apart long texts of one length that differ at an end', () => {
    const memo = new TextMemo<string>()
    const a = `${'x'.repeat(100_000)}name: c1`
    const b = `${'x'.repeat(100_000)}name: c2`
    memo.set(a, 'a')
    expect(memo.get(b)).toBeUndefined()
    expect(memo.get(`${'x'.repeat(100_000)}name: c1`)).toBe('a')
  })

  it('keeps the latest few of the texts that share a fingerprint, and still finds only equal ones', () => {
    const memo = new TextMemo<number>()
    const texts = Array.from({ length: 6 }, (_, i) => long(String(i)))
    texts.forEach((t, i) => memo.set(t, i))
    const found = texts.map(t => memo.get(t))
    // The oldest are dropped (a miss reads the text again); what is found is the text's own value.
    expect(found.slice(-4)).toEqual([2, 3, 4, 5])
    expect(found.slice(0, 2)).toEqual([undefined, undefined])
  })
})

describe('ownCopy', () => {
  it('is the same text', () => {
    const big = `${'y'.repeat(50_000)}\nkind: Namespace\n${'y'.repeat(50_000)}`
    const piece = big.slice(50_001, 50_016)
    expect(ownCopy(piece)).toBe('kind: Namespace')
    expect(ownCopy('')).toBe('')
  })
})
