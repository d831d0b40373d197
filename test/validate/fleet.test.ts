import fs from 'node:fs'
import path from 'node:path'
import { generateFleet } from '../../support/fleet.js'
import { validateRepository, type ValidationReport } from '../../src/validate/validator.js'
import { parseDocuments } from '../../src/yaml/documents.js'
import { fixturesDir, haveFixtures } from './schema/fixtures.js'

/**
 * A generated home-lab fleet with no Flux CRDs in it, validated against the CRDs `flux install --export` prints
 * (the real output of flux 2.7.5, kept in the fixtures): healthy, it has no error; each fault put into it is found
 * at its line.
 */

const describeIf = haveFixtures ? describe : describe.skip
if (!haveFixtures) console.log(`fleet validation tests skipped: ${fixturesDir} is absent`)

const fluxCrds = (version: string) =>
  parseDocuments(
    fs.readFileSync(path.join(fixturesDir, 'flux', version, 'default', 'gotk-components.yaml'), 'utf8'),
    'flux install'
  )
    .map(d => d.value as Record<string, unknown>)
    .filter(v => v?.kind === 'CustomResourceDefinition')

const validate = (files: Map<string, string>, version = 'v2.7.5'): ValidationReport =>
  validateRepository({
    files: [...files].map(([p, content]) => ({ path: p, content })),
    crdSources: [{ name: `flux install --export (flux ${version})`, crds: fluxCrds(version) }]
  })

const errors = (r: ValidationReport) => r.findings.filter(f => f.severity === 'error')
const show = (r: ValidationReport) =>
  r.findings.map(f => `${f.severity} ${f.rule} ${f.file}:${f.line} ${f.message}`)

describeIf('validating a generated home-lab fleet', () => {
  it('a healthy fleet has no error, and its Flux objects are checked against the installed CRDs', () => {
    const r = validate(generateFleet())
    expect(show(r).filter(l => l.startsWith('error'))).toEqual([])
    expect(r.skipped.filter(s => s.apiVersion.includes('fluxcd'))).toEqual([])
    // The summary says what checked what: the built-in API, the CRDs of the Flux in play; and counts by group.
    expect(r.schemas.map(s => s.source).sort()).toEqual([
      'Kubernetes API (built in)',
      'flux install --export (flux v2.7.5)'
    ])
    const group = (g: string) => r.groups.find(x => x.group === g)
    // Nine applications, each a HelmRelease rendered by its own Flux Kustomization (and checked once).
    expect(group('helm.toolkit.fluxcd.io')).toEqual({
      group: 'helm.toolkit.fluxcd.io',
      validated: 9,
      skipped: 0
    })
    expect(group('apps')).toEqual({ group: 'apps', validated: 1, skipped: 0 })
    console.log(show(r).join('\n'))
  })
})

/** A fault: one edit to one file of the healthy fleet, and where its error must be reported. */
interface Fault {
  name: string
  file: string
  /** Replaces the first occurrence of `from` in the file (or creates the file when `from` is undefined). */
  from?: string
  to: string
  rule: string
  /** The text of the line the error must point at (in `at`, the file, unless given). */
  line: string
  at?: string
}

const app = 'kubernetes/apps/ns-0/app-0-0'
const infra = 'clusters/main/infrastructure.yaml'
const faults: Fault[] = [
  {
    name: 'a duration a HelmRelease cannot have',
    file: `${app}/app/helmrelease.yaml`,
    from: '  interval: 1h',
    to: '  interval: 1 hour',
    rule: 'schema/pattern',
    line: '  interval: 1 hour'
  },
  {
    name: 'an OCIRepository layer operation outside the enum',
    file: `${app}/app/ocirepository.yaml`,
    from: 'operation: copy',
    to: 'operation: unpack',
    rule: 'schema/enum',
    line: 'operation: unpack'
  },
  {
    name: 'a Flux Kustomization retry interval that is no duration',
    file: `${app}/ks.yaml`,
    from: 'retryInterval: 2m',
    to: 'retryInterval: two minutes',
    rule: 'schema/pattern',
    line: 'retryInterval: two minutes'
  },
  {
    name: 'a Flux Kustomization sourceRef kind outside the enum',
    file: `${app}/ks.yaml`,
    from: 'kind: GitRepository',
    to: 'kind: GitRepo',
    rule: 'schema/enum',
    line: 'kind: GitRepo'
  },
  {
    name: 'a HelmRelease with both chart and chartRef (a CEL rule of the CRD)',
    file: `${app}/app/helmrelease.yaml`,
    from: '  chartRef:',
    to: '  chart:\n    spec:\n      chart: app\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n  chartRef:',
    rule: 'schema/rule',
    line: 'spec:'
  },
  {
    name: 'a GitRepository URL that is not one',
    file: 'clusters/main/flux-system/gotk-sync.yaml',
    from: 'url: ssh://git@github.com/example/home-ops',
    to: 'url: git@github.com:example/home-ops',
    rule: 'schema/pattern',
    line: 'url: git@github.com:example/home-ops'
  },
  {
    name: 'a bad name outside any kustomization',
    file: 'clusters/main/settings.yaml',
    to: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Cluster_Settings\n  namespace: flux-system\ndata:\n  a: b\n',
    rule: 'object/invalid-name',
    line: '  name: Cluster_Settings'
  },
  {
    name: 'a ClusterResourceSet naming a ConfigMap that does not exist',
    file: 'clusters/main/crs.yaml',
    to: [
      'apiVersion: addons.cluster.x-k8s.io/v1beta2',
      'kind: ClusterResourceSet',
      'metadata:',
      '  name: cni',
      '  namespace: default',
      'spec:',
      '  strategy: Reconcile',
      '  clusterSelector: {}',
      '  resources:',
      '    - kind: ConfigMap',
      '      name: calico-install',
      ''
    ].join('\n'),
    rule: 'crs/missing-resource',
    line: '      name: calico-install'
  },
  {
    name: 'a listed resource that does not parse',
    file: `${app}/app/ocirepository.yaml`,
    from: '  ref:\n    tag: 4.5.0',
    to: '  ref:\n    tag: 4.5.0\n   broken: [',
    rule: 'yaml/parse',
    line: '   broken: ['
  },
  {
    name: 'a generator input that does not exist',
    file: `${app}/app/kustomization.yaml`,
    from: './resources/script.sh',
    to: './resources/start.sh',
    rule: 'kustomize/missing-file',
    line: '      - entrypoint.sh=./resources/start.sh'
  },
  {
    name: 'a `_` placeholder left unnamed: the component used without `namespace:`',
    file: 'kubernetes/apps/ns-1/kustomization.yaml',
    from: 'namespace: ns-1\n',
    to: '',
    rule: 'object/invalid-name',
    at: 'kubernetes/components/common/namespace.yaml',
    line: '  name: _'
  },
  {
    name: 'a resource listed that does not exist',
    file: 'kubernetes/apps/ns-2/kustomization.yaml',
    from: '  - ./app-2-0/ks.yaml',
    to: '  - ./app-2-0/kustomization.yaml',
    rule: 'kustomize/missing-resource',
    line: '  - ./app-2-0/kustomization.yaml'
  },
  {
    name: 'without the Flux Kustomization patch that fixes it, a pull policy outside the enum',
    file: infra,
    from: '  patches:\n    - patch: |-\n        - op: replace\n          path: /spec/template/spec/containers/0/imagePullPolicy\n          value: ${PULL_POLICY}\n      target:\n        kind: Deployment\n        name: web\n',
    to: '',
    rule: 'schema/enum',
    at: 'kubernetes/infrastructure/web/deployment.yaml',
    line: 'imagePullPolicy: Sometimes'
  },
  {
    name: 'a Flux Kustomization patch that writes a value outside the enum, at the patch line',
    file: infra,
    from: 'value: ${PULL_POLICY}',
    to: 'value: Sometimes',
    rule: 'schema/enum',
    line: 'value: Sometimes'
  },
  {
    name: 'a variable of the cluster settings (substituteFrom) that breaks an enum, where it is used',
    file: 'clusters/main/cluster-settings.yaml',
    from: 'PULL_POLICY: IfNotPresent',
    to: 'PULL_POLICY: Sometimes',
    rule: 'schema/enum',
    at: infra,
    line: 'value: ${PULL_POLICY}'
  },
  {
    name: 'a literal postBuild.substitute value that breaks an enum over a ${VAR:=default}',
    file: infra,
    from: '      WEB_TAG: "1.27"',
    to: '      WEB_TAG: "1.27"\n      WEB_ROLLOUT: Rolling',
    rule: 'schema/enum',
    at: 'kubernetes/infrastructure/web/deployment.yaml',
    line: 'type: ${WEB_ROLLOUT:=RollingUpdate}'
  },
  {
    name: 'a substituted number where a string must be (replicas, unquoted, is an integer; a name is not)',
    file: infra,
    from: '      WEB_TAG: "1.27"',
    to: '      WEB_TAG: "1.27"\n      WEB_REPLICAS: two',
    rule: 'schema/type',
    at: 'kubernetes/infrastructure/web/deployment.yaml',
    line: 'replicas: ${WEB_REPLICAS:=2}'
  },
  {
    name: 'a path with no kustomization.yaml and no targetNamespace: the `_` placeholder stays',
    file: infra,
    from: '  targetNamespace: infrastructure\n',
    to: '',
    rule: 'object/invalid-name',
    at: 'kubernetes/infrastructure/namespace.yaml',
    line: '  name: _'
  },
  {
    name: 'a targetNamespace that is no namespace name, at its line',
    file: infra,
    from: 'targetNamespace: infrastructure',
    to: 'targetNamespace: Infrastructure',
    rule: 'object/invalid-name',
    line: 'targetNamespace: Infrastructure'
  },
  {
    name: 'a namePrefix that makes names invalid, at the name it prefixes',
    file: infra,
    from: 'namePrefix: infra-',
    to: 'namePrefix: Infra_',
    rule: 'object/invalid-name',
    at: 'kubernetes/infrastructure/web/deployment.yaml',
    line: '  name: web'
  },
  {
    // Not a manifest by its looks, but under a path without kustomization.yaml: the controller's generated
    // kustomization lists it, and its build fails on it.
    name: 'a YAML file the generated kustomization lists that does not parse (an app config with a custom tag)',
    file: 'kubernetes/infrastructure/web/config.yaml',
    to: 'server:\n  port: 8080\n  token: !env_var APP_TOKEN\n',
    rule: 'yaml/parse',
    line: '  token: !env_var APP_TOKEN'
  },
  {
    name: 'a HelmRelease chartRef kind outside the enum',
    file: `${app}/app/helmrelease.yaml`,
    from: '    kind: OCIRepository',
    to: '    kind: OCIRepo',
    rule: 'schema/enum',
    line: 'kind: OCIRepo'
  }
]

/** The first line holding `needle`. */
const lineIn = (text: string, needle: string): number =>
  text.split('\n').findIndex(l => l.includes(needle)) + 1

describeIf('each fault put into the fleet is found at its line', () => {
  it.each(faults.map(f => [f.name, f] as const))('%s', (_, fault) => {
    const files = generateFleet()
    const before = files.get(fault.file)
    if (fault.from === undefined) files.set(fault.file, fault.to)
    else {
      expect(before).toContain(fault.from)
      files.set(fault.file, before!.replace(fault.from, fault.to))
    }
    const at = fault.at ?? fault.file
    const line = lineIn(files.get(at)!, fault.line)
    expect(line).toBeGreaterThan(0)
    const r = validate(files)
    expect(errors(r).map(f => `${f.rule} ${f.file}:${f.line}`)).toContain(`${fault.rule} ${at}:${line}`)
  })
})

describeIf('what Flux never applies, and several Flux versions', () => {
  it('a stray template gets warnings and one notice; a file its kustomization leaves out gets a warning', () => {
    const files = generateFleet()
    files.set(`${app}/app/forgotten.yaml`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Forgotten\n')
    const r = validate(files)
    expect(errors(r)).toEqual([])
    const about = (file: string) =>
      r.findings.filter(f => f.file === file).map(f => `${f.severity} ${f.rule} ${f.line}`)
    expect(about('templates/gotk-sync.yaml')).toEqual([
      'notice flux/not-applied 1',
      'warning schema/pattern 7',
      'warning schema/pattern 10'
    ])
    expect(about(`${app}/app/forgotten.yaml`)).toEqual([
      'warning kustomize/not-listed 1',
      'warning object/invalid-name 4'
    ])
  })

  it('reports one finding once: a component three namespaces use gives one error per rendered Namespace', () => {
    const files = generateFleet()
    const file = 'kubernetes/components/common/namespace.yaml'
    files.set(
      file,
      files.get(file)!.replace('kind: Namespace', 'kind: Namespace\nspec:\n  finalizers: kubernetes')
    )
    const r = validate(files)
    const lines = errors(r).map(f => `${f.rule} ${f.file}:${f.line} ${f.message}`)
    expect(lines).toHaveLength(3)
    expect(new Set(lines).size).toBe(3)
    expect(lines.map(l => l.split(' ')[1])).toEqual([`${file}:4`, `${file}:4`, `${file}:4`])
  })

  it("checks each cluster's objects against its own Flux install, the others against the Flux in play", () => {
    const files = generateFleet()
    const old = fs.readFileSync(
      path.join(fixturesDir, 'flux', 'v2.2.2', 'default', 'gotk-components.yaml'),
      'utf8'
    )
    files.set('clusters/old/flux-system/gotk-components.yaml', old)
    files.set(
      'clusters/old/flux-system/kustomization.yaml',
      'resources:\n  - gotk-components.yaml\n  - gotk-sync.yaml\n'
    )
    files.set(
      'clusters/old/flux-system/gotk-sync.yaml',
      files.get('clusters/main/flux-system/gotk-sync.yaml')!.replace('./clusters/main', './clusters/old')
    )
    const release = (apiVersion: string) =>
      `apiVersion: ${apiVersion}\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n`
    files.set('clusters/old/podinfo.yaml', release('helm.toolkit.fluxcd.io/v2beta2'))
    // Flux 2.2 serves GitRepository v1 and Kustomization v1, not HelmRelease v2 nor OCIRepository v1: the main
    // cluster's objects are fine only because they are checked against the Flux in play.
    expect(errors(validate(files))).toEqual([])
    files.set('clusters/old/podinfo.yaml', release('helm.toolkit.fluxcd.io/v2'))
    expect(errors(validate(files)).map(f => `${f.rule} ${f.file}:${f.line}`)).toEqual([
      'schema/version-not-served clusters/old/podinfo.yaml:1'
    ])
  })
})
