/**
 * Builds `src/validate/schema/builtin/definitions.json`, the Kubernetes schemas the built-in validator checks
 * against, from the typings of `kubernetes-models` (a dev dependency, pinned).
 *
 * Why typings: no well-kept npm package ships Kubernetes' raw `swagger.json`. `kubernetes-models` generates, from
 * that swagger, one `.d.ts` per definition (every property, optional or required, string-literal enums) and ajv
 * validators compiled to code. The typings carry what a strict structural check needs, and the compiled validators
 * tell which numbers are integers; what is still lost (most string formats) is noted in `builtin.ts`.
 *
 * Run `npm run generate:schemas` after bumping `kubernetes-models`;
 * `builtin-definitions.test.ts` fails while the committed file is stale.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export interface GeneratedSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean'
  properties?: Record<string, GeneratedSchema>
  required?: string[]
  additionalProperties?: GeneratedSchema
  items?: GeneratedSchema
  enum?: string[]
  format?: string
  $ref?: string
}

export interface GeneratedDefinitions {
  /** The package the data comes from, for messages and for the freshness test. */
  source: string
  /** `apiVersion/kind` (core group: `v1/Kind`) → definition id, for the served (GA) API versions. */
  kinds: Record<string, string>
  /** `apiVersion/kind` of the API versions Kubernetes has removed that the package still carries. */
  removed: string[]
  definitions: Record<string, GeneratedSchema>
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const definitionsFile = path.join(repoRoot, 'src/validate/schema/builtin/definitions.json')

/**
 * Swagger formats the typings drop but that catch real mistakes: Secret data must be base64 (the API server
 * rejects anything else when it decodes the object).
 */
const FORMAT_PATCHES: { id: string; property: string; format: string }[] = [
  { id: 'IoK8sApiCoreV1Secret', property: 'data', format: 'byte' },
  { id: 'IoK8sApiCoreV1ConfigMap', property: 'binaryData', format: 'byte' }
]

/**
 * The typings say `number` for integers too; the compiled validators next to them (`_schemas/<id>.js`, ajv
 * standalone code) still know. A validator function whose own type check is `integer` marks every property
 * validated with it as an integer, with its int32/int64 format.
 */
function integerProperties(schemasDir: string, id: string): Map<string, GeneratedSchema> {
  const out = new Map<string, GeneratedSchema>()
  const file = path.join(schemasDir, `${id}.js`)
  if (!fs.existsSync(file)) return out
  const code = fs.readFileSync(file, 'utf8')
  const integerFunctions = new Map<string, GeneratedSchema>()
  for (const m of code.matchAll(/function (validate\d+)\(data,[^)]*\)\{(.*?)return \1\.errors=/gs)) {
    const body = m[2]
    if (!body.includes('{instancePath,schemaPath:"#/type",keyword:"type",params:{type:"integer"}}')) continue
    const format =
      /\{instancePath,schemaPath:"#\/format",keyword:"format",params:\{format:"(int32|int64)"\}\}/.exec(
        body
      )?.[1]
    integerFunctions.set(m[1], { type: 'integer', ...(format ? { format } : {}) })
  }
  for (const m of code.matchAll(/void 0!==data(?:\.([\w$]+)|\["([^"]+)"\])&&\((validate\d+)\(/g)) {
    const schema = integerFunctions.get(m[3])
    if (schema) out.set(m[1] ?? m[2], schema)
  }
  return out
}

function dtsFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) {
      // `_schemas` holds the compiled validators, not typings of definitions.
      if (e.name !== '_schemas' && e.name !== 'node_modules') dtsFiles(p, out)
    } else if (e.name.endsWith('.d.ts') && e.name !== 'index.d.ts') out.push(p)
  }
  return out
}

/** `IIoK8sApiAppsV1Deployment` (the exported alias of an interface) → `IoK8sApiAppsV1Deployment`. */
const idOf = (alias: string): string => alias.replace(/^I(?=IoK8s)/, '')

interface ParsedFile {
  file: string
  /** Local interface / alias name → global id. */
  localIds: Map<string, string>
  declarations: (ts.InterfaceDeclaration | ts.TypeAliasDeclaration)[]
}

function parseFile(file: string): ParsedFile {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const localIds = new Map<string, string>()
  const declarations: ParsedFile['declarations'] = []
  sf.forEachChild(node => {
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) declarations.push(node)
    if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) {
      for (const el of node.exportClause.elements) {
        const local = el.propertyName?.text ?? el.name.text
        if (el.name.text.startsWith('IIoK8s')) localIds.set(local, idOf(el.name.text))
      }
    }
  })
  return { file, localIds, declarations }
}

function convertType(node: ts.TypeNode, parsed: ParsedFile, where: string): GeneratedSchema {
  if (node.kind === ts.SyntaxKind.StringKeyword) return { type: 'string' }
  if (node.kind === ts.SyntaxKind.NumberKeyword) return { type: 'number' }
  if (node.kind === ts.SyntaxKind.BooleanKeyword) return { type: 'boolean' }
  if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal))
    return { type: 'string', enum: [node.literal.text] }
  if (ts.isUnionTypeNode(node)) {
    const literals = node.types.map(t =>
      ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : null
    )
    if (literals.every(l => l !== null)) return { type: 'string', enum: literals as string[] }
  }
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
    const name = node.typeName.text
    if (name === 'Array' && node.typeArguments?.length === 1) {
      return { type: 'array', items: convertType(node.typeArguments[0], parsed, where) }
    }
    const id = name.startsWith('IIoK8s') ? idOf(name) : parsed.localIds.get(name)
    if (id) return { $ref: id }
  }
  if (
    ts.isTypeLiteralNode(node) &&
    node.members.length === 1 &&
    ts.isIndexSignatureDeclaration(node.members[0])
  ) {
    const sig = node.members[0]
    return { type: 'object', additionalProperties: convertType(sig.type, parsed, where) }
  }
  // An inline object type: the models substitute one for a definition they patch (StatefulSet's PVC templates).
  if (ts.isTypeLiteralNode(node)) return objectSchema(node.members, parsed, where).schema
  throw new Error(`${where}: unsupported type ${ts.SyntaxKind[node.kind]} \`${node.getText()}\``)
}

function propertyName(name: ts.PropertyName): string {
  if (ts.isStringLiteral(name) || ts.isIdentifier(name)) return name.text
  throw new Error(`unsupported property name ${name.getText()}`)
}

function objectSchema(
  members: ts.NodeArray<ts.TypeElement>,
  parsed: ParsedFile,
  where: string
): { schema: GeneratedSchema; apiVersion?: string; kind?: string } {
  // An interface without members is a definition the swagger leaves open (RawExtension, JSON, ...).
  if (members.length === 0) return { schema: {} }
  const properties: Record<string, GeneratedSchema> = {}
  const required: string[] = []
  let apiVersion: string | undefined
  let kind: string | undefined
  for (const m of members) {
    if (!ts.isPropertySignature(m) || !m.type) throw new Error(`${where}: unsupported member ${m.getText()}`)
    const name = propertyName(m.name)
    const schema = convertType(m.type, parsed, `${where}.${name}`)
    if ((name === 'apiVersion' || name === 'kind') && schema.enum?.length === 1) {
      // The models pin apiVersion/kind to literals; the validator looks kinds up by them instead.
      if (name === 'apiVersion') apiVersion = schema.enum[0]
      else kind = schema.enum[0]
      properties[name] = { type: 'string' }
      continue
    }
    properties[name] = schema
    if (!m.questionToken) required.push(name)
  }
  const schema: GeneratedSchema = { type: 'object', properties }
  if (required.length > 0) schema.required = required.sort()
  return { schema, apiVersion, kind }
}

export function generateBuiltinDefinitions(root = repoRoot): GeneratedDefinitions {
  const modelsRoot = path.join(root, 'node_modules/kubernetes-models')
  const machineryRoot = path.join(root, 'node_modules/@kubernetes-models/apimachinery')
  const all: Record<string, GeneratedSchema> = {}
  const kinds: Record<string, string> = {}
  const removed: string[] = []

  for (const file of [...dtsFiles(modelsRoot), ...dtsFiles(machineryRoot)].sort()) {
    const parsed = parseFile(file)
    const rel = path.relative(root, file)
    for (const decl of parsed.declarations) {
      const id = parsed.localIds.get(decl.name.text)
      if (!id) continue
      if (ts.isTypeAliasDeclaration(decl)) {
        // Scalars with a wire format of their own (IntOrString, Quantity, Time): the validator gives them meaning
        // by id; a plain alias of a plain type is kept as that type.
        const t = decl.type
        all[id] = ts.isUnionTypeNode(t) ? {} : convertType(t, parsed, `${rel} ${decl.name.text}`)
        continue
      }
      const { schema, apiVersion, kind } = objectSchema(decl.members, parsed, `${rel} ${decl.name.text}`)
      const packageRoot = file.startsWith(machineryRoot) ? machineryRoot : modelsRoot
      for (const [name, integer] of integerProperties(path.join(packageRoot, '_schemas'), id)) {
        const property = schema.properties?.[name]
        if (property?.type !== 'number')
          throw new Error(`${rel}: ${name} validates as an integer but is typed ${JSON.stringify(property)}`)
        Object.assign(property, integer)
      }
      all[id] = schema
      if (apiVersion && kind && !kind.endsWith('List')) {
        const version = apiVersion.split('/').pop() ?? ''
        // The package also carries API versions that Kubernetes has removed (extensions/v1beta1, apps/v1beta2,
        // policy/v1beta1, ...) and, since it follows GA releases only, no beta that is still served: the GA
        // versions are exactly the served ones.
        if (/^v\d+$/.test(version)) kinds[`${apiVersion}/${kind}`] = id
        else removed.push(`${apiVersion}/${kind}`)
      }
    }
  }

  for (const p of FORMAT_PATCHES) {
    const target = all[p.id]?.properties?.[p.property]?.additionalProperties
    if (!target) throw new Error(`format patch ${p.id}.${p.property} no longer applies`)
    target.format = p.format
  }

  // Keep only what the served kinds reach.
  const definitions: Record<string, GeneratedSchema> = {}
  const visit = (s: GeneratedSchema | undefined): void => {
    if (!s) return
    if (s.$ref) {
      if (definitions[s.$ref]) return
      const target = all[s.$ref]
      if (!target) throw new Error(`unresolved reference ${s.$ref}`)
      definitions[s.$ref] = target
      visit(target)
      return
    }
    for (const p of Object.values(s.properties ?? {})) visit(p)
    visit(s.items)
    visit(s.additionalProperties)
  }
  for (const id of Object.values(kinds)) visit({ $ref: id })

  const sorted = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  const pkg = (dir: string) =>
    JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }
  return {
    source: `kubernetes-models@${pkg(modelsRoot).version} @kubernetes-models/apimachinery@${pkg(machineryRoot).version}`,
    kinds: sorted(kinds),
    removed: removed.sort(),
    definitions: sorted(definitions)
  }
}

/** One kind and one definition per line: compact, and a version bump diffs line by line. */
export function renderDefinitions(d: GeneratedDefinitions): string {
  const entries = (o: Record<string, unknown>) =>
    Object.entries(o)
      .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(',\n')
  return [
    '{',
    `  "source": ${JSON.stringify(d.source)},`,
    `  "kinds": {\n${entries(d.kinds)}\n  },`,
    `  "removed": [\n${d.removed.map(r => `    ${JSON.stringify(r)}`).join(',\n')}\n  ],`,
    `  "definitions": {\n${entries(d.definitions)}\n  }`,
    '}',
    ''
  ].join('\n')
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = renderDefinitions(generateBuiltinDefinitions())
  if (process.argv.includes('--write')) {
    fs.mkdirSync(path.dirname(definitionsFile), { recursive: true })
    fs.writeFileSync(definitionsFile, text)
    console.log(`wrote ${path.relative(repoRoot, definitionsFile)} (${text.length} bytes)`)
  } else {
    console.log(`${text.length} bytes; pass --write to update ${path.relative(repoRoot, definitionsFile)}`)
  }
}
