/** A parsed YAML (or JSON) mapping, before any schema has said what its keys hold. */
export type Obj = Record<string, unknown>

/** Whether a parsed value is a mapping: not null, not a list, not a scalar. */
export const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)
