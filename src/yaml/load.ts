import yaml from 'js-yaml'
import { API_REQUEST_MAX_BYTES } from '../kubernetes/limits.js'

/**
 * js-yaml with bounds on what a document may cost once read. js-yaml caps nesting (`maxDepth`, 100 levels) and
 * merge keys, but not aliases: nine levels of nine aliases ("billion laughs") read in microseconds into a value
 * that every walker after it (schema checks, hashing, serialising) expands to 387 million leaves. The value is
 * measured as it would be expanded, once per distinct node, and refused past the limits.
 */

/** Nesting js-yaml accepts: deeper documents are refused while parsing, before any walker meets them. */
export const YAML_MAX_DEPTH = 100
/** Uses of an alias to a collection in one document; hand-written anchors reuse a block a few times. */
export const YAML_MAX_ALIASES = 10_000
/** The size of a document's value with every alias expanded: characters of keys and strings, one per other node. */
export const YAML_MAX_EXPANDED = API_REQUEST_MAX_BYTES

/** A document over one of the bounds: `reason` says which, `line` (0-based, in the text) where its first alias is. */
export class YamlLimitError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly hint: string
  ) {
    super(reason)
    this.name = 'YamlLimitError'
  }
}

/** `yaml.load`, bounded: throws js-yaml's own errors (a duplicate key among them), and `YamlLimitError`. */
export function loadBounded(text: string, schema?: yaml.Schema): unknown {
  // `maxDepth` is js-yaml's since 4.1.1; its type definitions do not list it yet.
  // Not `json: true`: a key twice in one mapping is an error, as for kubectl and the API server's strict decoding.
  const options: yaml.LoadOptions & { maxDepth: number } = { maxDepth: YAML_MAX_DEPTH }
  const value = yaml.load(text, schema ? { ...options, schema } : options)
  // Only an alias shares a node (js-yaml gives every other node its own object); no `*`, no alias.
  if (typeof value === 'object' && value !== null && text.includes('*')) checkExpansion(value, text)
  return value
}

const ALIAS = /(?:^|[\s[{,:-])\*[^\s,[\]{}]+/m

/** 0-based line of the first alias in `text`: where to look, since the value no longer knows. */
function firstAliasLine(text: string): number {
  const m = ALIAS.exec(text)
  if (!m) return 0
  let line = 0
  for (let i = text.indexOf('\n'); i >= 0 && i < m.index + m[0].indexOf('*'); i = text.indexOf('\n', i + 1))
    line++
  return line
}

/**
 * Walks the value once per distinct node (iteratively: its depth is the input's), adding up the expanded size
 * bottom-up, and throws past the limits or on a cycle (an alias to a collection inside itself, which js-yaml
 * builds as a cyclic object that no walker would leave).
 */
function checkExpansion(root: object, text: string): void {
  const size = new Map<object, number>()
  const entered = new Set<object>()
  const stack: Array<{ node: object; done: boolean }> = [{ node: root, done: false }]
  let aliases = 0
  const fail = (reason: string, hint: string): never => {
    throw new YamlLimitError(reason, firstAliasLine(text), hint)
  }
  const bombHint =
    'Write the repeated values out, or reuse fewer of them: a document whose aliases expand past the limit is an ' +
    'alias bomb ("billion laughs") and no Kubernetes object can be that large.'
  while (stack.length > 0) {
    const { node, done } = stack.pop()!
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node)
    if (done) {
      let total = 1
      if (!Array.isArray(node)) for (const k of Object.keys(node)) total += k.length
      for (const c of children)
        total += typeof c === 'string' ? c.length : typeof c === 'object' && c !== null ? size.get(c)! : 1
      if (total > YAML_MAX_EXPANDED)
        fail(
          `its aliases expand it to more than ${YAML_MAX_EXPANDED.toLocaleString('en-US')} characters (the API server's request limit)`,
          bombHint
        )
      size.set(node, total)
      entered.delete(node)
      continue
    }
    if (size.has(node)) {
      // A node met again is a node an alias shares (js-yaml gives every other node its own object).
      if (++aliases > YAML_MAX_ALIASES)
        fail(`it uses aliases more than ${YAML_MAX_ALIASES.toLocaleString('en-US')} times`, bombHint)
      continue
    }
    entered.add(node)
    stack.push({ node, done: true })
    for (const c of children) {
      if (typeof c !== 'object' || c === null) continue
      if (entered.has(c))
        fail(
          'an alias refers to a collection that contains it (a cycle)',
          'Remove the alias that points into its own anchor.'
        )
      stack.push({ node: c, done: false })
    }
  }
}
