/**
 * A generated fleet repository in the style of a large home-lab repository (one cluster, Flux from bootstrap or
 * the operator, no Flux CRDs in the repository): `_` Namespace placeholders that each namespace directory's
 * kustomization renames, a shared component, Flux Kustomizations per application with `${VAR}` substitutions,
 * HelmReleases on OCIRepositories, ConfigMap generators reading shell scripts and an application config file with
 * a custom tag, Secret generators reading env files, a Helm chart folder, a CI workflow and a stray template that
 * nothing applies. Deterministic: the same size gives the same files, so tests can point at lines and the
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
      '    substitute:',
      '      CLUSTER_DOMAIN: example.org'
    )
  )

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
          `      APP: ${app}`
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
          '          - host: "${APP}.${CLUSTER_DOMAIN}"'
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
