import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * GitHub's OpenAPI description of the operations the double serves (support/github/openapi.json, cut out of
 * @octokit/openapi by scripts/trim-github-openapi.ts), and the checks the double makes with it: every request the
 * action sends and every response the double gives must fit the published shapes, so that a test against the
 * double says something about GitHub.
 */

type Schema = Record<string, unknown>

interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  required?: boolean
  schema?: Schema
  $ref?: string
}

interface Operation {
  operationId: string
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> }
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: Schema }> }>
}

interface Spec {
  paths: Record<string, Record<string, Operation>>
  components: Record<string, Record<string, unknown>>
}

const spec = JSON.parse(
  readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'openapi.json'), 'utf8')
) as Spec

function resolve<T>(v: T & { $ref?: string }): T {
  let cur: unknown = v
  while (cur && typeof cur === 'object' && typeof (cur as { $ref?: unknown }).$ref === 'string') {
    const [, , kind, name] = (cur as { $ref: string }).$ref.split('/')
    cur = spec.components[kind]?.[name]
    if (cur === undefined) throw new Error(`openapi.json lacks ${(v as { $ref: string }).$ref}`)
  }
  return cur as T
}

export interface MatchedOperation {
  operationId: string
  method: string
  template: string
  /** Path parameters, percent-decoded. */
  params: Record<string, string>
  operation: Operation
}

const templates = Object.entries(spec.paths).map(([template, item]) => {
  const names: string[] = []
  const segments = template.split('/')
  const source = segments
    .map((s, i) => {
      const m = /^\{(\w+)\}$/.exec(s)
      if (!m) return s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      names.push(m[1])
      // A git ref ends the path and may hold slashes (`heads/flux-crs-upgrade/flux`).
      return i === segments.length - 1 && m[1] === 'ref' ? '(.+)' : '([^/]+)'
    })
    .join('/')
  return { template, item, names, re: new RegExp(`^${source}$`) }
})

/** The operation a request is for, or undefined when the double serves no such operation. */
export function matchOperation(method: string, pathname: string): MatchedOperation | undefined {
  for (const t of templates) {
    const m = t.re.exec(pathname)
    const operation = t.item[method.toLowerCase()]
    if (!m || !operation) continue
    const params: Record<string, string> = {}
    t.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])))
    return { operationId: operation.operationId, method, template: t.template, params, operation }
  }
  return undefined
}

/** What is wrong with a request for `op`: its parameters and its JSON body. Empty when it fits. */
export function checkRequest(
  op: MatchedOperation,
  query: URLSearchParams,
  body: unknown,
  hasBody: boolean
): string[] {
  const problems: string[] = []
  const declared = (op.operation.parameters ?? []).map(p => resolve(p))
  for (const p of declared) {
    const raw = p.in === 'path' ? op.params[p.name] : p.in === 'query' ? query.get(p.name) : undefined
    if (p.in === 'header') continue
    if (raw === null || raw === undefined) {
      if (p.required) problems.push(`missing ${p.in} parameter ${p.name}`)
      continue
    }
    if (p.schema) problems.push(...check(p.schema, coerce(p.schema, raw), `${p.in} ${p.name}`, false))
  }
  for (const name of query.keys()) {
    if (!declared.some(p => p.in === 'query' && p.name === name))
      problems.push(`unknown query parameter ${name}`)
  }
  const rb = op.operation.requestBody
  if (!rb) {
    if (hasBody) problems.push('a body where the operation takes none')
  } else if (!hasBody) {
    if (rb.required) problems.push('no body where the operation requires one')
  } else {
    const schema = rb.content['application/json']?.schema
    if (!schema) problems.push('the operation takes no JSON body')
    // Strict on what the action sends: an unknown field is a typo GitHub would silently ignore.
    else problems.push(...check(schema, body, 'body', true))
  }
  return problems
}

/** What is wrong with a response the double is about to send for `op`. Empty when it fits. */
export function checkResponse(op: MatchedOperation, status: number, body: unknown): string[] {
  const declared = op.operation.responses[String(status)]
  if (!declared) return [`status ${status} is not a documented response of ${op.operationId}`]
  const response = resolve(declared)
  const schema = response.content?.['application/json']?.schema
  // A status documented without content (request-reviewers' 422): GitHub still sends its message; any body goes.
  if (!schema) return []
  return check(schema, body, 'response', false)
}

/** The schema of a list's items. */
export function itemsOf(schema: Schema): Schema {
  return resolve(schema).items as Schema
}

/** The JSON schema of a documented response, for building a body that fits it. */
export function responseSchema(operationId: string, status: number): Schema | undefined {
  for (const item of Object.values(spec.paths)) {
    for (const op of Object.values(item)) {
      if (op.operationId !== operationId) continue
      const r = op.responses[String(status)]
      return r ? resolve(r).content?.['application/json']?.schema : undefined
    }
  }
  return undefined
}

function coerce(schema: Schema, raw: string): unknown {
  const s = resolve(schema)
  if (s.type === 'integer' || s.type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw
  if (s.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw
  return raw
}

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v

/** Checks a value against an OpenAPI 3.0 schema; `strict` also refuses properties the schema does not name. */
export function check(schema: Schema, value: unknown, at: string, strict: boolean): string[] {
  const s = resolve(schema)
  if (value === null && s.nullable === true) return []
  if (Array.isArray(s.allOf)) return (s.allOf as Schema[]).flatMap(x => check(x, value, at, false))
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (!Array.isArray(s[key])) continue
    // GitHub's alternatives overlap (a list of names, or an object holding one): one that fits is enough.
    const each = (s[key] as Schema[]).map(x => check(x, value, at, strict))
    if (each.some(p => p.length === 0)) return []
    return [`${at}: fits none of the ${each.length} alternatives (${each.map(p => p[0]).join('; ')})`]
  }
  const problems: string[] = []
  const actual = typeOf(value)
  const type = s.type as string | undefined
  if (type && !(actual === type || (type === 'number' && actual === 'integer'))) {
    return [`${at}: ${actual} where the schema says ${type}${s.nullable ? ' (or null)' : ''}`]
  }
  if (Array.isArray(s.enum) && !s.enum.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`)
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength)
      problems.push(`${at}: shorter than ${s.minLength}`)
    if (typeof s.maxLength === 'number' && value.length > s.maxLength)
      problems.push(`${at}: longer than ${s.maxLength}`)
    if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) problems.push(`${at}: not a date-time`)
    if (s.format === 'uri' && !URL.canParse(value)) problems.push(`${at}: not a URI`)
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems)
      problems.push(`${at}: fewer than ${s.minItems} items`)
    if (s.items) value.forEach((v, i) => problems.push(...check(s.items as Schema, v, `${at}[${i}]`, strict)))
  }
  if (actual === 'object' && (type === 'object' || s.properties)) {
    const obj = value as Record<string, unknown>
    const props = (s.properties ?? {}) as Record<string, Schema>
    for (const r of (s.required ?? []) as string[])
      if (!(r in obj)) problems.push(`${at}: lacks required ${r}`)
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) problems.push(...check(props[k], v, `${at}.${k}`, strict))
      else if (s.additionalProperties && typeof s.additionalProperties === 'object')
        problems.push(...check(s.additionalProperties as Schema, v, `${at}.${k}`, strict))
      else if (s.additionalProperties === false || (strict && s.properties))
        problems.push(`${at}: unknown property ${k}`)
    }
  }
  return problems
}

/**
 * The smallest value the schema accepts: required properties only, the first enum value or alternative, a
 * well-formed date-time and URI. The double starts every response body from this and sets what its state knows,
 * so a body has every field GitHub documents as always present.
 */
export function minimal(schema: Schema): unknown {
  const s = resolve(schema)
  if (Array.isArray(s.allOf)) {
    return Object.assign({}, ...(s.allOf as Schema[]).map(x => minimal(x) as object))
  }
  for (const key of ['oneOf', 'anyOf'] as const)
    if (Array.isArray(s[key])) return minimal((s[key] as Schema[])[0])
  if (Array.isArray(s.enum)) return s.enum[0]
  if (s.nullable === true && s.type !== 'object' && s.type !== 'array') return null
  switch (s.type) {
    case 'string':
      return s.format === 'date-time'
        ? '2026-01-01T00:00:00Z'
        : s.format === 'uri'
          ? 'https://example.invalid/'
          : ''
    case 'integer':
    case 'number':
      return 0
    case 'boolean':
      return false
    case 'array':
      return []
    default: {
      const out: Record<string, unknown> = {}
      const props = (s.properties ?? {}) as Record<string, Schema>
      for (const r of (s.required ?? []) as string[]) out[r] = props[r] ? minimal(props[r]) : null
      return out
    }
  }
}
