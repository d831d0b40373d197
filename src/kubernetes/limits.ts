/** Limits the Kubernetes API server and its clients put on objects, in one place. */

/** The API server's limit on a ConfigMap's data: the sum of the values' bytes, keys excluded. */
export const CONFIGMAP_MAX_BYTES = 1_048_576

/** `kubectl apply` (client-side) stores the whole object in an annotation limited to this many bytes. */
export const CLIENT_SIDE_APPLY_MAX_BYTES = 262_144

/** The size of a string as the API server counts it. */
export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8')
