import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { standinScript } from '../standins/index.js'

const here = path.dirname(fileURLToPath(import.meta.url))

/** Output of the flux stand-in of `version`, exactly as `flux install --export <args>` prints it. */
export function fluxInstallExport(version: string, fixturesDir: string | null, args: string[] = []): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fcu-flux-'))
  try {
    const bin = path.join(dir, 'flux')
    writeFileSync(bin, standinScript('flux', version, fixturesDir))
    chmodSync(bin, 0o755)
    return execFileSync(process.execPath, [bin, 'install', '--export', ...args], {
      encoding: 'utf8',
      maxBuffer: 64 << 20
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A ConfigMap whose data is one literal block, as a ClusterResourceSet consumes it. */
export function configMap(name: string, namespace: string, key: string, content: string): string {
  const body = content
    .replace(/\n$/, '')
    .split('\n')
    .map(l => (l === '' ? '' : `    ${l}`))
    .join('\n')
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  ${key}: |\n${body}\n`
}

/** A cluster's sync objects (GitRepository + Kustomization of `clusters/<cluster>`) on a Flux API version. */
export const syncObjects = (cluster: string, api: 'v1beta2' | 'v1' = 'v1'): string => `---
apiVersion: source.toolkit.fluxcd.io/${api}
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  url: https://github.com/example/fleet.git
---
apiVersion: kustomize.toolkit.fluxcd.io/${api}
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/${cluster}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`

/**
 * Lays the example fleet repository into `dest` with its generated files made by the stand-in of `fluxVersion`:
 * the management cluster's gotk-components.yaml and the staging clusters' Flux ConfigMap (install + sync objects).
 */
export function prepareExample(dest: string, fluxVersion: string, fixturesDir: string | null): void {
  cpSync(here, dest, { recursive: true, filter: src => !src.endsWith('.ts') })
  const install = fluxInstallExport(fluxVersion, fixturesDir)
  writeFileSync(path.join(dest, 'clusters/tmp-mgmt/flux-system/gotk-components.yaml'), install)
  writeFileSync(
    path.join(dest, 'infrastructure/staging/cm-flux-staging.yaml'),
    configMap('crs-cm-flux-staging', 'staging', 'flux.yaml', install + syncObjects('staging'))
  )
}

/**
 * Adds Calico to the example's staging environment, as a fleet installs it in workload clusters: upstream's
 * `calico.yaml` of `version` (from the shared fixtures) in a ConfigMap whose file and object names carry the minor
 * version, with one customisation (the veth MTU), a ClusterResourceSet that carries it to the clusters, and its
 * entries in the staging kustomization. Returns the ConfigMap's path.
 */
export function addCalico(dest: string, version: string, fixturesDir: string): string {
  const minor = version.split('.').slice(0, 2).join('.')
  const upstream = readFileSync(path.join(fixturesDir, 'calico', `v${version}`, 'calico.yaml'), 'utf8')
  const mtu = '  veth_mtu: "0"\n'
  if (upstream.split(mtu).length !== 2) throw new Error(`calico.yaml v${version} has no single ${mtu.trim()}`)
  const file = `infrastructure/staging/cm-calico-v${minor}.yaml`
  writeFileSync(
    path.join(dest, file),
    configMap(
      `crs-cm-calico-v${minor}`,
      'staging',
      'calico.yaml',
      upstream.replace(mtu, '  veth_mtu: "1440"\n')
    )
  )
  writeFileSync(
    path.join(dest, 'infrastructure/staging/crs-calico.yaml'),
    [
      'apiVersion: addons.cluster.x-k8s.io/v1beta2',
      'kind: ClusterResourceSet',
      'metadata:',
      '  name: calico',
      '  namespace: staging',
      'spec:',
      '  strategy: Reconcile',
      '  clusterSelector:',
      '    matchLabels:',
      '      flux: enabled',
      '  resources:',
      `    - name: crs-cm-calico-v${minor}`,
      '      kind: ConfigMap',
      ''
    ].join('\n')
  )
  const kustomization = path.join(dest, 'infrastructure/staging/kustomization.yaml')
  const listed = '  - cm-flux-staging.yaml\n'
  writeFileSync(
    kustomization,
    readFileSync(kustomization, 'utf8').replace(
      listed,
      `${listed}  - crs-calico.yaml\n  - cm-calico-v${minor}.yaml\n`
    )
  )
  return file
}
