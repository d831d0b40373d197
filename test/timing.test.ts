import { timed } from '../src/timing.js'

describe('timed', () => {
  const recorder = () => {
    const debug: string[] = []
    return { debug, log: { info: () => {}, warning: () => {}, debug: (m: string) => void debug.push(m) } }
  }

  it("returns the work's value and logs the phase, its duration and the heap in use on a debug line", async () => {
    const { debug, log } = recorder()
    const value = await timed(log, 'render', async () => {
      await new Promise(r => setTimeout(r, 20))
      return 42
    })
    expect(value).toBe(42)
    expect(debug).toHaveLength(1)
    const m = /^timing render: (\d+\.\d) ms, heap (\d+) MB$/.exec(debug[0])
    expect(m).not.toBeNull()
    expect(Number(m![1])).toBeGreaterThanOrEqual(15)
    // The test process itself holds more than a megabyte of heap.
    expect(Number(m![2])).toBeGreaterThan(0)
  })

  it('logs the time of work that fails, and lets the error through', async () => {
    const { debug, log } = recorder()
    await expect(
      timed(log, 'validate', () => {
        throw new Error('boom')
      })
    ).rejects.toThrow('boom')
    expect(debug).toEqual([expect.stringMatching(/^timing validate: \d+\.\d ms, heap \d+ MB$/)])
  })
})
