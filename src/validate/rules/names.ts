import type { Finding } from '../../errors.js'
import { describe, type ManifestObject } from '../objects.js'
import { isObject } from '../../yaml/values.js'
import { findingAt } from './finding.js'
import type { YamlPath } from '../../yaml/documents.js'
import { DNS_LABEL_MAX_LENGTH, DNS_SUBDOMAIN_MAX_LENGTH } from '../../kubernetes/limits.js'
import { groupVersion } from '../../kubernetes/api-version.js'

/**
 * The name rules the API server applies outside the OpenAPI schema (apimachinery's object-meta validation), for
 * the mistakes a repository really holds: an upper-case Deployment name, a label value with a space, a ConfigMap
 * key with a slash. Each is a rejected apply, so an error. Only rules known for certain are checked: a kind whose
 * names follow another rule (RBAC roles allow `system:...`, a ClusterTrustBundle `signer:bundle`) is left alone,
 * and so is any value that a later substitution fills (`${CLUSTER_NAME}`).
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const QUALIFIED_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/

const isTemplated = (s: string): boolean => s.includes('${') || s.includes('{{')

type NameRule = (name: string) => string | undefined

/** A DNS-style name: at most `max` characters matching `pattern`, described as `what` when it does not. */
const dnsName =
  (pattern: RegExp, max: number, what: string): NameRule =>
  name =>
    name.length > max
      ? `must be no more than ${max} characters (it has ${name.length})`
      : pattern.test(name)
        ? undefined
        : `must be a lowercase ${what}`

const subdomain = (max = DNS_SUBDOMAIN_MAX_LENGTH): NameRule =>
  dnsName(
    DNS1123_SUBDOMAIN,
    max,
    'RFC 1123 subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit'
  )

/** Why a name is not a valid RFC 1123 subdomain (ConfigMaps, Secrets, most objects), or undefined. */
export const subdomainProblem: NameRule = subdomain()

/** Why a ConfigMap or Secret key is not one the API server accepts (a file name), or undefined. */
export const configKeyProblem = (key: string): string | undefined =>
  CONFIG_KEY.test(key) && key.length <= DNS_SUBDOMAIN_MAX_LENGTH && !key.startsWith('..')
    ? undefined
    : `may only hold letters, digits, "-", "_" and "." (at most ${DNS_SUBDOMAIN_MAX_LENGTH} characters, not starting with "..")`

const label = dnsName(
  DNS1123_LABEL,
  DNS_LABEL_MAX_LENGTH,
  'RFC 1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit'
)

/** Why a name is not an RFC 1123 label (a namespace, a cluster name in a path), or undefined. */
export const labelProblem: NameRule = label

const serviceName = dnsName(
  DNS1035_LABEL,
  DNS_LABEL_MAX_LENGTH,
  'RFC 1035 label: lowercase letters, digits and "-", starting with a letter and ending with a letter or digit'
)

const pathSegment: NameRule = name =>
  name === '.' || name === '..'
    ? `may not be "${name}"`
    : /[/%]/.test(name)
      ? 'may not contain "/" or "%"'
      : undefined

/** Built-in kinds by `group/kind` (core: `/kind`), with the rule the API server applies to their names. */
const NAME_RULES: ReadonlyMap<string, NameRule> = new Map([
  ['/Namespace', label],
  ['/Service', serviceName],
  ...['Pod', 'ConfigMap', 'Secret', 'ServiceAccount', 'PersistentVolumeClaim', 'ReplicationController'].map(
    k => [`/${k}`, subdomain()] as const
  ),
  ...['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].map(k => [`apps/${k}`, subdomain()] as const),
  ['batch/Job', subdomain()],
  // A CronJob's Jobs get an 11-character suffix.
  ['batch/CronJob', subdomain(52)],
  ['networking.k8s.io/Ingress', subdomain()],
  ['networking.k8s.io/NetworkPolicy', subdomain()],
  ['policy/PodDisruptionBudget', subdomain()],
  ['autoscaling/HorizontalPodAutoscaler', subdomain()],
  ['storage.k8s.io/StorageClass', subdomain()],
  ['scheduling.k8s.io/PriorityClass', subdomain()],
  ['admissionregistration.k8s.io/ValidatingWebhookConfiguration', subdomain()],
  ['admissionregistration.k8s.io/MutatingWebhookConfiguration', subdomain()],
  ...['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].map(
    k => [`rbac.authorization.k8s.io/${k}`, pathSegment] as const
  )
])

/** A label key: an optional DNS subdomain prefix and `/`, then a name of up to 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/')
  const prefix = slash < 0 ? undefined : key.slice(0, slash)
  const name = slash < 0 ? key : key.slice(slash + 1)
  if (prefix !== undefined && (prefix.length > DNS_SUBDOMAIN_MAX_LENGTH || !DNS1123_SUBDOMAIN.test(prefix)))
    return `its prefix "${prefix}" must be a lowercase RFC 1123 subdomain`
  if (name.length === 0 || name.length > DNS_LABEL_MAX_LENGTH)
    return `its name part must be 1 to ${DNS_LABEL_MAX_LENGTH} characters`
  if (!QUALIFIED_PART.test(name))
    return 'its name part may hold letters, digits, "-", "_" and ".", starting and ending with a letter or digit'
  return undefined
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined
  if (value.length > DNS_LABEL_MAX_LENGTH)
    return `must be no more than ${DNS_LABEL_MAX_LENGTH} characters (it has ${value.length})`
  if (!QUALIFIED_PART.test(value))
    return 'may hold letters, digits, "-", "_" and ".", starting and ending with a letter or digit'
  return undefined
}

const NAME_HINT =
  'Kubernetes rejects the object with this name; rename it (and everything that refers to it by name).'

/** Name, namespace, label and ConfigMap/Secret key syntax of one object. */
export function nameFindings(obj: ManifestObject): Finding[] {
  let problems = checked.get(obj.value)
  if (!problems) checked.set(obj.value, (problems = nameProblems(obj.value)))
  return problems.map(p => findingAt(obj, p.path, 'error', p.rule, p.message, p.hint))
}

/** A name problem of a value, to be placed where the object stands. */
interface NameProblem {
  path: YamlPath
  rule: string
  message: string
  hint: string
}

/** Problems by value: a value is read-only (parsed, or as rendered) and checked by every validation of a run. */
const checked = new WeakMap<object, NameProblem[]>()

const problemAt = (
  path: YamlPath,
  _severity: 'error',
  rule: string,
  message: string,
  hint: string
): NameProblem => ({
  path,
  rule,
  message,
  hint
})

function nameProblems(value: ManifestObject['value']): NameProblem[] {
  const meta = isObject(value.metadata) ? value.metadata : undefined
  if (!meta) return []
  const out: NameProblem[] = []
  const what = describe(value)
  const { group } = groupVersion(value.apiVersion)
  const rule = NAME_RULES.get(`${group}/${String(value.kind)}`)
  const name = meta.name
  if (rule && typeof name === 'string' && name !== '' && !isTemplated(name)) {
    const problem = rule(name)
    if (problem)
      out.push(
        problemAt(
          ['metadata', 'name'],
          'error',
          'object/invalid-name',
          `${what}: metadata.name ${problem}`,
          NAME_HINT
        )
      )
  }
  const namespace = meta.namespace
  if (typeof namespace === 'string' && namespace !== '' && !isTemplated(namespace)) {
    const problem = label(namespace)
    if (problem)
      out.push(
        problemAt(
          ['metadata', 'namespace'],
          'error',
          'object/invalid-name',
          `${what}: metadata.namespace ${problem}`,
          'A namespace name follows the rules of a Namespace object.'
        )
      )
  }
  if (isObject(meta.labels)) {
    for (const [key, v] of Object.entries(meta.labels)) {
      if (isTemplated(key)) continue
      const keyProblem = labelKeyProblem(key)
      const valueProblem = typeof v === 'string' && !isTemplated(v) ? labelValueProblem(v) : undefined
      const problem = keyProblem
        ? `label key "${key}": ${keyProblem}`
        : valueProblem
          ? `label ${key}: value ${valueProblem}`
          : undefined
      if (problem)
        out.push(
          problemAt(
            ['metadata', 'labels', key],
            'error',
            'object/invalid-label',
            `${what}: ${problem}`,
            'Label values are short identifiers; put free text in an annotation instead.'
          )
        )
    }
  }
  if (group === '' && (value.kind === 'ConfigMap' || value.kind === 'Secret')) {
    for (const field of value.kind === 'ConfigMap' ? ['data', 'binaryData'] : ['data', 'stringData']) {
      const data = value[field]
      if (!isObject(data)) continue
      for (const key of Object.keys(data)) {
        const problem = isTemplated(key) ? undefined : configKeyProblem(key)
        if (problem === undefined) continue
        out.push(
          problemAt(
            [field, key],
            'error',
            'object/invalid-key',
            `${what}: ${field} key "${key}" ${problem}`,
            "Mounted as a volume, each key becomes a file name; rename the key (a path goes in the volume's items)."
          )
        )
      }
    }
  }
  return out
}
