/** What the schema engine reports, and how it names fields and values in messages. */

export type SchemaRule =
  | 'schema/unknown-field'
  | 'schema/type'
  | 'schema/enum'
  | 'schema/pattern'
  | 'schema/required'
  | 'schema/format'
  | 'schema/range'
  | 'schema/length'
  | 'schema/items'
  | 'schema/one-of'
  | 'schema/rule'

export type SchemaPath = (string | number)[]

export interface SchemaIssue {
  /** From the object's root, e.g. `['spec', 'template', 'spec', 'containers', 0, 'image']`. */
  path: SchemaPath
  rule: SchemaRule
  /** Starts with the field path: `spec.interval: "5 minutes" is not a valid duration ...`. */
  message: string
  hint?: string
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/

/** `spec.containers[0].env`, `metadata.annotations["app.kubernetes.io/name"]`; the object itself is `(root)`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`
    else out += `[${JSON.stringify(seg)}]`
  }
  return out === '' ? '(root)' : out
}

export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null'

export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  switch (typeof value) {
    case 'string':
      return 'string'
    case 'boolean':
      return 'boolean'
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number'
    default:
      return 'object'
  }
}

const ARTICLE: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  null: 'null'
}

/** `an integer or a string`. */
export const describeTypes = (types: readonly string[]): string =>
  types.map(t => ARTICLE[t] ?? t).join(' or ')

/** A value as a message quotes it: strings and numbers literally, containers by their kind. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`
  if (value !== null && typeof value === 'object') return 'an object'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** A value with its type, for type mismatches: `the number 5`, `the string "yes"`, `a list of 2`. */
export function describeTyped(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') {
    return `the ${typeof value} ${describeValue(value)}`
  }
  return describeValue(value)
}

/** `a, b, c` — or the first `max` and a count of the rest, for long lists in hints. */
export function listNames(names: readonly unknown[], max = 25): string {
  const shown = names.slice(0, max).map(n => (typeof n === 'string' ? n : JSON.stringify(n)))
  return names.length > max ? `${shown.join(', ')} and ${names.length - max} more` : shown.join(', ')
}

/** Edit distance counting a swap of neighbours as one edit (`tga` → `tag`), as typos usually are. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0))
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** The candidate a typo most likely meant: same letters ignoring case, or at most two edits away. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase()
  const exact = candidates.find(c => c.toLowerCase() === lower)
  if (exact) return exact
  let best: string | undefined
  let bestDistance = Math.min(2, Math.floor(word.length / 3))
  for (const c of candidates) {
    if (Math.abs(c.length - word.length) > bestDistance) continue
    const d = editDistance(lower, c.toLowerCase())
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = c
      bestDistance = d
    }
  }
  return best
}
