import { mapBounded, pushAll } from '../src/arrays.js'

describe('arrays', () => {
  it('pushAll appends more items than a call takes arguments', () => {
    const many = Array.from({ length: 200_000 }, (_, i) => i)
    expect(pushAll([-1], many)).toHaveLength(200_001)
  })

  it('mapBounded keeps the order of its items', async () => {
    expect(await mapBounded([3, 1, 2], 2, async n => n * 10)).toEqual([30, 10, 20])
  })

  it('mapBounded has at most `limit` items under way at once', async () => {
    let running = 0
    let most = 0
    await mapBounded(
      Array.from({ length: 10 }, (_, i) => i),
      3,
      async () => {
        most = Math.max(most, ++running)
        await new Promise(r => setTimeout(r, 5))
        running--
      }
    )
    expect(most).toBe(3)
  })
})
