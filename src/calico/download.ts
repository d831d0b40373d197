import { createHash } from 'node:crypto'
import { FcuError } from '../errors.js'
import { redactUrl, type RetryDeps } from '../http/retry.js'
import { download } from '../tools/download.js'
import type { CalicoManifest } from './manifest.js'

/** An upstream manifest as downloaded: the text merged into ConfigMaps, and the sha256 the provenance records. */
export interface CalicoManifestSource {
  manifest: CalicoManifest
  version: string
  url: string
  text: string
  sha256: string
}

/**
 * The largest manifest accepted. Upstream's largest (tigera-operator.yaml v3.29) is 1.6 MB and a ConfigMap holds 1
 * MiB; a mirror that answers with something far larger is broken, and reading it whole would only cost memory.
 */
export const maxManifestBytes = 16 * 1024 * 1024

/** `<download-url>/projectcalico/calico/raw/v<V>/manifests/<manifest>` (SPEC §4). */
export function calicoManifestUrl(downloadUrl: string, version: string, manifest: CalicoManifest): string {
  const v = version.replace(/^v/, '')
  return `${downloadUrl.replace(/\/+$/, '')}/projectcalico/calico/raw/v${v}/manifests/${manifest}`
}

/**
 * Downloads one upstream manifest with the engine's retrying GET (transient failures retried, a body that breaks
 * off read again). A final non-2xx answer names the URL and the status; a 404 means the release has no such
 * manifest (calico-vxlan.yaml, for one, is not in every release).
 */
export async function downloadCalicoManifest(
  downloadUrl: string,
  version: string,
  manifest: CalicoManifest,
  deps: RetryDeps
): Promise<CalicoManifestSource> {
  const url = calicoManifestUrl(downloadUrl, version, manifest)
  const shown = redactUrl(url)
  const result = await download(url, deps, async chunks => {
    const hash = createHash('sha256')
    const parts: Uint8Array[] = []
    let size = 0
    for await (const chunk of chunks) {
      size += chunk.byteLength
      if (size > maxManifestBytes) {
        throw new FcuError(
          'network',
          `${shown} is larger than ${maxManifestBytes} bytes; not a Calico manifest`,
          {
            hint: 'Check that download-url points at a GitHub mirror that serves raw repository files.'
          }
        )
      }
      hash.update(chunk)
      parts.push(chunk)
    }
    return { text: Buffer.concat(parts).toString('utf8'), sha256: hash.digest('hex') }
  })
  if (!result.ok) {
    const missing = result.status === 404
    throw new FcuError(
      missing ? 'version' : 'network',
      missing
        ? `${shown} does not exist (HTTP 404): Calico ${version} publishes no ${manifest}`
        : `${shown} could not be downloaded (HTTP ${result.status})`,
      {
        hint: missing
          ? 'Pick a Calico version that ships this manifest, or set calico.manifest in the config file.'
          : 'Check that download-url serves raw files of projectcalico/calico, or re-run the job later.'
      }
    )
  }
  return { manifest, version: version.replace(/^v/, ''), url, ...result.value }
}
