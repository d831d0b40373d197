/**
 * A checker for the JSON Schema subset `schemas/*.schema.json` use: type, enum, properties, required,
 * additionalProperties: false, items, oneOf, and `$ref` to `#/definitions/...`. A keyword outside the subset
 * is an error, so a schema can never say more than is checked.
 */
type Schema = Record<string, unknown>

const KNOWN = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  'definitions',
  'type',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'oneOf',
  '$ref'
])

const typeOf = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number' && Number.isInteger(v)
        ? 'integer'
        : typeof v

/** Every violation of `schema` by `value`, as `path: what`; empty when it conforms. */
export function schemaErrors(root: Schema, value: unknown): string[] {
  let errors: string[] = []
  const check = (schema: Schema, v: unknown, at: string): void => {
    for (const k of Object.keys(schema))
      if (!KNOWN.has(k)) throw new Error(`unsupported keyword ${k} at ${at}`)
    if (typeof schema.$ref === 'string') {
      const name = /^#\/definitions\/(.+)$/.exec(schema.$ref)?.[1]
      const target = name ? (root.definitions as Record<string, Schema> | undefined)?.[name] : undefined
      if (!target) throw new Error(`unresolved $ref ${schema.$ref}`)
      check(target, v, at)
    }
    if (schema.type !== undefined) {
      const types = ([] as string[]).concat(schema.type as string | string[])
      const t = typeOf(v)
      if (!types.includes(t) && !(t === 'integer' && types.includes('number')))
        return void errors.push(`${at}: ${t}, not ${types.join(' or ')}`)
    }
    if (schema.enum && !(schema.enum as unknown[]).includes(v))
      errors.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(schema.enum)}`)
    if (schema.oneOf) {
      const outer = errors
      const matching = (schema.oneOf as Schema[]).filter(alternative => {
        errors = []
        check(alternative, v, at)
        return errors.length === 0
      })
      errors = outer
      if (matching.length !== 1) errors.push(`${at}: matches ${matching.length} of the oneOf schemas, not 1`)
    }
    if (typeOf(v) === 'object') {
      const o = v as Record<string, unknown>
      const props = (schema.properties ?? {}) as Record<string, Schema>
      for (const r of (schema.required ?? []) as string[])
        if (!(r in o)) errors.push(`${at}: ${r} is missing`)
      for (const [k, child] of Object.entries(o)) {
        if (props[k]) check(props[k], child, `${at}.${k}`)
        else if (schema.additionalProperties === false) errors.push(`${at}: unknown field ${k}`)
      }
    }
    if (Array.isArray(v) && schema.items)
      v.forEach((item, i) => check(schema.items as Schema, item, `${at}[${i}]`))
  }
  check(root, value, '$')
  return errors
}
