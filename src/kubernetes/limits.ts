/** Limits the Kubernetes API server and its clients put on objects, in one place. */

/** The API server's limit on a ConfigMap's data: the sum of the values' bytes, keys excluded (1 MiB). */
export const CONFIGMAP_MAX_BYTES = 1_048_576

/**
 * `kubectl apply` (client-side) stores the whole object in the `last-applied-configuration` annotation, and an
 * object's annotations may hold 256 KiB at the most: a larger object must be applied server-side.
 */
export const CLIENT_SIDE_APPLY_MAX_BYTES = 262_144

/** The size of a string as the API server counts it. */
export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

/** An RFC 1123 or RFC 1035 label: most names, a label key's name part, a label value. */
export const DNS_LABEL_MAX_LENGTH = 63

/** An RFC 1123 subdomain: most object names, a label key's prefix. */
export const DNS_SUBDOMAIN_MAX_LENGTH = 253

/**
 * The API server refuses a request body over 3 MiB (`MaxRequestBodyBytes`), and etcd an object over 1.5 MiB: no
 * Kubernetes object, nor any file a Kubernetes tool reads, is larger once its YAML aliases are expanded.
 */
export const API_REQUEST_MAX_BYTES = 3 * 1024 * 1024
