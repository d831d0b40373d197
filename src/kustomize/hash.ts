import { createHash } from 'node:crypto'
import { isObject } from '../yaml/values.js'

/**
 * The name suffix kustomize gives generated ConfigMaps and Secrets (sigs.k8s.io/kustomize/api/hasher): the sha256 of
 * Go's JSON encoding of kind, name, data (and binaryData / type / stringData), first ten hex digits, with the
 * characters that could spell words swapped out.
 */
export function generatedNameHash(object: Record<string, unknown>): string {
  const meta = (object.metadata ?? {}) as Record<string, unknown>
  const field = (v: unknown): unknown => (v === undefined || v === null ? '' : v)
  const encoded: Record<string, unknown> =
    object.kind === 'Secret'
      ? { kind: 'Secret', type: field(object.type), name: field(meta.name), data: field(object.data) }
      : { kind: 'ConfigMap', name: field(meta.name), data: field(object.data) }
  if (object.kind === 'Secret' && isObject(object.stringData)) encoded.stringData = object.stringData
  if (object.kind !== 'Secret' && isObject(object.binaryData)) encoded.binaryData = object.binaryData
  const hex = createHash('sha256').update(goJson(encoded), 'utf8').digest('hex')
  return [...hex.slice(0, 10)].map(c => ({ '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' })[c] ?? c).join('')
}

/** `encoding/json.Marshal`: map keys sorted, and `<`, `>`, `&`, U+2028, U+2029 escaped as Go does. */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[<>&\u2028\u2029]/g,
      c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
    )
  }
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`
  const entries = Object.keys(value as Record<string, unknown>)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(k => `${goJson(k)}:${goJson((value as Record<string, unknown>)[k])}`)
  return `{${entries.join(',')}}`
}
