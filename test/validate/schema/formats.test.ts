import { parseGoDuration } from '../../../src/validate/schema/index.js'

describe('parseGoDuration, as Go time.ParseDuration', () => {
  test.each([
    ['5m', 5 * 60e9],
    ['1h30m', 5400e9],
    ['300ms', 300e6],
    ['-1.5h', -5400e9],
    ['+10s', 10e9],
    ['0', 0],
    ['.5s', 0.5e9],
    ['1.s', 1e9],
    ['2h45m30.5s', (2 * 3600 + 45 * 60 + 30.5) * 1e9],
    ['100us', 100e3],
    ['100µs', 100e3],
    ['1ns', 1]
  ])('%s parses', (text, nanos) => {
    expect(parseGoDuration(text)).toBeCloseTo(nanos)
  })

  test.each(['5 minutes', '5', '', '-', '.s', '1d', '1h 30m', 'm', '5M', '1e3s', '3000000h'])(
    '%s is rejected',
    text => {
      expect(parseGoDuration(text)).toBeUndefined()
    }
  )
})
