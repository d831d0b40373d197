/**
 * A synthetic Cluster API fleet of `clusters` clusters in the layout of the example fleet (support/example/): each
 * cluster `cN` has Flux from committed manifests (`clusters/cN/flux-system/gotk-components.yaml` and its sync
 * objects, and a Flux Kustomization applying the workload folder) and, as a workload cluster `clusters/fleet/cN/`, a Flux ConfigMap (install + sync objects), a Calico
 * ConfigMap and the ClusterResourceSet that applies both, listed in the folder's kustomization. The files are what
 * `flux-crs-upgrade init` writes for such a cluster (src/init/scaffold.ts), so the fleet is one its upgrades know.
 * Deterministic: the same size and texts give the same files.
 */
import { kustomizationWith, scaffold, type UpstreamTexts } from '../src/init/scaffold.js'

export interface ClusterFleetTexts {
  flux: UpstreamTexts['flux']
  /** Without it (no Calico manifest at hand) the clusters get no Calico ConfigMap and no ClusterResourceSet. */
  calico?: NonNullable<UpstreamTexts['calico']>
}

const URL = 'https://github.com/example/fleet.git'

/** Calls `put` once per file, so a caller writing to disk never holds the whole fleet. */
export function eachClusterFleetFile(
  clusters: number,
  texts: ClusterFleetTexts,
  put: (path: string, content: string) => void
): void {
  for (let i = 0; i < clusters; i++) {
    const cluster = `c${i}`
    const management = scaffold(
      { cluster, management: true, url: URL, branch: 'main', labels: {} },
      { flux: texts.flux }
    )
    for (const f of management.files) put(f.path, f.content)
    // The management cluster's Flux applies the workload cluster's folder (ClusterResourceSet and ConfigMaps).
    put(`clusters/${cluster}/workload.yaml`, workloadKustomization(cluster))
    put(
      `${management.directory}/kustomization.yaml`,
      kustomizationWith(`${management.directory}/kustomization.yaml`, undefined, management.entries, [])
    )
    if (!texts.calico) {
      // The Flux ConfigMap alone, named as init names it.
      const workload = scaffold(
        { cluster, env: 'fleet', management: false, url: URL, branch: 'main', labels: {} },
        { flux: texts.flux, calico: { version: '0.0.0', url: '', sha256: '', text: '' } }
      )
      const flux = workload.files.find(f => f.path.includes('/cm-flux-'))!
      put(flux.path, flux.content)
      const entry = flux.path.slice(workload.directory.length + 1)
      put(
        `${workload.directory}/kustomization.yaml`,
        kustomizationWith(`${workload.directory}/kustomization.yaml`, undefined, [entry], [])
      )
      continue
    }
    const workload = scaffold(
      { cluster, env: 'fleet', management: false, url: URL, branch: 'main', labels: {} },
      { flux: texts.flux, calico: texts.calico }
    )
    for (const f of workload.files) put(f.path, f.content)
    put(
      `${workload.directory}/kustomization.yaml`,
      kustomizationWith(`${workload.directory}/kustomization.yaml`, undefined, workload.entries, [])
    )
  }
}

const workloadKustomization = (cluster: string): string =>
  [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    `  name: workload-${cluster}`,
    '  namespace: flux-system',
    'spec:',
    '  interval: 10m0s',
    `  path: ./clusters/fleet/${cluster}`,
    '  prune: true',
    '  sourceRef:',
    '    kind: GitRepository',
    '    name: flux-system',
    ''
  ].join('\n')

export function clusterFleet(clusters: number, texts: ClusterFleetTexts): Map<string, string> {
  const files = new Map<string, string>()
  eachClusterFleetFile(clusters, texts, (p, c) => files.set(p, c))
  return files
}
