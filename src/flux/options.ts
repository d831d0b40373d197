import { FcuError } from '../errors.js'
import type { InstallOverrides } from '../config/config.js'
import { positionOf, type YamlDocument, type YamlPath } from '../yaml/documents.js'
import { DEFAULT_COMPONENTS, type FluxHeader } from './header.js'
import { isObject, type Obj } from '../yaml/values.js'

export type LogLevel = 'debug' | 'info' | 'error'

/** The `flux install` options a gotk-components file was made with (SPEC §2 "Options survive"). */
export interface FluxInstallOptions {
  /** Header order, which is the order of the documents in the file. */
  components: string[]
  namespace: string
  /** The image registry prefix: images are `<registry>/<component>:<tag>`. */
  registry: string
  /** Empty when there is none. */
  imagePullSecret: string
  tolerationKeys: string[]
  watchAllNamespaces: boolean
  logLevel: LogLevel
  networkPolicy: boolean
  clusterDomain: string
}

/** `flux install`'s defaults (pkg/manifestgen/install MakeDefaultOptions). */
export const DEFAULT_INSTALL_OPTIONS: Readonly<FluxInstallOptions> = {
  components: [...DEFAULT_COMPONENTS],
  namespace: 'flux-system',
  registry: 'ghcr.io/fluxcd',
  imagePullSecret: '',
  tolerationKeys: [],
  watchAllNamespaces: true,
  logLevel: 'info',
  networkPolicy: true,
  clusterDomain: 'cluster.local'
}

const LOG_LEVELS: readonly string[] = ['debug', 'info', 'error']

const get = (v: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((o, k) => (isObject(o) || Array.isArray(o) ? (o as Obj)[k as string] : undefined), v)

interface Controller {
  doc: YamlDocument
  component: string
  container: Obj
  podSpec: Obj
  args: string[]
}

// The controller Deployments of the header's components, in header order: flux patches every one the same way.
function controllers(docs: YamlDocument[], components: string[]): Controller[] {
  const out: Controller[] = []
  for (const component of components) {
    const doc = docs.find(
      d => get(d.value, 'kind') === 'Deployment' && get(d.value, 'metadata', 'name') === component
    )
    const podSpec = get(doc?.value, 'spec', 'template', 'spec')
    const container = get(podSpec, 'containers', 0)
    if (!doc || !isObject(podSpec) || !isObject(container)) continue
    const args = Array.isArray(container.args)
      ? container.args.filter((a): a is string => typeof a === 'string')
      : []
    out.push({ doc, component, container, podSpec, args })
  }
  return out
}

const argValue = (args: string[], flag: string): string | undefined =>
  args.find(a => a.startsWith(`${flag}=`))?.slice(flag.length + 1)

function badValue(c: Controller, path: YamlPath, what: string, hint: string): FcuError {
  const at = positionOf(c.doc, path, 'value')
  return new FcuError('manifest', `${c.doc.file}: ${what} in Deployment ${c.component}`, {
    location: { file: c.doc.file, line: at.line, column: at.column },
    hint
  })
}

/**
 * Reads the install options back from a file: components from the header, everything else from the objects,
 * where flux's install overlay put them. An option that leaves no trace (the cluster domain without source- and
 * notification-controller) is flux's default, which reproduces the same output.
 */
export function readInstallOptions(docs: YamlDocument[], header: FluxHeader): FluxInstallOptions {
  const o: FluxInstallOptions = {
    ...DEFAULT_INSTALL_OPTIONS,
    components: [...header.components],
    tolerationKeys: []
  }
  const namespaceDoc = docs.find(d => get(d.value, 'kind') === 'Namespace')
  const ctrls = controllers(docs, header.components)
  const first = ctrls[0]
  const ns = get(namespaceDoc?.value, 'metadata', 'name') ?? get(first?.doc.value, 'metadata', 'namespace')
  if (typeof ns === 'string' && ns !== '') o.namespace = ns
  o.networkPolicy = docs.some(d => get(d.value, 'kind') === 'NetworkPolicy')

  if (first) {
    // The images transformer rewrites `fluxcd/<component>` to `<registry>/<component>`, tag untouched. The
    // registry most controllers use wins, so one hand-edited image shows as drift instead of moving all of them.
    const registries = new Map<string, number>()
    for (const c of ctrls) {
      const image = c.container.image
      const m = typeof image === 'string' ? /^(.+)\/([^/:@]+)(?::[^/@]*)?(?:@.*)?$/.exec(image) : null
      if (m && m[2] === c.component) registries.set(m[1], (registries.get(m[1]) ?? 0) + 1)
    }
    const [registry] = [...registries].reduce<[string, number] | [undefined, number]>(
      (best, r) => (r[1] > best[1] ? r : best),
      [undefined, 0]
    )
    if (registry !== undefined) o.registry = registry
    const secret = get(first.podSpec, 'imagePullSecrets', 0, 'name')
    if (typeof secret === 'string') o.imagePullSecret = secret
    const tolerations = first.podSpec.tolerations
    if (Array.isArray(tolerations)) {
      o.tolerationKeys = tolerations
        .filter(t => isObject(t) && t.operator === 'Exists' && typeof t.key === 'string')
        .map(t => (t as Obj).key as string)
    }
    const argPath = (c: Controller, flag: string): YamlPath => [
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'args',
      c.args.findIndex(a => a.startsWith(`${flag}=`))
    ]
    const watch = argValue(first.args, '--watch-all-namespaces')
    if (watch !== undefined) {
      if (watch !== 'true' && watch !== 'false') {
        throw badValue(
          first,
          argPath(first, '--watch-all-namespaces'),
          `--watch-all-namespaces=${watch} is not a boolean`,
          'Use --watch-all-namespaces=true or false, as `flux install --watch-all-namespaces` writes it.'
        )
      }
      o.watchAllNamespaces = watch === 'true'
    }
    const level = argValue(first.args, '--log-level')
    if (level !== undefined) {
      if (!LOG_LEVELS.includes(level)) {
        throw badValue(
          first,
          argPath(first, '--log-level'),
          `--log-level=${level} is not a level flux install accepts`,
          `flux install --log-level accepts ${LOG_LEVELS.join(', ')}.`
        )
      }
      o.logLevel = level as LogLevel
    }
    // Both addresses end in `.svc.<cluster domain>.`: the source-controller's storage address and the
    // notification-controller's events address (empty when notification-controller is not installed).
    for (const c of ctrls) {
      const storage = c.component === 'source-controller' ? argValue(c.args, '--storage-adv-addr') : undefined
      const domain =
        /\.svc\.(.+)\.$/.exec(storage ?? '') ??
        /\.svc\.(.+)\.\/$/.exec(argValue(c.args, '--events-addr') ?? '')
      if (domain) {
        o.clusterDomain = domain[1]
        break
      }
    }
  }
  return o
}

/** A config file's `install:` settings win over what the file says (SPEC §7 `config`). */
export function applyInstallOverrides(
  o: FluxInstallOptions,
  overrides: InstallOverrides | undefined
): FluxInstallOptions {
  if (!overrides) return o
  const extra = overrides['components-extra'] ?? []
  const base = overrides.components ?? o.components
  return {
    components: [...base, ...extra.filter(c => !base.includes(c))],
    namespace: overrides.namespace ?? o.namespace,
    registry: overrides.registry ?? o.registry,
    imagePullSecret: overrides['image-pull-secret'] ?? o.imagePullSecret,
    tolerationKeys: overrides['toleration-keys'] ?? o.tolerationKeys,
    watchAllNamespaces: overrides['watch-all-namespaces'] ?? o.watchAllNamespaces,
    logLevel: overrides['log-level'] ?? o.logLevel,
    networkPolicy: overrides['network-policy'] ?? o.networkPolicy,
    clusterDomain: overrides['cluster-domain'] ?? o.clusterDomain
  }
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i])

/**
 * The `flux install --export` flags that reproduce the options (without `--version`). Defaults are left out,
 * except the namespace: flux takes its default from FLUX_SYSTEM_NAMESPACE, which the runner may have set.
 */
export function installArgs(o: FluxInstallOptions): string[] {
  const args: string[] = []
  const defaults = DEFAULT_INSTALL_OPTIONS.components
  if (!sameList(o.components, defaults)) {
    const extendsDefaults =
      o.components.length > defaults.length && sameList(o.components.slice(0, defaults.length), defaults)
    args.push(
      extendsDefaults
        ? `--components-extra=${o.components.slice(defaults.length).join(',')}`
        : `--components=${o.components.join(',')}`
    )
  }
  args.push(`--namespace=${o.namespace}`)
  if (o.registry !== DEFAULT_INSTALL_OPTIONS.registry) args.push(`--registry=${o.registry}`)
  if (o.imagePullSecret !== '') args.push(`--image-pull-secret=${o.imagePullSecret}`)
  if (o.tolerationKeys.length > 0) args.push(`--toleration-keys=${o.tolerationKeys.join(',')}`)
  if (!o.watchAllNamespaces) args.push('--watch-all-namespaces=false')
  if (o.logLevel !== 'info') args.push(`--log-level=${o.logLevel}`)
  if (!o.networkPolicy) args.push('--network-policy=false')
  if (o.clusterDomain !== DEFAULT_INSTALL_OPTIONS.clusterDomain)
    args.push(`--cluster-domain=${o.clusterDomain}`)
  return args
}

/** Two option sets with the same key give the same `flux install` output for a version. */
export function optionsKey(o: FluxInstallOptions): string {
  return JSON.stringify([
    o.components,
    o.namespace,
    o.registry,
    o.imagePullSecret,
    o.tolerationKeys,
    o.watchAllNamespaces,
    o.logLevel,
    o.networkPolicy,
    o.clusterDomain
  ])
}
