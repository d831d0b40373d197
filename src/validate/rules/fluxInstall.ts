import type { Finding } from '../../errors.js'
import { isFcuError, type FcuError } from '../../errors.js'
import { isFluxComponentsFile, parseFluxHeader, type FluxHeader } from '../../flux/header.js'
import { streamLine, type ManifestObject, type ManifestStream } from '../objects.js'
import { FLUX_CONTROLLER_VERSIONS } from './fluxReleases.js'
import { findingAt } from './finding.js'
import { workloadImages } from './images.js'

/**
 * A `flux install --export` output in the repository: a `gotk-components.yaml`, or the install inside a Flux
 * ConfigMap's data. Its header says which Flux release it is; its Deployments say which controllers it runs.
 */
export interface FluxInstall {
  stream: ManifestStream
  header: FluxHeader
  /** The objects of the same bundle (install documents and, in a ConfigMap, the sync objects after them). */
  objects: readonly ManifestObject[]
}

/** Maps a line of the stream's own text onto the file (identity for a file, the data key for quoted values). */
export const fileLine = (stream: ManifestStream, line: number): number =>
  stream.container ? streamLine(stream.container, line) : line

/** The Flux installs among the streams, and a finding for each header that is there but cannot be read. */
export function findFluxInstalls(
  streams: readonly ManifestStream[],
  objectsByBundle: ReadonlyMap<string, readonly ManifestObject[]>
): { installs: FluxInstall[]; findings: Finding[] } {
  const installs: FluxInstall[] = []
  const findings: Finding[] = []
  for (const stream of streams) {
    const header = headerOf(stream)
    if (header === undefined) continue
    if (!isFcuError(header)) {
      installs.push({ stream, header, objects: objectsByBundle.get(stream.bundle) ?? [] })
    } else {
      const e = header
      findings.push({
        severity: 'error',
        rule: 'header/invalid',
        file: stream.file,
        ...(e.location.line !== undefined ? { line: fileLine(stream, e.location.line) } : {}),
        message: e.message,
        ...(e.hint ? { hint: e.hint } : {})
      })
    }
  }
  return { installs, findings }
}

/**
 * The header of each stream, read once: the validations of a run share their streams (see `CollectCache`), and a
 * file's text is read from its source when asked.
 */
const headers = new WeakMap<ManifestStream, { header: FluxHeader | FcuError | undefined }>()

function headerOf(stream: ManifestStream): FluxHeader | FcuError | undefined {
  let known = headers.get(stream)
  if (known === undefined) {
    const text = stream.text
    let header: FluxHeader | FcuError | undefined
    if (isFluxComponentsFile(text)) {
      try {
        header = parseFluxHeader(text, stream.file)
      } catch (e) {
        if (!isFcuError(e)) throw e
        header = e
      }
    }
    headers.set(stream, (known = { header }))
  }
  return known.header
}

/** Controller name → version (without `v`) as the install's Deployments run them. */
export function controllerVersions(install: FluxInstall): Record<string, string> {
  const out: Record<string, string> = {}
  for (const obj of install.objects) {
    for (const img of workloadImages(obj)) {
      if (img.tag && img.name.endsWith('-controller')) out[img.name] ??= img.tag.replace(/^v/, '')
    }
  }
  return out
}

/**
 * What each controller's version must be for a Flux release: from an install of that release the run itself
 * generated (authoritative), else from the table of known releases; undefined for a release known to neither.
 */
export function expectedControllers(
  version: string,
  generated: readonly FluxInstall[]
): Readonly<Record<string, string>> | undefined {
  const fresh = generated.find(i => i.header.version === version)
  return fresh ? controllerVersions(fresh) : FLUX_CONTROLLER_VERSIONS[version]
}

/**
 * `flux/image-drift`: a controller image whose tag is not the one its header's Flux release ships, i.e. an image
 * bumped by hand. The upgrade regenerates the file, so the edit would be lost; the reviewer should know.
 */
export function imageDrift(install: FluxInstall, generated: readonly FluxInstall[]): Finding[] {
  const expected = expectedControllers(install.header.version, generated)
  if (!expected) return []
  const findings: Finding[] = []
  for (const obj of install.objects) {
    for (const img of workloadImages(obj)) {
      const want = expected[img.name]
      if (want === undefined || img.tag === undefined || img.tag.replace(/^v/, '') === want) continue
      findings.push(
        findingAt(
          obj,
          img.path,
          'warning',
          'flux/image-drift',
          `${img.name} runs ${img.tag}, but the header says Flux v${install.header.version}, which ships ` +
            `${img.name} v${want}: the image was changed by hand`,
          `Regenerate the file with \`flux install --export\` for the version you want (an upgrade does), rather than ` +
            'editing image tags: the CRDs and controller flags must match the controllers.'
        )
      )
    }
  }
  return findings
}
