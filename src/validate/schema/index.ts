/**
 * The schema engine of validation: built-in Kubernetes kinds against the Kubernetes OpenAPI definitions, custom
 * resources against the `openAPIV3Schema` of their CRD. Pure: objects in, issues out.
 */
export {
  BUILTIN_SCHEMA_SOURCE,
  builtinApiVersionsOf,
  builtinKinds,
  isRemovedBuiltin,
  validateBuiltin,
  type BuiltinValidation
} from './builtin.js'
export {
  CrdCatalog,
  crdCatalog,
  validateCustomResource,
  type CrdInfo,
  type CrdSchemaProblem,
  type CrdVersion,
  type CustomResourceValidation
} from './crd-catalog.js'
export {
  SchemaCompiler,
  runNode,
  type CompiledNode,
  type CompileOptions,
  type SchemaProblem
} from './compile.js'
export { parseGoDuration } from './formats.js'
export { formatPath, type SchemaIssue, type SchemaPath, type SchemaRule } from './issues.js'
export type { JsonSchema } from './json-schema.js'
