import type { Logger } from '../deps.js'
import { FcuError } from '../errors.js'
import type { CalicoManifestSource } from '../calico/download.js'
import { currentCalicoVersion } from '../calico/manifest.js'
import { crdDocuments, type SourceFile } from './objects.js'

/**
 * The CRDs of the Calico in play, for `crd.projectcalico.org` objects (IPPool, FelixConfiguration, BGPPeer, ...)
 * in a repository that does not hold Calico's CRDs itself (Calico from the tigera-operator chart, or installed by
 * hand): the CRDs of the upstream `calico.yaml` of that version. The version is the repository's own (the
 * calico-node image it deploys, or the tigera-operator chart version of a HelmRelease), else the one
 * `calico-version` resolves to when Calico is among the components; without either, those objects stay skipped.
 * `projectcalico.org/v3` resources are the Calico API server's, not CRDs: calicoctl checks them.
 */

const CALICO_CRD_API = /^apiVersion:\s*["']?crd\.projectcalico\.org\//m
const OPERATOR_CHART = /chart:\s*["']?tigera-operator["']?[\s\S]{0,400}?version:\s*["']?v?(\d+\.\d+\.\d+)/

const newest = (versions: string[]): string | undefined =>
  versions.sort((a, b) => {
    const x = a.split('.').map(Number)
    const y = b.split('.').map(Number)
    return y[0] - x[0] || y[1] - x[1] || y[2] - x[2]
  })[0]

/** The Calico version the repository deploys: the highest calico-node image or tigera-operator chart version. */
export function repositoryCalicoVersion(files: readonly SourceFile[]): string | undefined {
  const found: string[] = []
  for (const f of files) {
    const image = currentCalicoVersion(f.content)
    if (image) found.push(image)
    const chart = OPERATOR_CHART.exec(f.content)?.[1]
    if (chart) found.push(chart)
  }
  return newest(found)
}

/**
 * The CRDs of upstream `calico.yaml` at the version in play, as a CRD source; none when the repository has no
 * `crd.projectcalico.org` object or no version is known. A failed download is logged and those objects stay
 * skipped: the check of everything else goes on.
 */
export async function calicoCrdSources(
  files: readonly SourceFile[],
  version: () => Promise<string | undefined>,
  manifest: (version: string) => Promise<CalicoManifestSource>,
  log: Logger
): Promise<{ name: string; crds: unknown[] }[]> {
  if (!files.some(f => CALICO_CRD_API.test(f.content))) return []
  try {
    const v = repositoryCalicoVersion(files) ?? (await version())
    if (!v) {
      log.info(
        'crd.projectcalico.org objects are not checked: no Calico version in the repository or in play'
      )
      return []
    }
    const source = await manifest(v)
    const crds = crdDocuments(source.text, source.url)
    const name = `Calico manifest calico.yaml (calico v${source.version.replace(/^v/, '')})`
    log.info(`Calico CRDs for objects the repository has no CRDs for: ${name}`)
    return [{ name, crds }]
  } catch (e) {
    if (!(e instanceof FcuError)) throw e
    log.warning(`crd.projectcalico.org objects without CRDs in the repository are not checked: ${e.message}`)
    return []
  }
}
