import { FcuError } from '../errors.js'
import type { ToolPlatform } from './platform.js'

export type ToolName = 'flux' | 'calicoctl'

/** Where one tool build comes from and how it is verified, as laid out in the upstream GitHub releases. */
export interface ToolAsset {
  tool: ToolName
  /** Version without the leading `v`. */
  version: string
  url: string
  /** The asset's file name, as the checksum file lists it. */
  fileName: string
  checksumUrl: string
  /** `tar.gz` holds the executable; `binary` is the executable itself. */
  packaging: 'tar.gz' | 'binary'
  /** Name of the executable once installed. */
  executable: string
  /**
   * Calico attached SHA256SUMS only from spring 2022 (projectcalico/calico#5960), so older calicoctl releases
   * cannot be verified; every Flux release has its checksum file.
   */
  checksumRequired: boolean
}

/** `download-url` without trailing slashes, so `https://github.com/` and `https://github.com` mean the same. */
const base = (downloadUrl: string): string => downloadUrl.replace(/\/+$/, '')

/** Release tags carry a `v`; asset names (flux) do not. Accept both spellings of the input. */
export const bareVersion = (version: string): string => version.replace(/^v/, '')

export function toolAsset(
  tool: ToolName,
  version: string,
  downloadUrl: string,
  platform: ToolPlatform
): ToolAsset {
  const v = bareVersion(version)
  if (tool === 'flux') {
    const release = `${base(downloadUrl)}/fluxcd/flux2/releases/download/v${v}`
    const fileName = `flux_${v}_${platform.os}_${platform.arch}.tar.gz`
    return {
      tool,
      version: v,
      url: `${release}/${fileName}`,
      fileName,
      checksumUrl: `${release}/flux_${v}_checksums.txt`,
      packaging: 'tar.gz',
      executable: 'flux',
      checksumRequired: true
    }
  }
  const release = `${base(downloadUrl)}/projectcalico/calico/releases/download/v${v}`
  const fileName = `calicoctl-${platform.os}-${platform.arch}`
  return {
    tool,
    version: v,
    url: `${release}/${fileName}`,
    fileName,
    checksumUrl: `${release}/SHA256SUMS`,
    packaging: 'binary',
    executable: 'calicoctl',
    checksumRequired: false
  }
}

/** A manifest from the Calico repository at a release tag, e.g. `calico.yaml` or `tigera-operator.yaml`. */
export function calicoManifestUrl(downloadUrl: string, version: string, manifest: string): string {
  const segments = manifest.replace(/^\/+/, '').split('/')
  // URL parsing resolves `..` (even percent-encoded), which would fetch a file outside manifests/.
  if (segments.some(s => s === '' || s === '.' || s === '..')) {
    throw new FcuError('config', `"${manifest}" is not a Calico manifest name`, {
      hint: 'Name a file under manifests/ in the Calico repository, e.g. calico.yaml or calico-vxlan.yaml.'
    })
  }
  const path = segments.map(segment => encodeURIComponent(segment)).join('/')
  return `${base(downloadUrl)}/projectcalico/calico/raw/v${bareVersion(version)}/manifests/${path}`
}
