/**
 * The `format` values worth checking in Kubernetes manifests. A format the validator does not know passes, as it
 * does in the API server.
 */

const NANOS_PER_UNIT: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign
  μs: 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9
}

const MAX_DURATION_NANOS = 2 ** 63

/**
 * Parses a duration the way Go's `time.ParseDuration` does (`5m`, `1h30m`, `300ms`, `-1.5h`, `0`), returning
 * nanoseconds, or undefined when Go would reject it. Controllers read every `metav1.Duration` with it, so a value it
 * rejects makes the object unusable even where the API server's own, laxer check let it in.
 */
export function parseGoDuration(text: string): number | undefined {
  let s = text
  let sign = 1
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') return undefined
  let total = 0
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)
    const whole = m?.[1] ?? ''
    const fraction = m?.[2]
    // Go needs a digit before or after the dot: `.5s` and `1.s` parse, `.s` does not.
    if (whole === '' && (fraction === undefined || fraction === '')) return undefined
    s = s.slice(m?.[0].length ?? 0)
    const unit = /^[^\d.]+/.exec(s)?.[0]
    if (!unit) return undefined // `10` alone: Go wants a unit on every number but a lone 0
    const scale = NANOS_PER_UNIT[unit]
    if (scale === undefined) return undefined
    s = s.slice(unit.length)
    total += (Number(whole || '0') + (fraction ? Number(`0.${fraction}`) : 0)) * scale
    if (total > MAX_DURATION_NANOS) return undefined
  }
  return sign * total
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

function validDate(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false
  const days = [
    31,
    y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31
  ]
  return d <= days[mo - 1]
}

function isDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s)
  if (!m) return false
  const [h, mi, se] = [Number(m[4]), Number(m[5]), Number(m[6])]
  return validDate(Number(m[1]), Number(m[2]), Number(m[3])) && h < 24 && mi < 60 && se < 61
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** The syntax `resource.Quantity` accepts: a signed decimal, then a binary/decimal SI suffix or an exponent. */
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?(?:\d+(?:\.\d*)?|\.\d+))?$/

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

function isIPv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || s.split('::').length > 2) return false
  let parts = s.split(':')
  const last = parts[parts.length - 1]
  let groups = 8
  if (last.includes('.')) {
    if (!IPV4.test(last)) return false
    parts = parts.slice(0, -1)
    groups = 6
  }
  const compressed = s.includes('::')
  const filled = parts.filter(p => p !== '')
  if (!filled.every(p => /^[0-9A-Fa-f]{1,4}$/.test(p))) return false
  return compressed ? filled.length < groups : filled.length === groups && parts.length === groups
}

function isCidr(s: string): boolean {
  const slash = s.lastIndexOf('/')
  if (slash < 0) return false
  const ip = s.slice(0, slash)
  const bits = s.slice(slash + 1)
  if (!/^\d{1,3}$/.test(bits)) return false
  if (IPV4.test(ip)) return Number(bits) <= 32
  return isIPv6(ip) && Number(bits) <= 128
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

export interface FormatCheck {
  /** True when the value is acceptable; a value of a type the format does not apply to always is. */
  test(value: unknown): boolean
  /** Completes `<path>: <value> is not ...`. */
  expected: string
}

const stringFormat = (test: (s: string) => boolean, expected: string): FormatCheck => ({
  test: v => typeof v !== 'string' || test(v),
  expected
})

const integerRange = (min: number, max: number, expected: string): FormatCheck => ({
  test: v => typeof v !== 'number' || !Number.isInteger(v) || (v >= min && v <= max),
  expected
})

const FORMATS: Record<string, FormatCheck> = {
  duration: stringFormat(
    s => parseGoDuration(s) !== undefined,
    'a valid duration (Go syntax, e.g. 5m, 1h30m)'
  ),
  'date-time': stringFormat(isDateTime, 'a valid RFC 3339 date-time (e.g. 2024-01-31T12:00:00Z)'),
  datetime: stringFormat(isDateTime, 'a valid RFC 3339 date-time (e.g. 2024-01-31T12:00:00Z)'),
  date: stringFormat(s => {
    const m = DATE.exec(s)
    return m !== null && validDate(Number(m[1]), Number(m[2]), Number(m[3]))
  }, 'a valid date (YYYY-MM-DD)'),
  byte: stringFormat(s => BASE64.test(s), 'valid base64 (standard alphabet, padded)'),
  int32: integerRange(-(2 ** 31), 2 ** 31 - 1, 'a 32-bit integer (-2147483648 to 2147483647)'),
  int64: integerRange(-(2 ** 63), 2 ** 63 - 1, 'a 64-bit integer'),
  ipv4: stringFormat(s => IPV4.test(s), 'a valid IPv4 address'),
  ipv6: stringFormat(isIPv6, 'a valid IPv6 address'),
  cidr: stringFormat(isCidr, 'a valid CIDR (e.g. 10.0.0.0/16)'),
  uuid: stringFormat(s => UUID.test(s), 'a valid UUID'),
  hostname: stringFormat(s => HOSTNAME.test(s), 'a valid hostname'),
  // Internal: the built-in `resource.Quantity`; its numbers are always fine.
  quantity: stringFormat(s => QUANTITY.test(s), 'a valid quantity (e.g. 100m, 128Mi, 1.5, 2e3)')
}

export const formatCheck = (format: string): FormatCheck | undefined => FORMATS[format]
