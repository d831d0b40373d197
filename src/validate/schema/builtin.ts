import data from './builtin/definitions.json' with { type: 'json' }
import { SchemaCompiler, runNode, type CompiledNode } from './compile.js'
import type { SchemaIssue } from './issues.js'
import type { JsonSchema } from './json-schema.js'

/**
 * Built-in Kubernetes kinds, checked strictly against the Kubernetes OpenAPI definitions: a field the definition
 * does not declare is `schema/unknown-field`, as with `kubeconform -strict`.
 *
 * The definitions (`builtin/definitions.json`) are generated from the typings of `kubernetes-models` (see
 * `scripts/generate-builtin-definitions.ts, `npm run generate:schemas``). They carry every property, required fields, enums and
 * integer formats; not the swagger's string formats, except those the generator restores (Secret data is base64).
 * The scalars with a wire format of their own (IntOrString, Quantity, Time, ...) get it back here, by name.
 */

interface BuiltinData {
  source: string
  kinds: Record<string, string>
  removed: string[]
  definitions: Record<string, JsonSchema>
}

const DATA = data as unknown as BuiltinData

/** Where the definitions come from, e.g. `kubernetes-models@5.1.0 ...`, for reports. */
export const BUILTIN_SCHEMA_SOURCE: string = DATA.source

const JSON_SCHEMA_PROPS = 'IoK8sApiextensionsApiserverPkgApisApiextensionsV1JSONSchemaProps'
const API_EXTENSIONS = 'IoK8sApiextensionsApiserverPkgApisApiextensionsV1'
const OBJECT_META = 'IoK8sApimachineryPkgApisMetaV1ObjectMeta'

/** Definitions whose typing is open (`{}`) or lossy, replaced by what the API server actually accepts. */
function withWireFormats(definitions: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const schemaFields = definitions[JSON_SCHEMA_PROPS]?.properties
  return {
    ...definitions,
    IoK8sApimachineryPkgUtilIntstrIntOrString: { 'x-kubernetes-int-or-string': true },
    IoK8sApimachineryPkgApiResourceQuantity: { type: ['string', 'number'], format: 'quantity' },
    IoK8sApimachineryPkgApisMetaV1Time: { type: 'string', format: 'date-time' },
    IoK8sApimachineryPkgApisMetaV1MicroTime: { type: 'string', format: 'date-time' },
    // Opaque payloads: an embedded object of any kind, and server-side-apply bookkeeping.
    IoK8sApimachineryPkgRuntimeRawExtension: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    IoK8sApimachineryPkgApisMetaV1FieldsV1: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    // Inside a CRD's schema: `default`, `example` and `enum` values are any JSON; `items` is a schema (or, in
    // old CRDs, a list of them); `additionalProperties` a schema or a boolean; `dependencies` a schema or names.
    [`${API_EXTENSIONS}JSON`]: {},
    [`${API_EXTENSIONS}JSONSchemaPropsOrArray`]: {
      type: ['object', 'array'],
      properties: schemaFields,
      items: { $ref: JSON_SCHEMA_PROPS }
    },
    [`${API_EXTENSIONS}JSONSchemaPropsOrBool`]: { type: ['object', 'boolean'], properties: schemaFields },
    [`${API_EXTENSIONS}JSONSchemaPropsOrStringArray`]: {
      type: ['object', 'array'],
      properties: schemaFields,
      items: { type: 'string' }
    },
    // `subresources.status: {}` is an empty struct: nothing may be set in it.
    [`${API_EXTENSIONS}CustomResourceSubresourceStatus`]: { type: 'object' }
  }
}

let compiled: { compiler: SchemaCompiler; roots: Map<string, CompiledNode> } | undefined

function engine() {
  if (!compiled) {
    compiled = {
      compiler: new SchemaCompiler({ definitions: withWireFormats(DATA.definitions) }),
      roots: new Map()
    }
  }
  return compiled
}

const keyOf = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`

/** Every served built-in kind, as `apiVersion/kind`: `apps/v1/Deployment`, `v1/ConfigMap`. */
export function builtinKinds(): Set<string> {
  return new Set(Object.keys(DATA.kinds))
}

/** The served apiVersions of a built-in kind name (`Deployment` → `['apps/v1']`), for hints on removed APIs. */
export function builtinApiVersionsOf(kind: string): string[] {
  return Object.keys(DATA.kinds)
    .filter(k => k.slice(k.lastIndexOf('/') + 1) === kind)
    .map(k => k.slice(0, k.lastIndexOf('/')))
}

/** True for a built-in API version Kubernetes has removed: `extensions/v1beta1` Deployment, `policy/v1beta1` PSP. */
export function isRemovedBuiltin(apiVersion: string, kind: string): boolean {
  return DATA.removed.includes(keyOf(apiVersion, kind))
}

export interface BuiltinValidation {
  /** `unknown-kind`: not a served built-in kind (a custom resource, or a removed API version); no issues then. */
  status: 'ok' | 'unknown-kind'
  issues: SchemaIssue[]
}

/** Validates a built-in object against the definition of its apiVersion and kind. */
export function validateBuiltin(obj: unknown): BuiltinValidation {
  // Parsed values are read-only and shared where their text repeats: each is checked once.
  if (typeof obj !== 'object' || obj === null) return checkBuiltin(obj)
  let result = builtinResults.get(obj)
  if (!result) builtinResults.set(obj, (result = checkBuiltin(obj)))
  return result
}

const builtinResults = new WeakMap<object, BuiltinValidation>()

function checkBuiltin(obj: unknown): BuiltinValidation {
  const o = obj as { apiVersion?: unknown; kind?: unknown } | null
  if (o === null || typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
    return { status: 'unknown-kind', issues: [] }
  }
  const key = keyOf(o.apiVersion, o.kind)
  const id = DATA.kinds[key]
  if (id === undefined) return { status: 'unknown-kind', issues: [] }
  const { compiler, roots } = engine()
  let root = roots.get(key)
  if (!root) {
    root = compiler.compile({ $ref: id })
    roots.set(key, root)
  }
  return { status: 'ok', issues: runNode(root, obj) }
}

/** `metadata` as the API server checks it on every object, custom resources included. */
export function objectMetaNode(): CompiledNode {
  return engine().compiler.compile({ $ref: OBJECT_META })
}
