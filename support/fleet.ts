/**
 * A generated fleet repository in the style of a large home-lab repository (one cluster, Flux from bootstrap or
 * the operator, no Flux CRDs in the repository): `_` Namespace placeholders that each namespace directory's
 * kustomization renames, a shared component, Flux Kustomizations per application with `${VAR}` substitutions,
 * HelmReleases on OCIRepositories, ConfigMap generators reading shell scripts and an application config file with
 * a custom tag, Secret generators reading env files, a Helm chart folder, a CI workflow and a stray template that
 * nothing applies. What Flux applies differs from what is written: the apps' Kustomization takes its variables from
 * a ConfigMap of cluster settings and passes them on; an infrastructure path with no kustomization.yaml (the
 * controller lists its manifests) gets a target namespace, a name prefix, a JSON6902 patch that fixes a value the
 * file has wrong, a default for an unset variable and a literal one. Deterministic: the same size gives the same files, so tests can point at lines and the
 * benchmark compares like with like.
 */

export interface FleetOptions {
  /** Namespace directories. */
  namespaces?: number
  /** Applications per namespace. */
  apps?: number
}

const lines = (...l: string[]): string => `${l.join('\n')}\n`

export function generateFleet(options: FleetOptions = {}): Map<string, string> {
  const namespaces = options.namespaces ?? 3
  const apps = options.apps ?? 3
  const files = new Map<string, string>()
  const put = (path: string, text: string) => files.set(path, text)

  put(
    'clusters/main/flux-system/kustomization.yaml',
    lines(
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      '  - gotk-sync.yaml'
    )
  )
  put(
    'clusters/main/flux-system/gotk-sync.yaml',
    lines(
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: GitRepository',
      'metadata:',
      '  name: flux-system',
      '  namespace: flux-system',
      'spec:',
      '  interval: 1m0s',
      '  ref:',
      '    branch: main',
      '  secretRef:',
      '    name: flux-system',
      '  url: ssh://git@github.com/example/home-ops',
      '---',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: flux-system',
      '  namespace: flux-system',
      'spec:',
      '  interval: 10m0s',
      '  path: ./clusters/main',
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: flux-system'
    )
  )
  put(
    'clusters/main/apps.yaml',
    lines(
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: cluster-apps',
      '  namespace: flux-system',
      'spec:',
      '  interval: 30m',
      '  path: ./kubernetes/apps',
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: flux-system',
      '  postBuild:',
      '    substituteFrom:',
      '      - kind: ConfigMap',
      '        name: cluster-settings'
    )
  )
  put(
    'clusters/main/cluster-settings.yaml',
    lines(
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: cluster-settings',
      '  namespace: flux-system',
      'data:',
      '  CLUSTER_DOMAIN: example.org',
      '  PULL_POLICY: IfNotPresent'
    )
  )
  put(
    'clusters/main/infrastructure.yaml',
    lines(
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: infrastructure',
      '  namespace: flux-system',
      'spec:',
      '  interval: 1h',
      '  path: ./kubernetes/infrastructure',
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: flux-system',
      '  targetNamespace: infrastructure',
      '  namePrefix: infra-',
      '  patches:',
      '    - patch: |-',
      '        - op: replace',
      '          path: /spec/template/spec/containers/0/imagePullPolicy',
      '          value: ${PULL_POLICY}',
      '      target:',
      '        kind: Deployment',
      '        name: web',
      '  postBuild:',
      '    substitute:',
      '      WEB_TAG: "1.27"',
      '    substituteFrom:',
      '      - kind: ConfigMap',
      '        name: cluster-settings'
    )
  )
  // No kustomization.yaml: the controller generates one listing the manifests, and the directory that has one.
  put(
    'kubernetes/infrastructure/namespace.yaml',
    lines('apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: _')
  )
  put(
    'kubernetes/infrastructure/web/deployment.yaml',
    lines(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      'spec:',
      '  replicas: ${WEB_REPLICAS:=2}',
      '  strategy:',
      '    type: ${WEB_ROLLOUT:=RollingUpdate}',
      '  selector:',
      '    matchLabels:',
      '      app: web',
      '  template:',
      '    metadata:',
      '      labels:',
      '        app: web',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          image: nginx:${WEB_TAG}',
      '          imagePullPolicy: Sometimes'
    )
  )
  put(
    'kubernetes/infrastructure/monitoring/kustomization.yaml',
    lines(
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      '  - ./configmap.yaml'
    )
  )
  put(
    'kubernetes/infrastructure/monitoring/configmap.yaml',
    lines(
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: dashboards',
      'data:',
      '  domain: grafana.${CLUSTER_DOMAIN}'
    )
  )
  put('kubernetes/infrastructure/.sops.yaml', lines('creation_rules:', '  - age: age1example'))

  put(
    'kubernetes/components/common/kustomization.yaml',
    lines(
      'apiVersion: kustomize.config.k8s.io/v1alpha1',
      'kind: Component',
      'resources:',
      '  - ./namespace.yaml'
    )
  )
  put(
    'kubernetes/components/common/namespace.yaml',
    lines(
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: _',
      '  annotations:',
      '    kustomize.toolkit.fluxcd.io/prune: disabled'
    )
  )

  const nsDirs: string[] = []
  for (let n = 0; n < namespaces; n++) {
    const ns = `ns-${n}`
    nsDirs.push(`./${ns}`)
    const appDirs: string[] = []
    for (let a = 0; a < apps; a++) {
      const app = `app-${n}-${a}`
      const dir = `kubernetes/apps/${ns}/${app}`
      appDirs.push(`./${app}/ks.yaml`)
      put(
        `${dir}/ks.yaml`,
        lines(
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata:',
          `  name: ${app}`,
          'spec:',
          `  targetNamespace: ${ns}`,
          '  commonMetadata:',
          '    labels:',
          `      app.kubernetes.io/name: ${app}`,
          `  path: ./${dir}/app`,
          '  prune: true',
          '  sourceRef:',
          '    kind: GitRepository',
          '    name: flux-system',
          '    namespace: flux-system',
          '  wait: false',
          '  interval: 1h',
          '  retryInterval: 2m',
          '  timeout: 5m',
          '  postBuild:',
          '    substitute:',
          `      APP: ${app}`,
          '      DOMAIN: ${CLUSTER_DOMAIN}'
        )
      )
      const generator =
        a % 2 === 0
          ? [
              'configMapGenerator:',
              `  - name: ${app}-scripts`,
              '    files:',
              '      - entrypoint.sh=./resources/script.sh'
            ]
          : [
              'configMapGenerator:',
              `  - name: ${app}-config`,
              '    files:',
              '      - ./resources/config.yml',
              'secretGenerator:',
              `  - name: ${app}-env`,
              '    envs:',
              '      - ./resources/app.env'
            ]
      put(
        `${dir}/app/kustomization.yaml`,
        lines(
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'resources:',
          '  - ./ocirepository.yaml',
          '  - ./helmrelease.yaml',
          ...generator,
          'generatorOptions:',
          '  disableNameSuffixHash: true'
        )
      )
      if (a % 2 === 0)
        put(
          `${dir}/app/resources/script.sh`,
          lines('#!/bin/sh', 'set -eu', `echo "starting ${app}"`, 'exec "$@"')
        )
      else {
        put(
          `${dir}/app/resources/config.yml`,
          lines('server:', '  port: 8080', '  token: !env_var APP_TOKEN', 'features: [a, b]')
        )
        put(
          `${dir}/app/resources/app.env`,
          lines('# read by the secretGenerator', 'LOG_LEVEL=info', `APP_NAME=${app}`)
        )
      }
      put(
        `${dir}/app/ocirepository.yaml`,
        lines(
          'apiVersion: source.toolkit.fluxcd.io/v1',
          'kind: OCIRepository',
          'metadata:',
          `  name: ${app}`,
          'spec:',
          '  interval: 15m',
          '  layerSelector:',
          '    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip',
          '    operation: copy',
          '  ref:',
          '    tag: 4.5.0',
          '  url: oci://ghcr.io/bjw-s-labs/helm/app-template'
        )
      )
      put(
        `${dir}/app/helmrelease.yaml`,
        lines(
          'apiVersion: helm.toolkit.fluxcd.io/v2',
          'kind: HelmRelease',
          'metadata:',
          '  name: ${APP}',
          'spec:',
          '  interval: 1h',
          '  chartRef:',
          '    kind: OCIRepository',
          `    name: ${app}`,
          '  install:',
          '    remediation:',
          '      retries: -1',
          '  upgrade:',
          '    cleanupOnFail: true',
          '    remediation:',
          '      retries: 3',
          '  values:',
          '    controllers:',
          '      main:',
          '        containers:',
          '          app:',
          '            image:',
          `              repository: ghcr.io/example/${app}`,
          '              tag: 1.0.0',
          '    ingress:',
          '      app:',
          '        hosts:',
          '          - host: "${APP}.${DOMAIN}"'
        )
      )
    }
    put(
      `kubernetes/apps/${ns}/kustomization.yaml`,
      lines(
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `namespace: ${ns}`,
        'components:',
        '  - ../../components/common',
        'resources:',
        ...appDirs.map(d => `  - ${d}`)
      )
    )
  }
  put(
    'kubernetes/apps/kustomization.yaml',
    lines(
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      ...nsDirs.map(d => `  - ${d}`)
    )
  )

  put('charts/local/Chart.yaml', lines('apiVersion: v2', 'name: local', 'version: 0.1.0'))
  put('charts/local/values.yaml', lines('replicas: 1', 'image: nginx'))
  put(
    'charts/local/templates/deployment.yaml',
    lines(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ .Release.Name }}',
      'spec:',
      '  replicas: {{ .Values.replicas }}'
    )
  )
  put(
    '.github/workflows/ci.yaml',
    lines(
      'name: ci',
      'on:',
      '  pull_request:',
      'jobs:',
      '  validate:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4'
    )
  )
  // A template the bootstrap script copies and edits: Flux never applies it, so what it lacks is no error.
  put(
    'templates/gotk-sync.yaml',
    lines(
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: GitRepository',
      'metadata:',
      '  name: flux-system',
      '  namespace: flux-system',
      'spec:',
      '  interval: override-me',
      '  ref:',
      '    branch: main',
      '  url: override-me'
    )
  )
  return files
}
