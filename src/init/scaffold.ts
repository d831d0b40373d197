import path from 'node:path/posix'
import { FcuError } from '../errors.js'
import { createConfigMap, type Provenance } from '../crs/configmap.js'
import { labelKeyProblem, labelProblem, labelValueProblem } from '../validate/rules/names.js'
import { applyEdits } from '../yaml/edit.js'
import { parseDocuments } from '../yaml/documents.js'
import { inlineScalar } from '../yaml/scalar.js'
import { joinDocuments } from '../yaml/documents.js'

/**
 * What `flux-crs-upgrade init` writes for a cluster (SPEC §8, issue 9 item 8), as a pure function of its options
 * and the upstream texts. A Cluster API cluster gets Flux and Calico from ClusterResourceSet ConfigMaps beside its
 * definition in `clusters/<env>/<cluster>/`; a temporary management cluster gets Flux from committed manifests in
 * `clusters/<cluster>/flux-system/`. Names carry the version as the fleet's upgrades expect (`cm-flux-v2.9.3.yaml`
 * holding `crs-cm-flux-2.9.3-<cluster>`), so that the next upgrade renames them.
 */

export interface InitOptions {
  cluster: string
  /** The environment folder under `clusters/`; not for a management cluster. */
  env?: string
  /** Flux from committed manifests (`flux-system/`) instead of ClusterResourceSet ConfigMaps. */
  management: boolean
  /** The Git repository Flux syncs from. */
  url: string
  branch: string
  /** The path the cluster's Flux Kustomization syncs; default `./clusters/<env>/<cluster>`. */
  path?: string
  /** The namespace of the ClusterResourceSet and its ConfigMaps (the Cluster's); default the env. */
  namespace?: string
  /** The Secret the GitRepository authenticates with (`spec.secretRef.name`). */
  secret?: string
  /** The labels the ClusterResourceSet selects the cluster by; default `cluster.x-k8s.io/cluster-name=<cluster>`. */
  labels: Readonly<Record<string, string>>
}

export interface UpstreamTexts {
  flux: { version: string; install: string }
  /** Absent for a management cluster. */
  calico?: { version: string; url: string; sha256: string; text: string }
}

export interface ScaffoldFile {
  path: string
  content: string
}

export interface Scaffold {
  /** The folder the files go to. */
  directory: string
  /** Files init owns: written when absent, left when identical, refused when different. */
  files: ScaffoldFile[]
  /** The kustomization of `directory` lists these (file names relative to it), in this order. */
  entries: string[]
  /** Names of the objects, for the report. */
  configMaps: string[]
  clusterResourceSet?: string
}

/** Defaults of init's options that are not settings of the engine. */
export const INIT_DEFAULTS = { branch: 'main' } as const

/** Flux's own namespace: `flux install` puts the controllers there, and the sync objects live beside them. */
const FLUX_NAMESPACE = 'flux-system'
const FLUX_KEY = 'flux.yaml'
const CALICO_KEY = 'calico.yaml'
export const DEFAULT_SELECTOR_LABEL = 'cluster.x-k8s.io/cluster-name'

const input = (name: string, message: string, hint: string): FcuError =>
  new FcuError('input', message, { location: { input: name }, hint })

/** The options a Kubernetes name or a URL must satisfy, checked before anything is downloaded. */
export function checkOptions(o: InitOptions): void {
  const named = (flag: string, value: string | undefined, rule: (v: string) => string | undefined) => {
    if (value === undefined) return
    const problem = rule(value)
    if (problem) throw input(flag, `--${flag} ${value} ${problem}`, `Give --${flag} a valid name.`)
  }
  named('cluster', o.cluster, labelProblem)
  named('env', o.env, labelProblem)
  named('namespace', o.namespace, labelProblem)
  if (!o.management && o.env === undefined)
    throw input(
      'env',
      'init needs --env for a Cluster API cluster',
      'Pass --env <env> (clusters/<env>/<cluster>), or --management.'
    )
  if (o.management && (o.env !== undefined || o.namespace !== undefined || Object.keys(o.labels).length > 0))
    throw input(
      'management',
      '--management writes clusters/<cluster>/flux-system and takes no --env, --namespace or --labels',
      'Leave those out, or drop --management to scaffold a Cluster API cluster.'
    )
  if (!/^(https?|ssh):\/\/[^\s]+$/.test(o.url))
    throw input(
      'url',
      `--url ${o.url} is not an http(s) or ssh URL`,
      'Give the Git repository Flux syncs from, e.g. ssh://git@github.com/org/fleet.git.'
    )
  if (o.branch.trim() === '' || /\s/.test(o.branch))
    throw input(
      'branch',
      `--branch "${o.branch}" is not a branch name`,
      'Give the branch Flux syncs, e.g. main.'
    )
  if (o.secret !== undefined) named('secret', o.secret, labelProblem)
  for (const [k, v] of Object.entries(o.labels)) {
    const problem = labelKeyProblem(k) ?? labelValueProblem(v)
    if (problem)
      throw input('labels', `--labels ${k}=${v}: ${problem}`, 'Give labels as key=value, comma separated.')
  }
}

/** `key=value,key=value`, in the order given; a key given twice is an error. */
export function parseLabels(raw: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of raw
    .split(',')
    .map(s => s.trim())
    .filter(s => s !== '')) {
    const eq = part.indexOf('=')
    if (eq <= 0)
      throw input('labels', `--labels ${part} is not key=value`, 'Give labels as key=value, comma separated.')
    const k = part.slice(0, eq)
    if (k in out) throw input('labels', `--labels names ${k} twice`, 'Give each label once.')
    out[k] = part.slice(eq + 1)
  }
  return out
}

const clusterPath = (o: InitOptions): string =>
  o.management ? `clusters/${o.cluster}` : `clusters/${o.env}/${o.cluster}`

/** The GitRepository and Kustomization `flux bootstrap` would write for the cluster, on Flux's `v1` APIs. */
export function syncObjects(o: InitOptions): string {
  const syncPath = o.path ?? `./${clusterPath(o)}`
  const q = (v: string, column: number) => inlineScalar(v, column)
  const repository = [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: GitRepository',
    'metadata:',
    `  name: ${FLUX_NAMESPACE}`,
    `  namespace: ${FLUX_NAMESPACE}`,
    'spec:',
    '  interval: 1m0s',
    '  ref:',
    `    branch: ${q(o.branch, 12)}`,
    ...(o.secret ? ['  secretRef:', `    name: ${o.secret}`] : []),
    `  url: ${q(o.url, 7)}`
  ]
  const kustomization = [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    `  name: ${FLUX_NAMESPACE}`,
    `  namespace: ${FLUX_NAMESPACE}`,
    'spec:',
    '  interval: 10m0s',
    `  path: ${q(syncPath, 8)}`,
    '  prune: true',
    '  sourceRef:',
    '    kind: GitRepository',
    `    name: ${FLUX_NAMESPACE}`
  ]
  return `---\n${repository.join('\n')}\n---\n${kustomization.join('\n')}\n`
}

/** The files and kustomization entries of one cluster. */
export function scaffold(o: InitOptions, up: UpstreamTexts): Scaffold {
  const sync = syncObjects(o)
  if (o.management) {
    const directory = `${clusterPath(o)}/flux-system`
    return {
      directory,
      files: [
        { path: `${directory}/gotk-components.yaml`, content: up.flux.install },
        {
          path: `${directory}/gotk-sync.yaml`,
          content: `# Flux sync objects, written by flux-crs-upgrade init.\n${sync}`
        }
      ],
      entries: ['gotk-components.yaml', 'gotk-sync.yaml'],
      configMaps: []
    }
  }
  if (!up.calico) throw new FcuError('internal', 'init of a Cluster API cluster without the Calico manifest')
  const directory = clusterPath(o)
  const namespace = o.namespace ?? o.env!
  const flux: Provenance = { component: 'flux', version: up.flux.version }
  const calico: Provenance = {
    component: 'calico',
    version: up.calico.version,
    source: up.calico.url,
    sha256: up.calico.sha256
  }
  const fluxName = `crs-cm-flux-${up.flux.version}-${o.cluster}`
  const calicoName = `crs-cm-calico-${up.calico.version}-${o.cluster}`
  const fluxFile = `cm-flux-v${up.flux.version}.yaml`
  const calicoFile = `cm-calico-v${up.calico.version}.yaml`
  const crsFile = `crs-${o.cluster}.yaml`
  const fluxData = joinDocuments([up.flux.install, sync])
  const labels = Object.keys(o.labels).length > 0 ? o.labels : { [DEFAULT_SELECTOR_LABEL]: o.cluster }
  const crs = [
    '# Installs Calico and Flux into the cluster, written by flux-crs-upgrade init.',
    'apiVersion: addons.cluster.x-k8s.io/v1beta2',
    'kind: ClusterResourceSet',
    'metadata:',
    `  name: ${o.cluster}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  strategy: Reconcile',
    '  clusterSelector:',
    '    matchLabels:',
    ...Object.entries(labels).map(
      ([k, v]) => `      ${inlineScalar(k, 6)}: ${inlineScalar(v, 8 + k.length)}`
    ),
    '  resources:',
    // The CNI first: the nodes are NotReady, and Flux's pods Pending, until Calico runs.
    '    - kind: ConfigMap',
    `      name: ${calicoName}`,
    '    - kind: ConfigMap',
    `      name: ${fluxName}`
  ]
  return {
    directory,
    files: [
      {
        path: `${directory}/${calicoFile}`,
        content: createConfigMap(calicoName, namespace, [{ key: CALICO_KEY, value: up.calico.text }], calico)
          .text
      },
      {
        path: `${directory}/${fluxFile}`,
        content: createConfigMap(fluxName, namespace, [{ key: FLUX_KEY, value: fluxData }], flux).text
      },
      { path: `${directory}/${crsFile}`, content: crs.join('\n') + '\n' }
    ],
    entries: [calicoFile, fluxFile, crsFile],
    configMaps: [calicoName, fluxName],
    clusterResourceSet: o.cluster
  }
}

export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const

/**
 * The folder's kustomization with `entries` in its `resources`: an existing file gets the missing ones spliced in
 * after its last entry (comments, order and style kept); a new one lists the folder's other YAML files first,
 * since a folder without a kustomization is applied whole by Flux and must stay so.
 */
export function kustomizationWith(
  file: string,
  existing: string | undefined,
  entries: readonly string[],
  siblings: readonly string[]
): string {
  if (existing === undefined) {
    const listed = [...siblings.filter(s => !entries.includes(s)).sort(), ...entries]
    return (
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        ...listed.map(e => `  - ${inlineScalar(e, 4)}`)
      ].join('\n') + '\n'
    )
  }
  // Documents of comments alone (a header before `---`) are no objects.
  const docs = parseDocuments(existing, file).filter(d => d.value !== null)
  const value = docs[0]?.value as { resources?: unknown } | undefined
  if (docs.length !== 1 || typeof value !== 'object' || Array.isArray(value)) {
    throw new FcuError('manifest', `${file} is not one kustomization document`, {
      location: { file },
      hint: 'Keep one Kustomization (kustomize.config.k8s.io) in the file, then run init again.'
    })
  }
  const resources = value.resources
  const listed = Array.isArray(resources)
    ? resources.map(r => (typeof r === 'string' ? path.normalize(r) : r))
    : []
  const missing = entries.filter(e => !listed.includes(e))
  if (missing.length === 0) return existing
  if (resources === undefined) {
    const sep = existing === '' || existing.endsWith('\n') ? '' : '\n'
    return `${existing}${sep}resources:\n${missing.map(e => `  - ${inlineScalar(e, 4)}`).join('\n')}\n`
  }
  if (!Array.isArray(resources) || resources.length === 0) {
    throw new FcuError('manifest', `${file}: resources is not a list init can add to`, {
      location: { file, line: docs[0].startLine },
      hint: `Add ${missing.join(', ')} to its resources by hand, or give it one entry for init to add after.`
    })
  }
  return applyEdits(
    existing,
    [{ op: 'insert', doc: docs[0].index, path: ['resources'], after: resources.length - 1, values: missing }],
    file
  )
}
