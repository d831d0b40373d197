import yaml from 'js-yaml'
import { loadBounded } from './load.js'
import { sealParsed, type ParsedValue } from './readonly.js'
import { textKey } from './text-key.js'

/**
 * Values as `sigs.k8s.io/yaml` reads them (goyaml.v2, YAML 1.1): unquoted `y`, `yes`, `on`, `n`, `no`, `off` (in
 * their three spellings) are booleans there, strings in YAML 1.2 (js-yaml, and kustomize's kyaml, which writes them
 * back quoted). Only what the API server decodes straight from text reads this way: the manifests a
 * ClusterResourceSet applies from ConfigMap data, for example. A document of a kustomize build does not.
 */

const WORDS = new Map<string, boolean>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE'].map(w => [w, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE'].map(
    w => [w, false] as const
  )
])

// Same tag as js-yaml's own bool type, so this one replaces it among the implicit types (quoted scalars never
// resolve implicitly: `"on"` stays a string).
const yaml11Bool = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && WORDS.has(data),
  construct: (data: string) => WORDS.get(data),
  predicate: (v: unknown) => typeof v === 'boolean',
  represent: { lowercase: (v: object) => (v ? 'true' : 'false') },
  defaultStyle: 'lowercase'
})

const SCHEMA = yaml.DEFAULT_SCHEMA.extend({ implicit: [yaml11Bool] })

/**
 * A plain YAML 1.1 boolean word alone as a value or list item on a line. A prefilter: a line inside a block scalar
 * may match too, which costs one parse and changes nothing; flow collections (`[on, off]`) are not looked at.
 */
const CANDIDATE =
  /^[ \t]*(?:- +)*(?:[^\s#'"-][^#\n]*?: +)?(?:[yYnN]|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)[ \t]*(?:#.*)?$/m

/**
 * The value of one YAML document (`text`, already parsed as `value` by the YAML 1.2 loaders) as the API server
 * decodes it. The same value when the text has no YAML 1.1 boolean word, or does not parse with the 1.1 types.
 */
export function apiServerValue(
  text: string,
  value: ParsedValue,
  memo?: Map<string, ParsedValue>
): ParsedValue {
  // Asked first: the same document repeats across a fleet, and the test below reads all of it.
  const key = memo ? textKey(text) : ''
  const known = memo?.get(key)
  if (known !== undefined) return known
  if (!CANDIDATE.test(text)) {
    memo?.set(key, value)
    return value
  }
  let read: ParsedValue = value
  try {
    read = sealParsed(loadBounded(text, SCHEMA) ?? null)
  } catch {
    // The YAML 1.2 parse succeeded; a document only a 1.1 reading rejects keeps that reading.
  }
  memo?.set(key, read)
  return read
}
