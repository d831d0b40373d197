import { positionOf, type YamlDocument } from '../yaml/documents.js'
import { isObject } from '../yaml/values.js'
import { writable, type RenderedObject } from './resource.js'
import { resolveOrigin } from './trace.js'

/**
 * Flux's `postBuild` variable substitution, as far as a repository alone can tell. kustomize-controller writes
 * each built object as YAML, replaces `${VAR}` expressions in the text (fluxcd/pkg envsubst: only the braced form,
 * `$${` escapes) and reads the text back with sigs.k8s.io/yaml (YAML 1.1: an unquoted `${ENABLED}` that becomes
 * `on` is a boolean, `${REPLICAS}` that becomes `3` a number).
 *
 * Here a string is substituted only when every expression in it can be: variables the repository gives a value
 * (literal `substitute`, ConfigMaps and Secrets it holds), and defaults once every source of values is known. Any
 * other string keeps its `${...}`, which the rules leave unjudged: a value the cluster supplies is never an error.
 */

export interface Variables {
  values: ReadonlyMap<string, string>
  /** True when every source of values is in `values`: an unset variable is then really unset (defaults apply). */
  complete: boolean
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/
/** `${NAME}` and the default forms `${NAME:=x}`, `${NAME:-x}`, `${NAME=x}`, `${NAME-x}` (no nesting). */
const EXPRESSION = /\$\{([^{}]*)\}/g
const DEFAULT = /^([_a-zA-Z][_a-zA-Z0-9]*)(:?[=-])([^${}]*)$/

/** The label or annotation that turns substitution off for one object. */
const DISABLE_KEY = 'kustomize.toolkit.fluxcd.io/substitute'

/** The substituted text, or undefined when some expression in it is not known here. */
export function substituteText(text: string, vars: Variables): string | undefined {
  // An escaped `$${` is written out as `${`: a literal the cluster keeps, so the string stays unjudged.
  if (text.includes('$${')) return undefined
  let unknown = false
  const out = text.replace(EXPRESSION, (whole, body: string) => {
    if (NAME.test(body)) {
      const v = vars.values.get(body)
      if (v === undefined) unknown = true
      return v ?? whole
    }
    const m = DEFAULT.exec(body)
    if (!m) {
      // String functions (`${#VAR}`, `${VAR^^}`, ...) are left to the cluster.
      unknown = true
      return whole
    }
    const [, name, op, fallback] = m
    const v = vars.values.get(name)
    if (v === undefined && !vars.complete) {
      unknown = true
      return whole
    }
    const emptyCounts = op.startsWith(':')
    return v === undefined || (emptyCounts && v === '') ? fallback : v
  })
  return unknown ? undefined : out
}

type Style = 'plain' | 'single' | 'double' | 'block' | 'unknown'

/** How the scalar at `path` of `doc` is written, when the document's text there holds that very string. */
function scalarStyle(doc: YamlDocument, path: readonly (string | number)[], value: string): Style {
  let v: unknown = doc.value
  for (const k of path) v = Array.isArray(v) || isObject(v) ? (v as Record<string, unknown>)[k] : undefined
  if (v !== value) return 'unknown'
  const { line, column } = positionOf(doc, path, 'value')
  const text = doc.text.split('\n')[line - doc.startLine] ?? ''
  const c = text.charAt(column - 1)
  if (c === '"') return 'double'
  if (c === "'") return 'single'
  if (c === '|' || c === '>') return 'block'
  return 'plain'
}

const YAML11_BOOL = new Map<string, boolean>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE'].map(w => [w, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE'].map(
    w => [w, false] as const
  )
])
const YAML11_NULL = new Set(['', '~', 'null', 'Null', 'NULL'])
const DECIMAL = /^[-+]?(?:0|[1-9][0-9_]*)$/
const OCTAL = /^[-+]?0[0-7_]+$/
const HEX = /^[-+]?0x[0-9a-fA-F_]+$/
const FLOAT = /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?$|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$/
const SPECIAL_FLOAT = /^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/

/** A plain scalar as goyaml.v2 resolves it; undefined for text whose reading this does not know for sure. */
function plainValue(text: string): unknown {
  // Text that would change the YAML's structure once written in place (a `: `, a comment, a flow collection, an
  // anchor...) is not judged.
  if (/: |\s#|^[-?:,[\]{}#&*!|>'"%@`]|\n|:$/.test(text) || text !== text.trim()) return undefined
  if (YAML11_BOOL.has(text)) return YAML11_BOOL.get(text)
  if (YAML11_NULL.has(text)) return null
  const digits = text.replace(/_/g, '')
  if (DECIMAL.test(text)) return Number(digits)
  if (HEX.test(text)) return (digits.startsWith('-') ? -1 : 1) * parseInt(digits.replace(/^[-+]?0x/, ''), 16)
  if (OCTAL.test(text)) return (digits.startsWith('-') ? -1 : 1) * parseInt(digits.replace(/^[-+]?0/, ''), 8)
  if (FLOAT.test(text) && text !== '.') return Number(digits)
  if (SPECIAL_FLOAT.test(text))
    return text.includes('nan') || text.includes('NaN') || text.includes('NAN')
      ? NaN
      : text.startsWith('-')
        ? -Infinity
        : Infinity
  return text
}

/** The value a substituted string takes once the text is read back; undefined when that is not known. */
function readBack(result: string, style: Style): unknown {
  switch (style) {
    case 'block':
      return result
    case 'double':
      return /["\\]/.test(result) ? undefined : result
    case 'single':
      return result.includes("'") ? undefined : result
    case 'plain':
      return plainValue(result)
    default: {
      // Written who knows how (a generator's data, a patch quoted as a whole): only a reading that cannot be
      // anything but the same string is taken.
      const v = plainValue(result)
      return typeof v === 'string' ? v : undefined
    }
  }
}

const disabled = (o: RenderedObject): boolean => {
  const meta = isObject(o.value.metadata) ? o.value.metadata : {}
  const flag = (m: unknown) => isObject(m) && m[DISABLE_KEY] === 'disabled'
  return flag(meta.labels) || flag(meta.annotations)
}

/**
 * Substitutes the variables in one rendered object in place (keys are left alone, as they are in practice). Each
 * value keeps the trace of the line that held its `${...}`: a finding on the substituted value points there.
 */
export function substituteObject(o: RenderedObject, vars: Variables): void {
  if (disabled(o)) return
  // One path stack for the walk: most values hold no `${`, and copying a path per node is what would cost.
  const path: (string | number)[] = []
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node
      const result = substituteText(node, vars)
      if (result === undefined) return node
      const origin = resolveOrigin(o.trace, path)
      const style = origin ? scalarStyle(origin.doc, origin.path, node) : 'unknown'
      const value = readBack(result, style)
      return value === undefined ? node : value
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(i)
        node[i] = visit(node[i])
        path.pop()
      }
    } else if (isObject(node)) {
      for (const k of Object.keys(node)) {
        path.push(k)
        node[k] = visit(node[k])
        path.pop()
      }
    }
    return node
  }
  // Only an object with a `${` anywhere is changed (and so copied, when shared).
  if (holdsVariable(o.value)) visit(writable(o))
}

function holdsVariable(node: unknown): boolean {
  if (typeof node === 'string') return node.includes('${')
  if (Array.isArray(node)) return node.some(holdsVariable)
  if (isObject(node)) {
    for (const k in node) if (holdsVariable(node[k])) return true
  }
  return false
}
