/**
 * The OpenAPI v3 schema subset Kubernetes accepts in a CRD (`JSONSchemaProps`), plus the two liberties the
 * built-in definitions need: `$ref` to a named definition, and `type` as a list (a Quantity is a string or a number).
 */
export interface JsonSchema {
  type?: string | string[]
  format?: string
  properties?: Record<string, JsonSchema>
  additionalProperties?: boolean | JsonSchema
  /** A list (tuple) form exists in old CRDs; Kubernetes v1 forbids it and it is not checked. */
  items?: JsonSchema | JsonSchema[]
  required?: string[]
  enum?: unknown[]
  pattern?: string
  minimum?: number
  maximum?: number
  /** OpenAPI 3.0 booleans; JSON Schema's numeric form is accepted too. */
  exclusiveMinimum?: boolean | number
  exclusiveMaximum?: boolean | number
  multipleOf?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  minProperties?: number
  maxProperties?: number
  nullable?: boolean
  oneOf?: JsonSchema[]
  anyOf?: JsonSchema[]
  allOf?: JsonSchema[]
  not?: JsonSchema
  'x-kubernetes-preserve-unknown-fields'?: boolean
  'x-kubernetes-int-or-string'?: boolean
  'x-kubernetes-embedded-resource'?: boolean
  'x-kubernetes-list-type'?: string
  'x-kubernetes-list-map-keys'?: string[]
  /** CEL rules (see `cel.ts`). */
  'x-kubernetes-validations'?: ValidationRule[]
  /** A definition name, resolved through the compiler's `definitions` (built-in schemas only). */
  $ref?: string
  description?: string
  default?: unknown
}

/** One `x-kubernetes-validations` entry. */
export interface ValidationRule {
  rule?: string
  message?: string
  messageExpression?: string
  /** Where the API server reports a failure, relative to the node: `.spec.replicas`. */
  fieldPath?: string
  reason?: string
}
