// Stand-in for the `flux` CLI of version STANDIN.version: answers `version --client`, `install --export` and
// `migrate -f` with the command lines, output and exit codes of the real binary (fluxcd/flux2 cmd/flux), so the
// engine and the demo run without GitHub. The release mirror packs this file behind a prelude that defines
// STANDIN = { tool, version, fixtures }.
//
// `install --export` starts from the real `flux install --export` output kept in <fixtures>/flux/v<V>/ and applies
// the install options the way flux's kustomize overlay does (pkg/manifestgen/install: templates.go, manifests.go).
// Without a fixture for the version it synthesizes a small manifest in the same shape, so a fresh clone works.
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const VERSION = String(STANDIN.version).replace(/^v/, '')
const [MAJOR, MINOR, PATCH] = VERSION.split('.').map(n => parseInt(n, 10))

const DEFAULT_COMPONENTS = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller'
]
const EXTRA_COMPONENTS = ['image-reflector-controller', 'image-automation-controller']

// ---------------------------------------------------------------------------------------------------------------
// Process plumbing: flux prints its log to stderr with a symbol, and fails with `✗ <error>` and exit code 1.

class FluxError extends Error {}

function fail(message) {
  throw new FluxError(message)
}

const log = {
  action: m => process.stderr.write(`► ${m}\n`),
  generate: m => process.stderr.write(`✚ ${m}\n`),
  success: m => process.stderr.write(`✔ ${m}\n`),
  warning: m => process.stderr.write(`⚠️ ${m}\n`)
}

// ---------------------------------------------------------------------------------------------------------------
// Flag parsing with pflag's rules: `--name=value` or `--name value`, booleans only take `--name=value`, string
// slices are comma separated and the first use replaces the default, unknown flags are errors.

const GLOBAL_FLAGS = {
  namespace: { type: 'string', short: 'n' },
  timeout: { type: 'string' },
  verbose: { type: 'bool' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  cluster: { type: 'string' },
  user: { type: 'string' },
  server: { type: 'string' },
  'insecure-skip-tls-verify': { type: 'bool' },
  'kube-api-qps': { type: 'string' },
  'kube-api-burst': { type: 'string' }
}

function parseBool(name, raw) {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false
  return fail(
    `invalid argument "${raw}" for "--${name}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`
  )
}

function splitCsv(raw) {
  return raw === '' ? [] : raw.split(',').map(s => s.trim())
}

function parseFlags(argv, spec) {
  const all = { ...GLOBAL_FLAGS, ...spec }
  const byShort = Object.fromEntries(
    Object.entries(all)
      .filter(([, f]) => f.short)
      .map(([name, f]) => [f.short, name])
  )
  const values = {}
  const positional = []
  const set = (name, raw) => {
    const f = all[name]
    if (f.type === 'bool') values[name] = parseBool(name, raw)
    else if (f.type === 'slice') values[name] = [...(values[name] ?? []), ...splitCsv(raw)]
    else if (f.validate) values[name] = f.validate(name, raw)
    else values[name] = raw
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      positional.push(...argv.slice(i + 1))
      break
    }
    let name
    let inline
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      name = eq === -1 ? a.slice(2) : a.slice(2, eq)
      inline = eq === -1 ? undefined : a.slice(eq + 1)
      if (!all[name]) fail(`unknown flag: --${name}`)
    } else if (a.startsWith('-') && a.length > 1) {
      const short = a[1]
      name = byShort[short]
      if (!name) fail(`unknown shorthand flag: '${short}' in ${a}`)
      inline = a.length > 2 ? a.slice(a[2] === '=' ? 3 : 2) : undefined
    } else {
      positional.push(a)
      continue
    }
    if (inline !== undefined) set(name, inline)
    else if (all[name].type === 'bool') values[name] = true
    else if (i + 1 < argv.length) set(name, argv[++i])
    else fail(`flag needs an argument: --${name}`)
  }
  return { values, positional }
}

function validLogLevel(name, raw) {
  const levels = ['debug', 'info', 'error']
  if (raw.trim() === '')
    fail(
      `invalid argument "${raw}" for "--${name}" flag: no log level given, must be one of: ${levels.join(', ')}`
    )
  if (!levels.includes(raw)) {
    fail(
      `invalid argument "${raw}" for "--${name}" flag: unsupported log level '${raw}', must be one of: ${levels.join(', ')}`
    )
  }
  return raw
}

function checkNamespace(ns) {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63)
    fail(`namespace must be a valid DNS label: "${ns}"`)
}

// ---------------------------------------------------------------------------------------------------------------
// YAML scalars the way go-yaml writes them: plain when unambiguous, double-quoted when the plain form would read
// as another type, single-quoted when it would not parse as a plain scalar.

function yamlScalar(s) {
  if (s === '') return '""'
  const typed =
    /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/
  const numeric =
    /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$|^0x[0-9a-fA-F_]+$|^0o?[0-7_]+$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/
  if (typed.test(s) || numeric.test(s)) return `"${s}"`
  if (/^[\s\-?:,[\]{}#&*!|>'"%@`]|: | #|\s$|:$/.test(s)) return `'${s.replace(/'/g, "''")}'`
  return s
}

// ---------------------------------------------------------------------------------------------------------------
// What each Flux minor serves. Used when there is no fixture for a version; the values follow the CRDs of the real
// releases (2.8 removed source/kustomize/helm v1beta2 and v2beta2, 2.9 removed notification v1beta2).

function componentsAvailable(minor) {
  return [...DEFAULT_COMPONENTS, ...EXTRA_COMPONENTS, ...(minor >= 7 ? ['source-watcher'] : [])]
}

const v = (name, storage = false, deprecated = false) => ({ name, storage, deprecated })

function crdVersions(kind, m) {
  switch (kind) {
    case 'GitRepository':
    case 'HelmChart':
    case 'HelmRepository':
    case 'Bucket': {
      const ga = kind === 'GitRepository' || (kind !== 'Bucket' && m >= 3) || m >= 4
      if (m >= 8) return [v('v1', true)]
      if (m === 7) return [v('v1', true), v('v1beta2', false, true)]
      if (ga) return [v('v1', true), v('v1beta1', false, true), v('v1beta2', false, true)]
      return [v('v1beta1', false, kind === 'Bucket' && m === 3), v('v1beta2', true)]
    }
    case 'OCIRepository':
      if (m >= 8) return [v('v1', true)]
      if (m >= 6) return [v('v1', true), v('v1beta2', false, true)]
      return [v('v1beta2', true)]
    case 'ExternalArtifact':
      return [v('v1', true)]
    case 'Kustomization':
      if (m >= 8) return [v('v1', true)]
      if (m === 7) return [v('v1', true), v('v1beta2', false, true)]
      return [v('v1', true), v('v1beta1', false, true), v('v1beta2', false, true)]
    case 'HelmRelease':
      if (m >= 8) return [v('v2', true)]
      if (m === 7) return [v('v2', true), v('v2beta2', false, true)]
      if (m >= 3) return [v('v2', true), v('v2beta1', false, true), v('v2beta2', false, true)]
      return [v('v2beta1', false, true), v('v2beta2', true)]
    case 'Alert':
    case 'Provider':
      if (m >= 9) return [v('v1beta3', true)]
      if (m >= 7) return [v('v1beta2', false, true), v('v1beta3', true)]
      return [v('v1beta1', false, true), v('v1beta2', false, true), v('v1beta3', true)]
    case 'Receiver':
      if (m >= 9) return [v('v1', true)]
      if (m >= 7) return [v('v1', true), v('v1beta2', false, true)]
      return [v('v1', true), v('v1beta1', false, true), v('v1beta2', false, true)]
    case 'ImagePolicy':
    case 'ImageRepository':
    case 'ImageUpdateAutomation':
      if (m >= 9) return [v('v1', true)]
      if (m >= 7) return [v('v1', true), v('v1beta2', false, true)]
      return [v('v1beta1', false, kind === 'ImageUpdateAutomation'), v('v1beta2', true)]
    case 'ArtifactGenerator':
      return [v('v1beta1', true)]
  }
  return fail(`internal: no CRD versions for ${kind}`)
}

const COMPONENT_KINDS = {
  'source-controller': m => [
    'Bucket',
    ...(m >= 7 ? ['ExternalArtifact'] : []),
    'GitRepository',
    'HelmChart',
    'HelmRepository',
    'OCIRepository'
  ],
  'kustomize-controller': () => ['Kustomization'],
  'helm-controller': () => ['HelmRelease'],
  'notification-controller': () => ['Alert', 'Provider', 'Receiver'],
  'image-reflector-controller': () => ['ImagePolicy', 'ImageRepository'],
  'image-automation-controller': () => ['ImageUpdateAutomation'],
  'source-watcher': () => ['ArtifactGenerator']
}

const KIND_GROUP = {
  'source-controller': 'source.toolkit.fluxcd.io',
  'kustomize-controller': 'kustomize.toolkit.fluxcd.io',
  'helm-controller': 'helm.toolkit.fluxcd.io',
  'notification-controller': 'notification.toolkit.fluxcd.io',
  'image-reflector-controller': 'image.toolkit.fluxcd.io',
  'image-automation-controller': 'image.toolkit.fluxcd.io',
  'source-watcher': 'source.extensions.fluxcd.io'
}

// The controller releases that ship with a Flux release: the real ones where the prelude knows them, otherwise
// tags that follow the projects' numbering.
function controllerTag(component, m, p) {
  const known = STANDIN.controllers && STANDIN.controllers[component]
  if (known) return `v${known}`
  switch (component) {
    case 'helm-controller':
      return m >= 3 ? `v1.${m - 3}.${p}` : `v0.${m + 35}.${p}`
    case 'image-reflector-controller':
      return m >= 7 ? `v1.${m - 7}.${p}` : `v0.${m + 29}.${p}`
    case 'image-automation-controller':
      return m >= 7 ? `v1.${m - 7}.${p}` : `v0.${m + 35}.${p}`
    case 'source-watcher':
      return `v2.${Math.max(0, m - 7)}.${p}`
    default:
      return `v1.${m}.${p}`
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Synthetic manifest: the default install (namespace flux-system, ghcr.io/fluxcd, ...) in the shape flux prints,
// with tiny CRD schemas. Options are applied afterwards by the same code that handles fixtures.

function labels(indent, version, component, extra = []) {
  const pad = ' '.repeat(indent)
  const all = [
    ...(component ? [`app.kubernetes.io/component: ${component}`] : []),
    'app.kubernetes.io/instance: flux-system',
    'app.kubernetes.io/part-of: flux',
    `app.kubernetes.io/version: v${version}`,
    ...extra
  ]
  return all.map(l => `${pad}${l}\n`).join('')
}

function syntheticBaseDocs(version, m) {
  const meta = (extra = []) => `metadata:\n  labels:\n${labels(4, version, null, extra)}`
  const policy = (name, spec) =>
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n${meta()}  name: ${name}\n  namespace: flux-system\n${spec}`
  const groups = [...new Set(Object.values(KIND_GROUP))].filter(
    g => m >= 7 || g !== 'source.extensions.fluxcd.io'
  )
  const subjects = [
    'kustomize-controller',
    'helm-controller',
    'source-controller',
    'notification-controller',
    ...EXTRA_COMPONENTS,
    ...(m >= 7 ? ['source-watcher'] : [])
  ]
  const subject = n => `- kind: ServiceAccount\n  name: ${n}\n  namespace: flux-system\n`
  const aggregate = n => `rbac.authorization.k8s.io/aggregate-to-${n}: "true"`
  return [
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  labels:\n${labels(4, version, null, [
      'pod-security.kubernetes.io/warn: restricted',
      'pod-security.kubernetes.io/warn-version: latest'
    ])}  name: flux-system\n`,
    policy(
      'allow-egress',
      'spec:\n  egress:\n  - {}\n  ingress:\n  - from:\n    - podSelector: {}\n  podSelector: {}\n  policyTypes:\n  - Ingress\n  - Egress\n'
    ),
    policy(
      'allow-scraping',
      'spec:\n  ingress:\n  - from:\n    - namespaceSelector: {}\n    ports:\n    - port: 8080\n      protocol: TCP\n  podSelector: {}\n  policyTypes:\n  - Ingress\n'
    ),
    policy(
      'allow-webhooks',
      'spec:\n  ingress:\n  - from:\n    - namespaceSelector: {}\n  podSelector:\n    matchLabels:\n      app: notification-controller\n  policyTypes:\n  - Ingress\n'
    ),
    `apiVersion: v1\nkind: ResourceQuota\n${meta()}  name: critical-pods-flux-system\n  namespace: flux-system\nspec:\n  hard:\n    pods: "1000"\n  scopeSelector:\n    matchExpressions:\n    - operator: In\n      scopeName: PriorityClass\n      values:\n      - system-node-critical\n      - system-cluster-critical\n`,
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n${meta()}  name: crd-controller-flux-system\nrules:\n${groups
      .map(g => `- apiGroups:\n  - ${g}\n  resources:\n  - '*'\n  verbs:\n  - '*'\n`)
      .join(
        ''
      )}- apiGroups:\n  - ""\n  resources:\n  - namespaces\n  - secrets\n  - configmaps\n  - serviceaccounts\n  verbs:\n  - get\n  - list\n  - watch\n- apiGroups:\n  - ""\n  resources:\n  - events\n  verbs:\n  - create\n  - patch\n- apiGroups:\n  - coordination.k8s.io\n  resources:\n  - leases\n  verbs:\n  - get\n  - list\n  - watch\n  - create\n  - update\n  - patch\n  - delete\n`,
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n${meta([aggregate('admin'), aggregate('edit')])}  name: flux-edit-flux-system\nrules:\n- apiGroups:\n${groups
      .map(g => `  - ${g}\n`)
      .join(
        ''
      )}  resources:\n  - '*'\n  verbs:\n  - create\n  - delete\n  - deletecollection\n  - patch\n  - update\n`,
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n${meta([aggregate('admin'), aggregate('edit'), aggregate('view')])}  name: flux-view-flux-system\nrules:\n- apiGroups:\n${groups
      .map(g => `  - ${g}\n`)
      .join('')}  resources:\n  - '*'\n  verbs:\n  - get\n  - list\n  - watch\n`,
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n${meta()}  name: cluster-reconciler-flux-system\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n${subject('kustomize-controller')}${subject('helm-controller')}`,
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n${meta()}  name: crd-controller-flux-system\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: crd-controller-flux-system\nsubjects:\n${subjects.map(subject).join('')}`
  ]
}

function plural(kind) {
  const lower = kind.toLowerCase()
  return lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`
}

function syntheticCrd(version, component, kind, m) {
  const group = KIND_GROUP[component]
  const versions = crdVersions(kind, m)
    .slice()
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(
      ver =>
        `  - ${ver.deprecated ? `deprecated: true\n    deprecationWarning: ${group}/${ver.name} ${kind} is deprecated, upgrade to ${crdVersions(kind, m).find(x => x.storage).name}\n    ` : ''}name: ${ver.name}\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n    served: true\n    storage: ${ver.storage}\n    subresources:\n      status: {}\n`
    )
    .join('')
  return `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  annotations:\n    controller-gen.kubebuilder.io/version: v0.19.0\n  labels:\n${labels(4, version, component)}  name: ${plural(kind)}.${group}\nspec:\n  group: ${group}\n  names:\n    kind: ${kind}\n    listKind: ${kind}List\n    plural: ${plural(kind)}\n    singular: ${kind.toLowerCase()}\n  scope: Namespaced\n  versions:\n${versions}`
}

function syntheticComponentDocs(version, component) {
  const [, m, p] = version.split('.').map(n => parseInt(n, 10))
  const eventsAddr =
    m >= 7
      ? 'http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./'
      : 'http://notification-controller.flux-system.svc.cluster.local./'
  const isSource = component === 'source-controller' || component === 'source-watcher'
  const args = [
    ...(component === 'notification-controller' ? [] : [`--events-addr=${eventsAddr}`]),
    '--watch-all-namespaces=true',
    '--log-level=info',
    '--log-encoding=json',
    '--enable-leader-election',
    ...(isSource
      ? ['--storage-path=/data', `--storage-adv-addr=${component}.$(RUNTIME_NAMESPACE).svc.cluster.local.`]
      : [])
  ]
  const ports = [
    ...(isSource || component === 'notification-controller' ? [['9090', 'http']] : []),
    ...(component === 'notification-controller' ? [['9292', 'http-webhook']] : []),
    ['8080', 'http-prom'],
    ['9440', 'healthz']
  ]
  const service = (name, targetPort) =>
    `apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n${labels(4, version, component, ['control-plane: controller'])}  name: ${name}\n  namespace: flux-system\nspec:\n  ports:\n  - name: http\n    port: 80\n    protocol: TCP\n    targetPort: ${targetPort}\n  selector:\n    app: ${component}\n  type: ClusterIP\n`
  const grace = { 'kustomize-controller': 60, 'helm-controller': 600 }[component] ?? 10
  const critical = DEFAULT_COMPONENTS.includes(component) && component !== 'notification-controller'
  const dataVolume = isSource ? 'data' : 'temp'
  const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n${labels(4, version, component, ['control-plane: controller'])}  name: ${component}\n  namespace: flux-system\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: ${component}\n  strategy:\n    type: Recreate\n  template:\n    metadata:\n      annotations:\n        prometheus.io/port: "8080"\n        prometheus.io/scrape: "true"\n      labels:\n        app: ${component}\n${labels(8, version, component)}    spec:\n      containers:\n      - args:\n${args.map(a => `        - ${a}\n`).join('')}        env:\n        - name: RUNTIME_NAMESPACE\n          valueFrom:\n            fieldRef:\n              fieldPath: metadata.namespace\n        image: ghcr.io/fluxcd/${component}:${controllerTag(component, m, p)}\n        imagePullPolicy: IfNotPresent\n        livenessProbe:\n          httpGet:\n            path: /healthz\n            port: healthz\n        name: manager\n        ports:\n${ports.map(([n, name]) => `        - containerPort: ${n}\n          name: ${name}\n          protocol: TCP\n`).join('')}        readinessProbe:\n          httpGet:\n            path: /readyz\n            port: healthz\n        resources:\n          limits:\n            cpu: 1000m\n            memory: 1Gi\n          requests:\n            cpu: 50m\n            memory: 64Mi\n        securityContext:\n          allowPrivilegeEscalation: false\n          capabilities:\n            drop:\n            - ALL\n          readOnlyRootFilesystem: true\n          runAsNonRoot: true\n          seccompProfile:\n            type: RuntimeDefault\n        volumeMounts:\n        - mountPath: /${isSource ? 'data' : 'tmp'}\n          name: ${dataVolume}\n      nodeSelector:\n        kubernetes.io/os: linux\n${critical ? '      priorityClassName: system-cluster-critical\n' : ''}      securityContext:\n        fsGroup: 1337\n      serviceAccountName: ${component}\n      terminationGracePeriodSeconds: ${grace}\n      volumes:\n      - emptyDir: {}\n        name: ${dataVolume}\n`
  return [
    ...COMPONENT_KINDS[component](m).map(kind => syntheticCrd(version, component, kind, m)),
    `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  labels:\n${labels(4, version, component)}  name: ${component}\n  namespace: flux-system\n`,
    ...(isSource ? [service(component, 'http')] : []),
    ...(component === 'notification-controller'
      ? [service('notification-controller', 'http'), service('webhook-receiver', 'http-webhook')]
      : []),
    deployment
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// The default install of a version, split into the shared documents and each component's documents.

const COMPONENT_LABEL = /^ {4}app\.kubernetes\.io\/component: (\S+)$/m

function splitDocuments(text) {
  const docs = []
  let current = []
  for (const line of text.split('\n')) {
    if (line === '---') {
      if (current.length > 0) docs.push(current.join('\n') + '\n')
      current = []
    } else current.push(line)
  }
  if (current.length > 0 && current.join('') !== '') docs.push(current.join('\n').replace(/\n*$/, '\n'))
  return docs
}

function readFixture(version) {
  if (!STANDIN.fixtures) return null
  for (const set of ['image', 'default']) {
    const file = path.join(STANDIN.fixtures, 'flux', `v${version}`, set, 'gotk-components.yaml')
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8')
  }
  return null
}

function defaultInstall(version) {
  const m = parseInt(version.split('.')[1], 10)
  const fixture = readFixture(version)
  const base = []
  const groups = new Map()
  const add = (component, doc) => {
    if (!groups.has(component)) groups.set(component, [])
    groups.get(component).push(doc)
  }
  if (fixture !== null) {
    // The header is four lines: `---` and three comments; the documents follow.
    const body = fixture.split('\n').slice(4).join('\n')
    for (const doc of splitDocuments(body)) {
      const c = COMPONENT_LABEL.exec(doc)
      if (c) add(c[1], doc)
      else base.push(doc)
    }
  } else base.push(...syntheticBaseDocs(version, m))
  return {
    base,
    // A component missing from the fixture (source-watcher, or image controllers where only the default set
    // was kept) is synthesized in the same shape.
    component: c => groups.get(c) ?? syntheticComponentDocs(version, c)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Applying the install options to the default documents, as flux's generated kustomization does.

const kindOf = doc => (/^kind: (\S+)$/m.exec(doc) ?? [])[1]

// Inserts `block` (lines at 6 spaces) into the pod spec of a Deployment, keeping keys sorted as flux prints them.
function insertPodSpecField(lines, key, block) {
  const template = lines.indexOf('  template:')
  const spec = lines.indexOf('    spec:', template)
  if (template === -1 || spec === -1) return lines
  let at = lines.length
  for (let i = spec + 1; i < lines.length; i++) {
    const l = lines[i]
    if (l !== '' && !l.startsWith('      ')) {
      at = i
      break
    }
    const k = /^ {6}([A-Za-z][\w]*):/.exec(l)
    if (k && k[1] > key) {
      at = i
      break
    }
  }
  return [...lines.slice(0, at), ...block, ...lines.slice(at)]
}

function applyOptions(doc, opts, ctx) {
  const kind = kindOf(doc)
  const component = (COMPONENT_LABEL.exec(doc) ?? [])[1]
  const ns = opts.namespace
  const nsValue = yamlScalar(ns)
  let lines = doc.split('\n').map(line => {
    let l = line
    if (ns !== 'flux-system') {
      // kustomize's namespace transformer, the rbac.yaml rewrite and the `-<namespace>` name suffix of the roles.
      l = l
        .replace(/^(\s*(?:- )?)namespace: flux-system$/, `$1namespace: ${nsValue}`)
        .replace(
          /^(\s*)app\.kubernetes\.io\/instance: flux-system$/,
          `$1app.kubernetes.io/instance: ${nsValue}`
        )
        .replace(/^(\s*(?:- )?)name: (\S+)-flux-system$/, `$1name: $2-${ns}`)
      if (kind === 'Namespace') l = l.replace(/^ {2}name: flux-system$/, `  name: ${nsValue}`)
    }
    const events = /^(\s*- --events-addr=)(.*)$/.exec(l)
    if (events) {
      const runtime = events[2].includes('$(RUNTIME_NAMESPACE)')
      const addr = `http://notification-controller.${runtime ? '$(RUNTIME_NAMESPACE)' : ns}.svc.${opts.clusterDomain}./`
      l = events[1] + (ctx.hasNotification ? addr : '')
    }
    if (component === 'source-controller') {
      l = l.replace(
        /^(\s*- --storage-adv-addr=source-controller\.\$\(RUNTIME_NAMESPACE\)\.svc\.)(.*)\.$/,
        `$1${opts.clusterDomain}.`
      )
    }
    l = l.replace(/^(\s*- --watch-all-namespaces=)(true|false)$/, `$1${opts.watchAllNamespaces}`)
    l = l.replace(/^(\s*- --log-level=)(\w+)$/, `$1${opts.logLevel}`)
    const image = /^(\s*image: )(?:ghcr\.io\/fluxcd|fluxcd)\/([a-z-]+)([:@].*)?$/.exec(l)
    if (image && opts.components.includes(image[2])) {
      l = `${image[1]}${opts.registry ? `${opts.registry}/` : 'fluxcd/'}${image[2]}${image[3] ?? ''}`
    }
    return l
  })
  if (kind === 'Deployment') {
    if (opts.imagePullSecret) {
      lines = insertPodSpecField(lines, 'imagePullSecrets', [
        '      imagePullSecrets:',
        `      - name: ${yamlScalar(opts.imagePullSecret)}`
      ])
    }
    if (opts.tolerationKeys.length > 0) {
      lines = insertPodSpecField(lines, 'tolerations', [
        '      tolerations:',
        ...opts.tolerationKeys.flatMap(k => [`      - key: ${yamlScalar(k)}`, '        operator: Exists'])
      ])
    }
  }
  return lines.join('\n')
}

function renderInstall(opts) {
  const install = defaultInstall(opts.version)
  const seen = new Set()
  for (const c of opts.components) {
    // kustomize refuses a resource file listed twice.
    if (seen.has(c)) fail(`install failed: accumulating resources: '${c}.yaml' already in resources`)
    seen.add(c)
  }
  const ctx = { hasNotification: opts.components.includes('notification-controller') }
  const docs = [
    ...install.base.filter(d => opts.networkPolicy || kindOf(d) !== 'NetworkPolicy'),
    ...opts.components.flatMap(c => install.component(c))
  ]
  const header = `---\n# This manifest was generated by flux. DO NOT EDIT.\n# Flux Version: v${opts.version}\n# Components: ${opts.components.join(',')}\n`
  return header + docs.map(d => applyOptions(d, opts, ctx)).join('---\n')
}

function install(argv) {
  const { values, positional } = parseFlags(argv, {
    export: { type: 'bool' },
    version: { type: 'string', short: 'v' },
    components: { type: 'slice' },
    'components-extra': { type: 'slice' },
    manifests: { type: 'string' },
    registry: { type: 'string' },
    'image-pull-secret': { type: 'string' },
    'watch-all-namespaces': { type: 'bool' },
    'log-level': { type: 'string', validate: validLogLevel },
    'network-policy': { type: 'bool' },
    'cluster-domain': { type: 'string' },
    'toleration-keys': { type: 'slice' },
    force: { type: 'bool' }
  })
  if (positional.length > 0) fail(`unknown command "${positional[0]}" for "flux install"`)
  const namespace = values.namespace ?? process.env.FLUX_SYSTEM_NAMESPACE ?? 'flux-system'
  checkNamespace(namespace)
  const components = [...(values.components ?? DEFAULT_COMPONENTS), ...(values['components-extra'] ?? [])]
  const version = values.version ? values.version.replace(/^v/, '') : VERSION
  if (!/^\d+\.\d+\.\d+$/.test(version))
    fail(`install failed: version ${values.version} is not a Flux release`)
  const available = componentsAvailable(parseInt(version.split('.')[1], 10))
  for (const c of components) if (!available.includes(c)) fail(`component ${c} is not available`)
  if (!values.export) fail('install failed: this flux stand-in has no cluster to install into; use --export')
  const manifest = renderInstall({
    version,
    components,
    namespace,
    registry: values.registry ?? 'ghcr.io/fluxcd',
    imagePullSecret: values['image-pull-secret'] ?? '',
    tolerationKeys: values['toleration-keys'] ?? [],
    watchAllNamespaces: values['watch-all-namespaces'] ?? true,
    logLevel: values['log-level'] ?? 'info',
    networkPolicy: values['network-policy'] ?? true,
    clusterDomain: values['cluster-domain'] ?? 'cluster.local'
  })
  process.stdout.write(manifest)
}

// ---------------------------------------------------------------------------------------------------------------
// `flux migrate -f`: line-based, as cmd/flux/migrate.go does it. An `apiVersion: ` line immediately followed by a
// `kind: ` line is rewritten to the latest API version of that group and kind in the target Flux minor; the CLI
// knows its own minor and the previous one.

function latestApiVersions(minor) {
  const source = 'source.toolkit.fluxcd.io'
  const image = minor >= 7 ? 'v1' : 'v1beta2'
  return {
    [`${source}/Bucket`]: 'v1',
    [`${source}/GitRepository`]: 'v1',
    [`${source}/OCIRepository`]: 'v1',
    [`${source}/HelmRepository`]: 'v1',
    [`${source}/HelmChart`]: 'v1',
    [`${source}/ExternalArtifact`]: 'v1',
    'kustomize.toolkit.fluxcd.io/Kustomization': 'v1',
    'helm.toolkit.fluxcd.io/HelmRelease': 'v2',
    'notification.toolkit.fluxcd.io/Receiver': 'v1',
    'notification.toolkit.fluxcd.io/Alert': 'v1beta3',
    'notification.toolkit.fluxcd.io/Provider': 'v1beta3',
    'image.toolkit.fluxcd.io/ImageRepository': image,
    'image.toolkit.fluxcd.io/ImagePolicy': image,
    'image.toolkit.fluxcd.io/ImageUpdateAutomation': image,
    ...(minor >= 7 ? { 'source.extensions.fluxcd.io/ArtifactGenerator': 'v1beta1' } : {})
  }
}

// Paths are resolved inside the working directory like Go's os.Root: absolute paths and `..` are refused.
function rootedPath(p) {
  const clean = path.posix.normalize(p).replace(/\/$/, '') || '.'
  if (path.isAbsolute(clean) || clean === '..' || clean.startsWith('../')) {
    fail(`failed to stat path ${clean}: stat ${clean}: invalid argument`)
  }
  return clean
}

function listMigrationFiles(root, extensions) {
  const matches = f => extensions.some(e => f.endsWith(e))
  let stat
  try {
    stat = fs.lstatSync(root)
  } catch {
    return fail(`failed to stat path ${root}: stat ${root}: no such file or directory`)
  }
  if (!stat.isDirectory()) {
    if (!matches(root)) fail(`file ${root} does not match the specified extensions: ${extensions.join(', ')}`)
    if (!stat.isFile()) fail(`file ${root} is irregular`)
    return [root]
  }
  const files = []
  const walk = dir => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = dir === '.' ? name : `${dir}/${name}`
      const s = fs.lstatSync(p)
      if (s.isDirectory()) walk(p)
      else if (matches(p)) {
        if (s.isFile()) files.push(p)
        else log.warning(`skipping irregular file ${p}`)
      }
    }
  }
  walk(root)
  return files
}

function detectUpgrades(file, latest) {
  const lines = fs.readFileSync(file, 'utf8').split('\n')
  const upgrades = []
  for (let i = 0; i < lines.length; i++) {
    const idx = lines[i].indexOf('apiVersion: ')
    if (idx === -1) continue
    const apiVersion = lines[i].slice(idx + 'apiVersion: '.length).trim()
    const parts = apiVersion.split('/')
    if (parts.length > 2) {
      log.warning(`${file}:${i + 1}: unexpected GroupVersion string: ${apiVersion}`)
      continue
    }
    const [group, version] = parts.length === 2 ? parts : ['', parts[0]]
    if (i + 1 >= lines.length) continue
    const kidx = lines[i + 1].indexOf('kind: ')
    if (kidx === -1) continue
    const kind = lines[i + 1].slice(kidx + 'kind: '.length).trim()
    const to = latest[`${group}/${kind}`]
    if (to === undefined || to === version) continue
    upgrades.push({ line: i, kind, from: version, to })
  }
  return { lines, upgrades }
}

function migrate(argv) {
  if (MAJOR < 2 || (MAJOR === 2 && (MINOR < 7 || (MINOR === 7 && PATCH < 1))))
    fail('unknown command "migrate" for "flux"')
  const { values, positional } = parseFlags(argv, {
    path: { type: 'string', short: 'f' },
    extensions: { type: 'slice', short: 'e' },
    version: { type: 'string', short: 'v' },
    yes: { type: 'bool', short: 'y' },
    'dry-run': { type: 'bool' }
  })
  if (positional.length > 0) fail(`unknown command "${positional[0]}" for "flux migrate"`)
  if (!values.path) {
    log.action('starting migration of custom resources')
    fail('the Kubernetes client initialization failed: this flux stand-in has no cluster')
  }
  const supported = [`${MAJOR}.${MINOR}`, `${MAJOR}.${MINOR - 1}`]
  const target = values.version ?? supported[0]
  if (!supported.includes(target)) {
    fail(`version ${target} is not supported, supported versions are: ${supported.join(', ')}`)
  }
  const latest = latestApiVersions(parseInt(target.split('.')[1], 10))
  log.action('starting migration of custom resources')
  const root = rootedPath(values.path)
  const detected = []
  for (const file of listMigrationFiles(root, values.extensions ?? ['.yaml', '.yml'])) {
    const d = detectUpgrades(file, latest)
    if (d.upgrades.length === 0) continue
    detected.push({ file, ...d })
    for (const u of d.upgrades) log.generate(`${file}:${u.line + 1}: ${u.kind} ${u.from} -> ${u.to}`)
  }
  if (detected.length === 0) return log.success('no custom resources found that require migration')
  if (values['dry-run']) return log.success('dry-run mode enabled, no changes will be made')
  // promptui reads the confirmation from a terminal; without one it ends with ^D.
  if (!values.yes) fail('^D')
  for (const d of detected) {
    for (const u of d.upgrades) d.lines[u.line] = d.lines[u.line].split(u.from).join(u.to)
    fs.writeFileSync(d.file, d.lines.join('\n'))
    log.success(`file ${d.file} migrated successfully`)
  }
  log.success('custom resources migrated successfully')
}

// ---------------------------------------------------------------------------------------------------------------

function main(argv) {
  const [command, ...rest] = argv
  if (command === '--version') return process.stdout.write(`flux version ${VERSION}\n`)
  if (command === 'version') {
    parseFlags(rest, { client: { type: 'bool' }, output: { type: 'string', short: 'o' } })
    return process.stdout.write(`flux: v${VERSION}\n`)
  }
  if (command === 'install') return install(rest)
  if (command === 'migrate') return migrate(rest)
  return fail(`unknown command "${command ?? ''}" for "flux"`)
}

try {
  main(process.argv.slice(2))
} catch (e) {
  if (!(e instanceof FluxError)) throw e
  process.stderr.write(`✗ ${e.message}\n`)
  process.exitCode = 1
}
