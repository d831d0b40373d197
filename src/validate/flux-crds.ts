import type { Logger } from '../deps.js'
import { FcuError } from '../errors.js'
import { isFluxComponentsFile, parseFluxHeader } from '../flux/header.js'
import type { FluxCli } from '../flux/cli.js'
import { crdDocuments } from './objects.js'
import type { SourceFile } from './objects.js'

/**
 * The CRDs of the Flux in play, for repositories whose Flux objects have no CRDs next to them (Flux from
 * `flux bootstrap` with the components elsewhere, the Flux Operator, a Helm chart): what `flux install --export`
 * prints for that version, image automation included. The version is the repository's own (the highest
 * gotk-components header), else the one `flux-version` resolves to.
 */

const FLUX_API = /^apiVersion:\s*["']?[a-z.]+\.toolkit\.fluxcd\.io\//m
const ALL_CONTROLLERS = ['--components-extra', 'image-reflector-controller,image-automation-controller']

export interface FluxCrdSource {
  name: string
  crds: unknown[]
}

/** The repository's Flux version: the highest gotk-components header, if any. */
export function repositoryFluxVersion(files: readonly SourceFile[]): string | undefined {
  const versions = files
    .filter(f => isFluxComponentsFile(f.content))
    .flatMap(f => {
      try {
        return [parseFluxHeader(f.content, f.path).version]
      } catch {
        return []
      }
    })
  const key = (v: string) =>
    v
      .replace(/^v/, '')
      .split(/[.-]/)
      .map(p => Number(p) || 0)
  return versions.sort((a, b) => {
    const x = key(a)
    const y = key(b)
    for (let i = 0; i < Math.max(x.length, y.length); i++)
      if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0)
    return 0
  })[0]
}

/**
 * `flux install --export` of `version`, as a CRD source; none when the repository has no Flux object. A failure
 * to get the CLI is logged and the Flux objects stay counted as skipped: the check of everything else goes on.
 */
export async function fluxCrdSources(
  files: readonly SourceFile[],
  version: () => Promise<string>,
  cli: (version: string) => Promise<FluxCli>,
  log: Logger
): Promise<FluxCrdSource[]> {
  if (!files.some(f => FLUX_API.test(f.content))) return []
  try {
    const flux = await cli(repositoryFluxVersion(files) ?? (await version()))
    const text = await flux.installExport(ALL_CONTROLLERS)
    const crds = crdDocuments(text, 'flux install --export')
    log.info(
      `Flux CRDs for objects the repository has no CRDs for: flux install --export (flux ${flux.version})`
    )
    return [{ name: `flux install --export (flux ${flux.version})`, crds }]
  } catch (e) {
    if (!(e instanceof FcuError)) throw e
    log.warning(`Flux objects without CRDs in the repository are not checked: ${e.message}`)
    return []
  }
}
