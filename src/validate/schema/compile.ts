import { isObject } from '../../yaml/values.js'
import { formatCheck } from './formats.js'
import {
  closest,
  describeTyped,
  describeTypes,
  describeValue,
  formatPath,
  listNames,
  type SchemaIssue,
  type SchemaPath,
  type SchemaRule
} from './issues.js'
import type { JsonSchema } from './json-schema.js'
import { compilePattern } from './patterns.js'
import { celValue, compileRule, fieldPathSegments } from './cel.js'
import { pushAll } from '../../arrays.js'

/**
 * Compiles a structural schema into closures, once per schema, and validates values with them the way the API
 * server does for a custom resource: value validation (type, enum, pattern, format, bounds, oneOf/anyOf/allOf/not)
 * plus pruning, which this engine reports instead of performing: a field the API server would silently drop is
 * `schema/unknown-field` here, as with `kubeconform -strict` or `kubectl apply --validate=strict`.
 */

/** Validation state: the path is a stack shared by the whole walk and copied only when an issue is made. */
export interface WalkContext {
  path: SchemaPath
  issues: SchemaIssue[]
}

export interface CompiledNode {
  check(value: unknown, ctx: WalkContext): void
  /** A null in a field of a non-nullable schema is dropped by the API server, as if the field were absent. */
  readonly nullable: boolean
}

/** A defect of the schema itself (a pattern RE2 cannot compile): the check is skipped, the CRD is to blame. */
export interface SchemaProblem {
  /** Where in the schema, e.g. `['properties', 'spec', 'properties', 'interval', 'pattern']`. */
  schemaPath: SchemaPath
  message: string
}

export interface CompileOptions {
  /** Named schemas that `$ref` points at (the built-in Kubernetes definitions). */
  definitions?: Readonly<Record<string, JsonSchema>>
  /** How `metadata` of the root object and of embedded resources is checked; anything goes without it. */
  objectMeta?: CompiledNode
  problems?: SchemaProblem[]
  /** Nothing is pruned (a v1beta1 CRD with `spec.preserveUnknownFields: true`): no field is ever unknown. */
  keepUnknownFields?: boolean
  /**
   * Compile every subschema at once, so that `problems` lists them all. Otherwise a subschema is compiled when a
   * value first reaches it: an object uses a few fields of a schema that may have thousands (Calico's
   * Installation), and compiling all of them was most of the time spent validating custom resources.
   */
  eager?: boolean
}

/** Whether unknown fields are reported: not inside oneOf/anyOf/allOf/not, which only constrain values. */
type Mode = 'structural' | 'value'

const ANY: CompiledNode = { check: () => undefined, nullable: true }
const EMBEDDED_KEYS = new Set(['apiVersion', 'kind', 'metadata'])

function report(
  ctx: WalkContext,
  rule: SchemaRule,
  message: string,
  hint?: string,
  child?: string | SchemaPath
): void {
  const path = child === undefined ? ctx.path.slice() : ctx.path.concat(child)
  ctx.issues.push({ path, rule, message: `${formatPath(path)}: ${message}`, ...(hint ? { hint } : {}) })
}

const TYPE_TESTS: Record<string, (v: unknown) => boolean> = {
  object: isObject,
  array: v => Array.isArray(v),
  string: v => typeof v === 'string',
  integer: v => Number.isInteger(v),
  number: v => typeof v === 'number' && Number.isFinite(v),
  boolean: v => typeof v === 'boolean'
}

type Check = (value: unknown, ctx: WalkContext) => void

/** The most common nodes, a bare `type: string` and the like, with the type test written out (no extra call). */
function leafCheck(
  types: string[] | undefined,
  accept: ((v: unknown) => boolean) | undefined,
  mismatch: Check
): Check {
  if (types === undefined || accept === undefined) return ANY.check
  if (types.length !== 1) {
    return (v, ctx) => {
      if (!accept(v)) mismatch(v, ctx)
    }
  }
  switch (types[0]) {
    case 'string':
      return (v, ctx) => {
        if (typeof v !== 'string') mismatch(v, ctx)
      }
    case 'boolean':
      return (v, ctx) => {
        if (typeof v !== 'boolean') mismatch(v, ctx)
      }
    case 'integer':
      return (v, ctx) => {
        if (!Number.isInteger(v)) mismatch(v, ctx)
      }
    default:
      return (v, ctx) => {
        if (!accept(v)) mismatch(v, ctx)
      }
  }
}

/** A predicate for the value types a schema allows; an unknown type name allows nothing, as in the API server. */
function typeTest(types: readonly string[]): (v: unknown) => boolean {
  const tests = types.map(t => TYPE_TESTS[t] ?? (() => false))
  if (tests.length === 1) return tests[0]
  return v => tests.some(t => t(v))
}

function typeHint(expected: readonly string[], value: unknown): string | undefined {
  if (expected.includes('string') && (typeof value === 'number' || typeof value === 'boolean')) {
    return `YAML reads an unquoted ${String(value)} as a ${typeof value}; quote it ("${String(value)}") to make it a string.`
  }
  if (expected.includes('array') && !Array.isArray(value))
    return 'Write it as a YAML list (lines starting with "- ").'
  return undefined
}

/** Looks like one of the Go-duration patterns Flux and Calico put on intervals and timeouts. */
const DURATION_PATTERN = /\(ms\|s\|m\|h\)|\(ms\|s\|h\|m/

function stringLength(s: string): number {
  // Kubernetes counts runes; only strings with surrogate pairs differ from `.length`.
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) n--
  }
  return n
}

function stableKey(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined'
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`
  const o = value as Record<string, unknown>
  return `{${Object.keys(o)
    .sort()
    .map(k => `${JSON.stringify(k)}:${stableKey(o[k])}`)
    .join(',')}}`
}

export class SchemaCompiler {
  private readonly nodes = {
    structural: new Map<JsonSchema, CompiledNode>(),
    value: new Map<JsonSchema, CompiledNode>()
  }
  private readonly refs = {
    structural: new Map<string, CompiledNode>(),
    value: new Map<string, CompiledNode>()
  }

  constructor(private readonly options: CompileOptions = {}) {}

  compile(schema: JsonSchema | undefined, mode: Mode = 'structural', at: SchemaPath = []): CompiledNode {
    if (!schema || typeof schema !== 'object') return ANY
    const memo = this.nodes[mode]
    let node = memo.get(schema)
    if (!node) {
      node = schema.$ref !== undefined ? this.ref(schema.$ref, mode) : this.build(schema, mode, at)
      memo.set(schema, node)
    }
    return node
  }

  private ref(name: string, mode: Mode): CompiledNode {
    const memo = this.refs[mode]
    const known = memo.get(name)
    if (known) return known
    const target = this.options.definitions?.[name]
    if (!target) {
      this.options.problems?.push({ schemaPath: ['$ref'], message: `unresolved reference ${name}` })
      return ANY
    }
    // Definitions are recursive (JSONSchemaProps): hand out a node before compiling the target, and fill it in
    // after. Closures read `check` and `nullable` from it at validation time, when it is complete.
    const forward = { check: ANY.check, nullable: false }
    memo.set(name, forward)
    const resolved = this.compile(target, mode, ['definitions', name])
    // A definition that contains itself is a tree of schemas (JSONSchemaProps, as in every CRD): see `cleanMemo`.
    const nested = target.properties?.properties?.additionalProperties
    const recursive = typeof nested === 'object' && nested.$ref === name
    forward.check = recursive ? cleanMemo(resolved.check) : resolved.check
    forward.nullable = resolved.nullable
    return forward
  }

  private build(s: JsonSchema, mode: Mode, at: SchemaPath): CompiledNode {
    const types: string[] | undefined = s['x-kubernetes-int-or-string']
      ? ['integer', 'string']
      : typeof s.type === 'string'
        ? [s.type]
        : Array.isArray(s.type)
          ? s.type
          : undefined
    const accept = types === undefined ? undefined : typeTest(types)
    const nullable = s.nullable === true || types === undefined

    // Checks that apply whatever the value's type, then the ones for one type, dispatched once per value.
    const anyType: ((value: unknown, ctx: WalkContext) => void)[] = []
    if (Array.isArray(s.enum)) anyType.push(this.enumCheck(s.enum))
    if (typeof s.format === 'string') {
      const f = formatCheck(s.format)
      if (f) {
        anyType.push((v, ctx) => {
          if (!f.test(v)) report(ctx, 'schema/format', `${describeValue(v)} is not ${f.expected}`)
        })
      }
    }
    pushAll(anyType, this.combinatorChecks(s, at))
    const stringCheck = this.stringChecks(s, at)
    const numberCheck = this.numberChecks(s)
    const objectCheck = this.objectChecks(s, mode, at, types)
    const arrayCheck = this.arrayChecks(s, mode, at)
    const ruleCheck = this.ruleChecks(s, mode, at)

    const typeMismatch = (value: unknown, ctx: WalkContext): void => {
      if (value === null && s.nullable) return
      report(
        ctx,
        'schema/type',
        `expected ${describeTypes(types ?? [])}, got ${describeTyped(value)}`,
        typeHint(types ?? [], value)
      )
    }
    if (anyType.length === 0 && !stringCheck && !numberCheck && !objectCheck && !arrayCheck && !ruleCheck) {
      return { check: leafCheck(types, accept, typeMismatch), nullable }
    }
    const check = (value: unknown, ctx: WalkContext): void => {
      if (accept !== undefined && !accept(value)) return typeMismatch(value, ctx)
      if (typeof value === 'object') {
        if (value !== null) {
          if (Array.isArray(value)) arrayCheck?.(value, ctx)
          else objectCheck?.(value as Record<string, unknown>, ctx)
        }
      } else if (typeof value === 'string') stringCheck?.(value, ctx)
      else if (typeof value === 'number') numberCheck?.(value, ctx)
      for (let i = 0; i < anyType.length; i++) anyType[i](value, ctx)
      // As the API server: every rule of a value of the right type is evaluated, whatever else is wrong in it.
      if (ruleCheck !== undefined && value !== null) ruleCheck(value, ctx)
    }
    return { check, nullable }
  }

  /** `x-kubernetes-validations` (see `cel.ts`); rules that cannot be evaluated here are schema problems. */
  private ruleChecks(s: JsonSchema, mode: Mode, at: SchemaPath): Check | undefined {
    const list = s['x-kubernetes-validations']
    if (mode !== 'structural' || !Array.isArray(list)) return undefined
    const rules: {
      rule: string
      holds: (self: unknown) => boolean | undefined
      message: string
      field: SchemaPath
    }[] = []
    list.forEach((r, i) => {
      if (r === null || typeof r !== 'object' || typeof r.rule !== 'string') return
      const compiled = compileRule(r.rule)
      if (!compiled.ok) {
        this.options.problems?.push({
          schemaPath: [...at, 'x-kubernetes-validations', i, 'rule'],
          message: `rule ${r.rule} is not checked: ${compiled.reason}`
        })
        return
      }
      const message = typeof r.message === 'string' && r.message.trim() !== '' ? r.message.trim() : undefined
      rules.push({
        rule: r.rule,
        holds: compiled.holds,
        message: message ?? `failed rule: ${r.rule}`,
        field: fieldPathSegments(r.fieldPath) ?? []
      })
    })
    if (rules.length === 0) return undefined
    return (value, ctx) => {
      const self = celValue(value, s)
      for (const r of rules) {
        if (r.holds(self) !== false) continue
        report(
          ctx,
          'schema/rule',
          r.message,
          `The CRD's validation rule ${r.rule} does not hold; the API server rejects the object.`,
          r.field
        )
      }
    }
  }

  private enumCheck(values: unknown[]): (v: unknown, ctx: WalkContext) => void {
    const primitives = new Set(values.filter(v => v === null || typeof v !== 'object'))
    const composite = new Set(values.filter(v => v !== null && typeof v === 'object').map(stableKey))
    return (v, ctx) => {
      const ok = v !== null && typeof v === 'object' ? composite.has(stableKey(v)) : primitives.has(v)
      if (ok) return
      const suggestion =
        typeof v === 'string'
          ? closest(
              v,
              values.filter(x => typeof x === 'string')
            )
          : undefined
      report(
        ctx,
        'schema/enum',
        `${describeValue(v)} is not one of: ${listNames(values)}`,
        suggestion ? `Did you mean ${JSON.stringify(suggestion)}? Values are case-sensitive.` : undefined
      )
    }
  }

  private stringChecks(s: JsonSchema, at: SchemaPath): ((v: string, ctx: WalkContext) => void) | undefined {
    const parts: ((v: string, ctx: WalkContext) => void)[] = []
    const { minLength, maxLength, pattern } = s
    if (typeof minLength === 'number' || typeof maxLength === 'number') {
      parts.push((v, ctx) => {
        const n = stringLength(v)
        if (typeof minLength === 'number' && n < minLength) {
          report(ctx, 'schema/length', `${describeValue(v)} is shorter than ${minLength} characters`)
        } else if (typeof maxLength === 'number' && n > maxLength) {
          report(ctx, 'schema/length', `${describeValue(v)} is longer than ${maxLength} characters (${n})`)
        }
      })
    }
    if (typeof pattern === 'string') {
      const compiled = compilePattern(pattern)
      if (compiled.ok) {
        // Flux and Calico give their intervals a duration pattern rather than `format: duration`; say so.
        const what = DURATION_PATTERN.test(pattern)
          ? 'is not a valid duration (Go syntax, e.g. 5m, 1h30m): it '
          : ''
        parts.push((v, ctx) => {
          if (!compiled.test(v))
            report(ctx, 'schema/pattern', `${describeValue(v)} ${what}does not match the pattern ${pattern}`)
        })
      } else {
        this.options.problems?.push({
          schemaPath: [...at, 'pattern'],
          message: `pattern ${pattern} is not valid RE2 (${compiled.error}); it is not checked`
        })
      }
    }
    if (parts.length === 0) return undefined
    return (v, ctx) => {
      for (const p of parts) p(v, ctx)
    }
  }

  private numberChecks(s: JsonSchema): ((v: number, ctx: WalkContext) => void) | undefined {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = s
    // OpenAPI 3.0 flags the bound as exclusive; JSON Schema gives the exclusive bound as a number.
    const min = typeof exclusiveMinimum === 'number' ? exclusiveMinimum : minimum
    const max = typeof exclusiveMaximum === 'number' ? exclusiveMaximum : maximum
    const minExclusive = typeof exclusiveMinimum === 'number' || exclusiveMinimum === true
    const maxExclusive = typeof exclusiveMaximum === 'number' || exclusiveMaximum === true
    const hasMin = typeof min === 'number'
    const hasMax = typeof max === 'number'
    const hasMultiple = typeof multipleOf === 'number' && multipleOf > 0
    if (!hasMin && !hasMax && !hasMultiple) return undefined
    return (v, ctx) => {
      if (hasMin && (minExclusive ? v <= min : v < min)) {
        report(
          ctx,
          'schema/range',
          `${v} is ${minExclusive ? 'not greater than' : 'less than the minimum'} ${min}`
        )
      } else if (hasMax && (maxExclusive ? v >= max : v > max)) {
        report(
          ctx,
          'schema/range',
          `${v} is ${maxExclusive ? 'not less than' : 'greater than the maximum'} ${max}`
        )
      }
      if (hasMultiple && !Number.isInteger(v / multipleOf))
        report(ctx, 'schema/range', `${v} is not a multiple of ${multipleOf}`)
    }
  }

  private objectChecks(
    s: JsonSchema,
    mode: Mode,
    at: SchemaPath,
    types: string[] | undefined
  ): ((v: Record<string, unknown>, ctx: WalkContext) => void) | undefined {
    const hasObjectKeywords =
      s.properties !== undefined ||
      s.additionalProperties !== undefined ||
      s.required !== undefined ||
      s.minProperties !== undefined ||
      s.maxProperties !== undefined ||
      s['x-kubernetes-embedded-resource'] === true
    const isObject = types?.includes('object') === true
    if (!hasObjectKeywords && !(isObject && mode === 'structural')) return undefined

    // Children are compiled when a value first reaches them (see `CompileOptions.eager`).
    const childSchemas: Readonly<Record<string, JsonSchema>> = s.properties ?? {}
    const names = Object.keys(childSchemas)
    const props = new Map<string, CompiledNode>()
    const prop = (key: string): CompiledNode | undefined => {
      let node = props.get(key)
      if (node === undefined && Object.prototype.hasOwnProperty.call(childSchemas, key)) {
        node = this.compile(childSchemas[key], mode, [...at, 'properties', key])
        props.set(key, node)
      }
      return node
    }
    const additionalSchema =
      s.additionalProperties !== undefined && typeof s.additionalProperties === 'object'
        ? s.additionalProperties
        : undefined
    let additionalNode: CompiledNode | undefined
    const additional = (): CompiledNode | undefined =>
      additionalSchema === undefined
        ? undefined
        : (additionalNode ??= this.compile(additionalSchema, mode, [...at, 'additionalProperties']))
    if (this.options.eager) {
      names.forEach(prop)
      additional()
    }
    const embedded = s['x-kubernetes-embedded-resource'] === true
    // Pruning keeps only declared fields unless the schema says otherwise; inside value validations nothing is
    // pruned, and a value check never reports a field as unknown.
    const unknownAllowed =
      mode === 'value' ||
      this.options.keepUnknownFields === true ||
      s['x-kubernetes-preserve-unknown-fields'] === true ||
      s.additionalProperties === true ||
      additionalSchema !== undefined
    const required = Array.isArray(s.required) ? s.required : []
    const { minProperties, maxProperties } = s
    const countKeys = typeof minProperties === 'number' || typeof maxProperties === 'number'
    const metadataValue =
      embedded && s.properties?.metadata
        ? this.compile(s.properties.metadata, 'value', [...at, 'properties', 'metadata'])
        : undefined
    const objectMeta = this.options.objectMeta ?? ANY

    return (obj, ctx) => {
      for (let i = 0; i < required.length; i++) {
        const key = required[i]
        const v = obj[key]
        if (v === undefined || (v === null && !prop(key)?.nullable)) {
          report(ctx, 'schema/required', 'required field is missing', undefined, key)
        }
      }
      if (embedded) {
        for (const key of ['apiVersion', 'kind']) {
          if (obj[key] === undefined || obj[key] === null || obj[key] === '') {
            report(
              ctx,
              'schema/required',
              'required field is missing (an embedded object needs apiVersion and kind)',
              undefined,
              key
            )
          }
        }
      }
      if (countKeys) {
        const keys = Object.keys(obj)
        if (typeof minProperties === 'number' && keys.length < minProperties) {
          report(ctx, 'schema/length', `has ${keys.length} fields, at least ${minProperties} required`)
        } else if (typeof maxProperties === 'number' && keys.length > maxProperties) {
          report(
            ctx,
            'schema/length',
            `has ${keys.length} fields (${listNames(keys)}), at most ${maxProperties} allowed`
          )
        }
      }
      // for-in walks the parser's plain objects without allocating a key array.
      for (const key in obj) {
        const v = obj[key]
        if (embedded && EMBEDDED_KEYS.has(key)) {
          if (v === null) continue
          ctx.path.push(key)
          if (key === 'metadata') {
            objectMeta.check(v, ctx)
            metadataValue?.check(v, ctx)
          } else if (Object.prototype.hasOwnProperty.call(childSchemas, key)) prop(key)?.check(v, ctx)
          else if (typeof v !== 'string')
            report(ctx, 'schema/type', `expected a string, got ${describeTyped(v)}`)
          ctx.path.pop()
          continue
        }
        const node = prop(key) ?? additional()
        if (node !== undefined) {
          if (v === null && !node.nullable) continue
          ctx.path.push(key)
          node.check(v, ctx)
          ctx.path.pop()
        } else if (!unknownAllowed) {
          const suggestion = closest(key, names)
          report(
            ctx,
            'schema/unknown-field',
            suggestion ? `unknown field; did you mean "${suggestion}"?` : 'unknown field',
            names.length > 0 ? `Fields allowed here: ${listNames(names)}.` : 'No fields are allowed here.',
            key
          )
        }
      }
    }
  }

  private arrayChecks(
    s: JsonSchema,
    mode: Mode,
    at: SchemaPath
  ): ((v: unknown[], ctx: WalkContext) => void) | undefined {
    const itemSchema = s.items !== undefined && !Array.isArray(s.items) ? s.items : undefined
    let itemNode: CompiledNode | undefined
    const items = (): CompiledNode | undefined =>
      itemSchema === undefined ? undefined : (itemNode ??= this.compile(itemSchema, mode, [...at, 'items']))
    if (this.options.eager) items()
    const { minItems, maxItems } = s
    const listType = s['x-kubernetes-list-type']
    const mapKeys = listType === 'map' ? (s['x-kubernetes-list-map-keys'] ?? []) : []
    const unique = s.uniqueItems === true || listType === 'set'
    if (!itemSchema && minItems === undefined && maxItems === undefined && !unique && mapKeys.length === 0)
      return undefined

    return (arr, ctx) => {
      if (typeof minItems === 'number' && arr.length < minItems) {
        report(ctx, 'schema/items', `has ${arr.length} items, at least ${minItems} required`)
      } else if (typeof maxItems === 'number' && arr.length > maxItems) {
        report(ctx, 'schema/items', `has ${arr.length} items, at most ${maxItems} allowed`)
      }
      const itemCheck = arr.length > 0 ? items() : undefined
      if (itemCheck) {
        for (let i = 0; i < arr.length; i++) {
          ctx.path.push(i)
          itemCheck.check(arr[i], ctx)
          ctx.path.pop()
        }
      }
      if (unique || mapKeys.length > 0) {
        const seen = new Map<string, number>()
        for (let i = 0; i < arr.length; i++) {
          const item = arr[i]
          const isMap = mapKeys.length > 0 && isObject(item)
          const key = isMap
            ? stableKey(mapKeys.map(k => (item as Record<string, unknown>)[k] ?? null))
            : stableKey(item)
          const first = seen.get(key)
          if (first === undefined) {
            seen.set(key, i)
            continue
          }
          const what = isMap
            ? `has the same ${mapKeys.join('/')} (${key.slice(1, -1)}) as`
            : 'is a duplicate of'
          report(
            { ...ctx, path: [...ctx.path, i] },
            'schema/items',
            `${what} item ${first}`,
            'Items of this list must be unique.'
          )
        }
      }
    }
  }

  private combinatorChecks(s: JsonSchema, at: SchemaPath): ((v: unknown, ctx: WalkContext) => void)[] {
    const checks: ((v: unknown, ctx: WalkContext) => void)[] = []
    const branches = (list: JsonSchema[] | undefined, key: string): CompiledNode[] =>
      (Array.isArray(list) ? list : []).map((b, i) => this.compile(b, 'value', [...at, key, i]))
    const matches = (node: CompiledNode, v: unknown, ctx: WalkContext): SchemaIssue[] => {
      const scratch: WalkContext = { path: ctx.path, issues: [] }
      node.check(v, scratch)
      return scratch.issues
    }

    const allOf = branches(s.allOf, 'allOf')
    if (allOf.length > 0) {
      checks.push((v, ctx) => {
        for (const b of allOf) b.check(v, ctx)
      })
    }
    // The anyOf [integer, string] that structural schemas require next to x-kubernetes-int-or-string repeats the
    // type check already made.
    const intOrString =
      s['x-kubernetes-int-or-string'] === true &&
      (s.anyOf ?? []).every(b => Object.keys(b).length === 1 && (b.type === 'integer' || b.type === 'string'))
    const anyOf = intOrString ? [] : branches(s.anyOf, 'anyOf')
    if (anyOf.length > 0) {
      const what = describeAlternatives(s.anyOf ?? [])
      checks.push((v, ctx) => {
        const failures: SchemaIssue[][] = []
        for (const b of anyOf) {
          const issues = matches(b, v, ctx)
          if (issues.length === 0) return
          failures.push(issues)
        }
        const message = what
          ? `at least one of ${what} must be set`
          : `matches none of the ${anyOf.length} allowed alternatives`
        report(ctx, 'schema/one-of', message, alternativesHint(failures))
      })
    }
    const oneOf = branches(s.oneOf, 'oneOf')
    if (oneOf.length > 0) {
      const what = describeAlternatives(s.oneOf ?? [])
      checks.push((v, ctx) => {
        const failures: SchemaIssue[][] = []
        let matched = 0
        for (const b of oneOf) {
          const issues = matches(b, v, ctx)
          if (issues.length === 0) matched++
          else failures.push(issues)
        }
        if (matched === 1) return
        const message = what
          ? `exactly one of ${what} must be set (${matched === 0 ? 'none is' : `${matched} are`})`
          : `must match exactly one of the ${oneOf.length} alternatives (matches ${matched})`
        report(ctx, 'schema/one-of', message, matched === 0 ? alternativesHint(failures) : undefined)
      })
    }
    if (s.not !== undefined) {
      const not = this.compile(s.not, 'value', [...at, 'not'])
      const what = describeAlternatives([s.not])
      checks.push((v, ctx) => {
        if (matches(not, v, ctx).length > 0) return
        report(ctx, 'schema/one-of', what ? `${what} must not be set` : 'matches a schema it must not match')
      })
    }
    return checks
  }
}

/** `url, secretRef` when every alternative only requires fields — the common "one of these fields" shape. */
function describeAlternatives(list: JsonSchema[]): string | undefined {
  const names: string[] = []
  for (const b of list) {
    const keys = Object.keys(b).filter(k => k !== 'description')
    if (keys.length !== 1 || keys[0] !== 'required' || !Array.isArray(b.required)) return undefined
    names.push(b.required.join(' + '))
  }
  return names.join(', ')
}

function alternativesHint(failures: SchemaIssue[][]): string | undefined {
  const reasons = failures.map(f => f[0]?.message).filter((m): m is string => m !== undefined)
  return reasons.length > 0 ? `Alternatives failed: ${reasons.join('; ')}.` : undefined
}

/**
 * A check of schema trees that remembers the ones it found nothing wrong with. Parsed values are shared wherever
 * their text repeats (see `SharedBlocks`): the same `conditions` schema in every CRD of a release, a CRD version
 * unchanged across releases. Each is then checked once. Values are read-only, so a clean result stays true; a
 * tree with issues is checked again wherever it occurs, so each occurrence reports its own path. Only schemas
 * with `properties` are remembered: a leaf schema is checked faster than it is looked up.
 */
function cleanMemo(check: Check): Check {
  const clean = new WeakSet<object>()
  return (value, ctx) => {
    if (
      typeof value !== 'object' ||
      value === null ||
      (value as { properties?: unknown }).properties === undefined
    )
      return check(value, ctx)
    if (clean.has(value)) return
    const before = ctx.issues.length
    check(value, ctx)
    if (ctx.issues.length === before) clean.add(value)
  }
}

/** Validates a value against a compiled node from its root, returning every issue. */
export function runNode(node: CompiledNode, value: unknown, basePath: SchemaPath = []): SchemaIssue[] {
  const ctx: WalkContext = { path: [...basePath], issues: [] }
  node.check(value, ctx)
  return ctx.issues
}
