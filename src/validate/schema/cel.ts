import { Environment } from '@marcbachmann/cel-js'
import type { JsonSchema } from './json-schema.js'

/**
 * `x-kubernetes-validations` rules: CEL expressions a CRD attaches to a schema node, evaluated by the API server on
 * every create and update. Flux puts its "either chart or chartRef must be set" and "exactly one of configMapRef or
 * secretRef" there; an object that breaks one is rejected however well it matches the rest of the schema.
 *
 * Only what can be decided here is decided: a rule that compares with the stored object (`oldSelf`, a transition
 * rule), uses a Kubernetes library this evaluator does not have (`isURL`, `quantity`, ...), or fails to evaluate
 * for any reason is not checked. A rule reports only when it evaluates to `false`: a false error on a healthy
 * repository is as bad as a missed one.
 */

export type CompiledRule =
  { ok: true; holds: (self: unknown) => boolean | undefined } | { ok: false; reason: string }

const environment = new Environment({ homogeneousAggregateLiterals: false }).registerVariable('self', 'dyn')

// Rules repeat across CRD versions and releases: each is compiled once per process, like patterns.
const cache = new Map<string, CompiledRule>()

export function compileRule(rule: string): CompiledRule {
  let compiled = cache.get(rule)
  if (!compiled) {
    compiled = compile(rule)
    cache.set(rule, compiled)
  }
  return compiled
}

function compile(rule: string): CompiledRule {
  if (/\b(oldSelf|optionalOldSelf)\b/.test(rule)) {
    return { ok: false, reason: 'a transition rule (it compares with the stored object)' }
  }
  let evaluate: (context: Record<string, unknown>) => unknown
  try {
    evaluate = environment.parse(rule)
  } catch (e) {
    return { ok: false, reason: `CEL this validator cannot evaluate (${firstLine(e)})` }
  }
  return {
    ok: true,
    holds: self => {
      try {
        const result = evaluate({ self })
        return typeof result === 'boolean' ? result : undefined
      } catch {
        return undefined
      }
    }
  }
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]

/**
 * A value as CEL sees it under its schema, as the API server hands it to the rules: an `integer` field is a CEL int
 * (a BigInt here) and a `number` field a double, whatever the YAML looked like (`replicas: 3` and `ratio: 1` both
 * parse as JavaScript numbers); where the schema says nothing, whole numbers are ints. Defaulting comes first: a
 * field the object leaves out but the schema gives a `default` has that value (`has(self.field)` is true), and a
 * null in a field that is not nullable is dropped, as the API server prunes it.
 */
export function celValue(value: unknown, schema: JsonSchema | undefined): unknown {
  if (typeof value === 'number') {
    const integral = Number.isInteger(value) && Number.isSafeInteger(value)
    if (schema?.type === 'number') return value
    return integral ? BigInt(value) : value
  }
  if (Array.isArray(value)) {
    const items = schema?.items !== undefined && !Array.isArray(schema.items) ? schema.items : undefined
    return value.map(v => celValue(v, items))
  }
  if (value !== null && typeof value === 'object') {
    const props = schema?.properties ?? {}
    const extra =
      schema?.additionalProperties !== undefined && typeof schema.additionalProperties === 'object'
        ? schema.additionalProperties
        : undefined
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const child = Object.prototype.hasOwnProperty.call(props, k) ? props[k] : extra
      if (v === null && child !== undefined && child.nullable !== true) continue
      out[k] = celValue(v, child)
    }
    for (const [k, child] of Object.entries(props)) {
      if (out[k] === undefined && child.default !== undefined) out[k] = celValue(child.default, child)
    }
    return out
  }
  return value
}

/** A rule's `fieldPath` (`.spec.replicas`, `.items['a.b']`) as path segments; undefined for anything else. */
export function fieldPathSegments(fieldPath: unknown): (string | number)[] | undefined {
  if (typeof fieldPath !== 'string' || fieldPath === '') return undefined
  const out: (string | number)[] = []
  const re = /\.([A-Za-z_$][\w$-]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/y
  let at = 0
  while (at < fieldPath.length) {
    re.lastIndex = at
    const m = re.exec(fieldPath)
    if (!m) return undefined
    out.push(m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : Number(m[3])))
    at = re.lastIndex
  }
  return out
}
