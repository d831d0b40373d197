import {
  SchemaCompiler,
  runNode,
  type JsonSchema,
  type SchemaIssue,
  type SchemaProblem
} from '../../../src/validate/schema/index.js'

const validate = (schema: JsonSchema, value: unknown): SchemaIssue[] =>
  runNode(new SchemaCompiler().compile(schema), value)
const rules = (issues: SchemaIssue[]) => issues.map(i => [i.rule, i.path])

const obj = (properties: Record<string, JsonSchema>, extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  properties,
  ...extra
})

describe('types', () => {
  const schema = obj({
    s: { type: 'string' },
    i: { type: 'integer' },
    n: { type: 'number' },
    b: { type: 'boolean' },
    a: { type: 'array', items: { type: 'string' } },
    o: obj({ x: { type: 'string' } })
  })

  test('values of the declared types pass; integers are numbers', () => {
    expect(validate(schema, { s: 'x', i: 3, n: 3, b: false, a: ['x'], o: { x: 'y' } })).toEqual([])
    expect(validate(schema, { n: 2.5 })).toEqual([])
  })

  test('each mismatch is schema/type at the field, naming both types', () => {
    const issues = validate(schema, { s: 5, i: 2.5, n: '1', b: 'yes', a: 'x', o: [] })
    expect(rules(issues)).toEqual([
      ['schema/type', ['s']],
      ['schema/type', ['i']],
      ['schema/type', ['n']],
      ['schema/type', ['b']],
      ['schema/type', ['a']],
      ['schema/type', ['o']]
    ])
    expect(issues[0].message).toBe('s: expected a string, got the number 5')
    expect(issues[0].hint).toContain('quote it ("5")')
    expect(issues[3].message).toBe('b: expected a boolean (true or false), got the string "yes"')
    expect(issues[4].message).toBe('a: expected a list, got the string "x"')
  })

  test('an array item of the wrong type is reported at its index', () => {
    expect(rules(validate(schema, { a: ['x', 1] }))).toEqual([['schema/type', ['a', 1]]])
  })
})

describe('unknown fields follow pruning', () => {
  test('a field the schema does not declare is schema/unknown-field at its own path, with a suggestion', () => {
    const issues = validate(obj({ spec: obj({ interval: { type: 'string' }, url: { type: 'string' } }) }), {
      spec: { intervall: '5m', url: 'x' }
    })
    expect(rules(issues)).toEqual([['schema/unknown-field', ['spec', 'intervall']]])
    expect(issues[0].message).toBe('spec.intervall: unknown field; did you mean "interval"?')
    expect(issues[0].hint).toBe('Fields allowed here: interval, url.')
  })

  test('an object schema without properties prunes everything', () => {
    expect(rules(validate(obj({ o: { type: 'object' } }), { o: { a: 1 } }))).toEqual([
      ['schema/unknown-field', ['o', 'a']]
    ])
  })

  test('x-kubernetes-preserve-unknown-fields keeps anything, and still checks what is declared', () => {
    const schema = obj({
      values: {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        properties: { n: { type: 'integer' } }
      },
      raw: { 'x-kubernetes-preserve-unknown-fields': true }
    })
    const anything = { deep: [{ x: { y: null } }], 'a.b': true }
    expect(validate(schema, { values: anything, raw: anything })).toEqual([])
    expect(validate(schema, { raw: 'a string' })).toEqual([])
    expect(rules(validate(schema, { values: { n: 'x' } }))).toEqual([['schema/type', ['values', 'n']]])
  })

  test('additionalProperties: a schema checks every value; true allows any; false allows none', () => {
    const schema = obj({
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      free: { type: 'object', additionalProperties: true },
      closed: { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } }
    })
    expect(validate(schema, { labels: { a: 'x' }, free: { any: [1] }, closed: { a: 'x' } })).toEqual([])
    expect(rules(validate(schema, { labels: { 'app.kubernetes.io/name': 1 }, closed: { b: 1 } }))).toEqual([
      ['schema/type', ['labels', 'app.kubernetes.io/name']],
      ['schema/unknown-field', ['closed', 'b']]
    ])
    expect(validate(schema, { labels: { 'app.kubernetes.io/name': 1 } })[0].message).toBe(
      'labels["app.kubernetes.io/name"]: expected a string, got the number 1'
    )
  })
})

describe('required and null', () => {
  const schema = obj(
    { a: { type: 'string' }, b: { type: 'string', nullable: true } },
    { required: ['a', 'b'] }
  )

  test('a missing required field is reported at the path it should have', () => {
    const issues = validate({ type: 'object', properties: { spec: schema } }, { spec: { b: 'x' } })
    expect(rules(issues)).toEqual([['schema/required', ['spec', 'a']]])
    expect(issues[0].message).toBe('spec.a: required field is missing')
  })

  test('null is an absent field unless the schema is nullable, as the API server prunes it', () => {
    expect(rules(validate(schema, { a: null, b: null }))).toEqual([['schema/required', ['a']]])
    expect(validate(obj({ s: { type: 'string' } }), { s: null })).toEqual([])
  })

  test('null in a list is a type error', () => {
    expect(rules(validate({ type: 'array', items: { type: 'string' } }, ['a', null]))).toEqual([
      ['schema/type', [1]]
    ])
  })
})

describe('x-kubernetes-int-or-string', () => {
  const schema = obj({
    port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }
  })

  test('accepts an integer and a string', () => {
    expect(validate(schema, { port: 8080 })).toEqual([])
    expect(validate(schema, { port: 'http' })).toEqual([])
  })

  test('rejects anything else with one type issue', () => {
    const issues = validate(schema, { port: true })
    expect(rules(issues)).toEqual([['schema/type', ['port']]])
    expect(issues[0].message).toBe('port: expected an integer or a string, got the boolean true')
  })
})

describe('value validation', () => {
  test('enum lists the allowed values and suggests the closest', () => {
    const issues = validate(obj({ p: { type: 'string', enum: ['Delete', 'Orphan'] } }), { p: 'delete' })
    expect(rules(issues)).toEqual([['schema/enum', ['p']]])
    expect(issues[0].message).toBe('p: "delete" is not one of: Delete, Orphan')
    expect(issues[0].hint).toContain('Did you mean "Delete"?')
  })

  test('patterns are RE2: (?i) works, and the match is unanchored unless the pattern anchors it', () => {
    const schema = obj({
      mode: { type: 'string', pattern: '^(?i)(Drop|Reject)?$' },
      part: { type: 'string', pattern: 'b+' }
    })
    expect(validate(schema, { mode: 'drop', part: 'abba' })).toEqual([])
    const issues = validate(schema, { mode: 'Accept' })
    expect(rules(issues)).toEqual([['schema/pattern', ['mode']]])
    expect(issues[0].message).toBe('mode: "Accept" does not match the pattern ^(?i)(Drop|Reject)?$')
  })

  test('a duration pattern says that it wants a Go duration', () => {
    const issues = validate(
      obj({ interval: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' } }),
      {
        interval: '5 minutes'
      }
    )
    expect(issues[0].message).toMatch(
      /^interval: "5 minutes" is not a valid duration \(Go syntax, e\.g\. 5m, 1h30m\)/
    )
  })

  test('minimum, maximum and their exclusive forms are schema/range', () => {
    const schema = obj({
      a: { type: 'integer', minimum: 1, maximum: 3 },
      b: { type: 'number', minimum: 0, exclusiveMinimum: true },
      c: { type: 'number', maximum: 10, exclusiveMaximum: true },
      d: { type: 'integer', multipleOf: 5 }
    })
    expect(validate(schema, { a: 1, b: 0.1, c: 9.9, d: 10 })).toEqual([])
    const issues = validate(schema, { a: 4, b: 0, c: 10, d: 7 })
    expect(rules(issues)).toEqual([
      ['schema/range', ['a']],
      ['schema/range', ['b']],
      ['schema/range', ['c']],
      ['schema/range', ['d']]
    ])
    expect(issues[0].message).toBe('a: 4 is greater than the maximum 3')
  })

  test('minLength and maxLength count characters', () => {
    const schema = obj({ s: { type: 'string', minLength: 2, maxLength: 3 } })
    expect(validate(schema, { s: '😀😀' })).toEqual([])
    expect(rules(validate(schema, { s: 'a' }))).toEqual([['schema/length', ['s']]])
    expect(validate(schema, { s: 'abcd' })[0].message).toBe('s: "abcd" is longer than 3 characters (4)')
  })

  test('minProperties and maxProperties count fields', () => {
    const schema = obj({ o: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 1 } })
    expect(rules(validate(schema, { o: { a: 'x', b: 'y' } }))).toEqual([['schema/length', ['o']]])
  })

  test('minItems, maxItems, uniqueItems and list-type set/map are schema/items', () => {
    const schema = obj({
      few: { type: 'array', minItems: 1, items: { type: 'string' } },
      many: { type: 'array', maxItems: 1, items: { type: 'string' } },
      unique: { type: 'array', uniqueItems: true, items: { type: 'string' } },
      set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      map: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: obj({ name: { type: 'string' }, v: { type: 'string' } })
      }
    })
    expect(
      validate(schema, {
        few: ['a'],
        many: [],
        unique: ['a', 'b'],
        set: ['a'],
        map: [{ name: 'a' }, { name: 'b' }]
      })
    ).toEqual([])
    const issues = validate(schema, {
      few: [],
      many: ['a', 'b'],
      unique: ['a', 'a'],
      set: ['x', 'x'],
      map: [
        { name: 'a', v: '1' },
        { name: 'a', v: '2' }
      ]
    })
    expect(rules(issues)).toEqual([
      ['schema/items', ['few']],
      ['schema/items', ['many']],
      ['schema/items', ['unique', 1]],
      ['schema/items', ['set', 1]],
      ['schema/items', ['map', 1]]
    ])
    expect(issues[4].message).toBe('map[1]: has the same name ("a") as item 0')
  })
})

describe('formats', () => {
  const schema = obj({
    d: { type: 'string', format: 'duration' },
    t: { type: 'string', format: 'date-time' },
    b: { type: 'string', format: 'byte' },
    i: { type: 'integer', format: 'int32' },
    other: { type: 'string', format: 'no-such-format' }
  })

  test('valid values pass and unknown formats are not checked', () => {
    expect(
      validate(schema, { d: '1h30m', t: '2024-02-29T10:00:00Z', b: 'aGVsbG8=', i: -5, other: '?' })
    ).toEqual([])
  })

  test('invalid values are schema/format with what was expected', () => {
    const issues = validate(schema, {
      d: '5 minutes',
      t: '2023-02-29T10:00:00Z',
      b: 'not base64!',
      i: 2 ** 31
    })
    expect(rules(issues)).toEqual([
      ['schema/format', ['d']],
      ['schema/format', ['t']],
      ['schema/format', ['b']],
      ['schema/format', ['i']]
    ])
    expect(issues[0].message).toBe('d: "5 minutes" is not a valid duration (Go syntax, e.g. 5m, 1h30m)')
  })
})

describe('oneOf, anyOf, allOf, not: value validation only', () => {
  const oneOf = obj(
    { url: { type: 'string' }, secretRef: obj({ name: { type: 'string' } }) },
    { oneOf: [{ required: ['url'] }, { required: ['secretRef'] }] }
  )

  test('oneOf of required fields names the fields', () => {
    expect(validate(oneOf, { url: 'x' })).toEqual([])
    const none = validate(oneOf, {})
    expect(rules(none)).toEqual([['schema/one-of', []]])
    expect(none[0].message).toBe('(root): exactly one of url, secretRef must be set (none is)')
    expect(validate(oneOf, { url: 'x', secretRef: { name: 'y' } })[0].message).toBe(
      '(root): exactly one of url, secretRef must be set (2 are)'
    )
  })

  test('anyOf needs one matching alternative; fields declared only inside it are still unknown', () => {
    const schema = obj(
      { a: { type: 'string' } },
      { anyOf: [{ properties: { a: { pattern: '^x' } } }, { properties: { a: { pattern: '^y' } } }] }
    )
    expect(validate(schema, { a: 'yes' })).toEqual([])
    expect(rules(validate(schema, { a: 'no' }))).toEqual([['schema/one-of', []]])
    const inner = obj({}, { anyOf: [{ properties: { b: { type: 'string' } } }] })
    expect(rules(validate(inner, { b: 'x' }))).toEqual([['schema/unknown-field', ['b']]])
  })

  test('allOf reports each alternative as itself; not rejects a match', () => {
    const schema = obj(
      { n: { type: 'integer' } },
      { allOf: [{ properties: { n: { minimum: 1 } } }], not: { required: ['forbidden'] } }
    )
    expect(rules(validate(schema, { n: 0 }))).toEqual([['schema/range', ['n']]])
    const withForbidden = {
      type: 'object',
      properties: { forbidden: { type: 'string' } },
      not: { required: ['forbidden'] }
    }
    const issues = validate(withForbidden, { forbidden: 'x' })
    expect(rules(issues)).toEqual([['schema/one-of', []]])
    expect(issues[0].message).toBe('(root): forbidden must not be set')
  })
})

describe('x-kubernetes-embedded-resource', () => {
  const schema = obj({
    template: {
      type: 'object',
      'x-kubernetes-embedded-resource': true,
      'x-kubernetes-preserve-unknown-fields': true
    }
  })

  test('apiVersion, kind and metadata are allowed; apiVersion and kind are required', () => {
    expect(
      validate(schema, {
        template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: {} }
      })
    ).toEqual([])
    expect(rules(validate(schema, { template: { metadata: {} } }))).toEqual([
      ['schema/required', ['template', 'apiVersion']],
      ['schema/required', ['template', 'kind']]
    ])
  })

  test('metadata is checked by the node the caller provides for ObjectMeta', () => {
    const objectMeta = new SchemaCompiler().compile(obj({ name: { type: 'string' } }))
    const node = new SchemaCompiler({ objectMeta }).compile(schema)
    expect(
      rules(runNode(node, { template: { apiVersion: 'v1', kind: 'X', metadata: { nmae: 'x' } } }))
    ).toEqual([['schema/unknown-field', ['template', 'metadata', 'nmae']]])
  })
})

describe('compilation', () => {
  test('a pattern RE2 cannot compile is a schema problem, and its field is not checked', () => {
    const problems: SchemaProblem[] = []
    const schema = obj({ s: { type: 'string', pattern: '(?<=a)b' } })
    const node = new SchemaCompiler({ problems, eager: true }).compile(schema)
    expect(problems).toEqual([
      { schemaPath: ['properties', 's', 'pattern'], message: expect.stringContaining('(?<=a)b') }
    ])
    expect(runNode(node, { s: 'anything' })).toEqual([])
  })

  test('subschemas are compiled when a value first reaches them, unless compilation is eager', () => {
    const problems: SchemaProblem[] = []
    const schema = obj({
      used: { type: 'string' },
      unused: obj({ deep: { type: 'string', pattern: '(?<=a)b' } }),
      list: { type: 'array', items: { type: 'string', pattern: '(?<=c)d' } }
    })
    const node = new SchemaCompiler({ problems }).compile(schema)
    expect(problems).toEqual([])
    expect(runNode(node, { used: 'x', list: [] })).toEqual([])
    expect(problems).toEqual([])
    // Reaching a field compiles its schema, with the same result as compiling everything up front.
    expect(rules(runNode(node, { used: 1, unused: { deep: 'x', extra: 1 }, list: ['d'] }))).toEqual([
      ['schema/type', ['used']],
      ['schema/unknown-field', ['unused', 'extra']]
    ])
    expect(problems.map(p => p.schemaPath)).toEqual([
      ['properties', 'unused', 'properties', 'deep', 'pattern'],
      ['properties', 'list', 'items', 'pattern']
    ])
    const eager: SchemaProblem[] = []
    new SchemaCompiler({ problems: eager, eager: true }).compile(schema)
    expect(eager.map(p => p.schemaPath)).toEqual(problems.map(p => p.schemaPath))
  })

  test('$ref resolves named definitions, recursively', () => {
    const definitions: Record<string, JsonSchema> = {
      Tree: obj({ name: { type: 'string' }, children: { type: 'array', items: { $ref: 'Tree' } } })
    }
    const node = new SchemaCompiler({ definitions }).compile({ $ref: 'Tree' })
    expect(runNode(node, { name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] })).toEqual([])
    expect(rules(runNode(node, { children: [{ children: [{ name: 1 }] }] }))).toEqual([
      ['schema/type', ['children', 0, 'children', 0, 'name']]
    ])
  })

  test('a tree of schemas shared in several places reports its issues at each place', () => {
    // As in JSONSchemaProps: a definition whose `properties` are schemas of the same definition.
    const definitions: Record<string, JsonSchema> = {
      Props: obj({
        type: { type: 'string' },
        properties: { type: 'object', additionalProperties: { $ref: 'Props' } }
      })
    }
    const node = new SchemaCompiler({ definitions }).compile({ $ref: 'Props' })
    const clean = { type: 'object', properties: { a: { type: 'string' } } }
    const broken = { type: 'object', properties: { b: { type: 7 } } }
    // The same objects twice, as the fast loader returns repeated text: the clean one is still clean, the broken
    // one is reported at both paths.
    const root = { properties: { x: clean, y: clean, p: broken, q: broken } }
    expect(rules(runNode(node, root))).toEqual([
      ['schema/type', ['properties', 'p', 'properties', 'b', 'type']],
      ['schema/type', ['properties', 'q', 'properties', 'b', 'type']]
    ])
    expect(rules(runNode(node, root))).toHaveLength(2)
  })

  test('the same schema object compiles once', () => {
    const compiler = new SchemaCompiler()
    const schema = obj({ a: { type: 'string' } })
    expect(compiler.compile(schema)).toBe(compiler.compile(schema))
  })
})
