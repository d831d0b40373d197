import { FcuError } from '../errors.js'
import { isFluxComponentsFile, KNOWN_COMPONENTS, parseFluxHeader, type FluxHeader } from '../flux/header.js'
import { readInstallOptions, type FluxInstallOptions } from '../flux/options.js'
import { FLUX_CONTROLLER_VERSIONS } from '../validate/rules/fluxReleases.js'
import { parseImage } from '../validate/rules/images.js'
import { joinDocuments, parseDocuments, splitDocumentChunks, type YamlDocument } from '../yaml/documents.js'
import { isObject, type Obj } from '../yaml/values.js'

/**
 * A Flux ConfigMap's data (SPEC §2, issue 9 item 2): the documents `flux install --export` wrote, and every other
 * document (the cluster's GitRepository and Kustomization, anything), which is kept after the new install in
 * order and byte for byte.
 */

export interface BundleDocument {
  /** 0-based index among the data's documents. */
  index: number
  /** The document's text with the separator lines before it: what is moved, unchanged. */
  raw: string
  doc: YamlDocument
}

export interface FluxBundle {
  install: BundleDocument[]
  /** The documents that are not part of the install, in their order. */
  others: BundleDocument[]
  /** The Flux version of the install, semver without `v`. */
  version: string
  /** Where the version was read: the header flux writes, the `app.kubernetes.io/version` label, or image tags. */
  versionSource: 'header' | 'label' | 'images'
  header?: FluxHeader
  /** The `flux install` options the data was made with, read back as for gotk-components.yaml. */
  options: FluxInstallOptions
}

const labels = (v: unknown): Obj =>
  isObject(v) && isObject(v.metadata) && isObject(v.metadata.labels) ? v.metadata.labels : {}

/** `flux install` labels every object it writes `app.kubernetes.io/part-of: flux`. */
const isInstallObject = (v: unknown): boolean => labels(v)['app.kubernetes.io/part-of'] === 'flux'

const controllerDeployments = (docs: BundleDocument[]) =>
  docs.filter(d => {
    const v = d.doc.value
    return (
      isObject(v) &&
      v.kind === 'Deployment' &&
      isObject(v.metadata) &&
      KNOWN_COMPONENTS.includes(String(v.metadata.name))
    )
  })

function containerImages(d: BundleDocument): { component: string; tag?: string }[] {
  const v = d.doc.value as Obj
  const component = String((v.metadata as Obj).name)
  const spec = (((v.spec as Obj | undefined)?.template as Obj | undefined)?.spec as Obj | undefined) ?? {}
  const containers = Array.isArray(spec.containers) ? spec.containers : []
  return containers.flatMap(c =>
    isObject(c) && typeof c.image === 'string' ? [{ component, tag: parseImage(c.image).tag }] : []
  )
}

// The release whose controller versions are exactly the image tags (the table lists the releases the project knows).
function versionFromImages(install: BundleDocument[]): string | undefined {
  const tags = new Map<string, string>()
  for (const d of controllerDeployments(install))
    for (const { component, tag } of containerImages(d)) if (tag) tags.set(component, tag.replace(/^v/, ''))
  if (tags.size === 0) return undefined
  const found = Object.entries(FLUX_CONTROLLER_VERSIONS).filter(([, controllers]) =>
    [...tags].every(([c, t]) => controllers[c] === t)
  )
  return found.length === 1 ? found[0][0] : undefined
}

function versionFromLabels(install: BundleDocument[]): string | undefined {
  const counts = new Map<string, number>()
  for (const d of install) {
    const v = labels(d.doc.value)['app.kubernetes.io/version']
    if (typeof v === 'string' && /^v?\d+\.\d+\.\d+/.test(v)) counts.set(v, (counts.get(v) ?? 0) + 1)
  }
  let best: [string, number] | undefined
  for (const e of counts) if (!best || e[1] > best[1]) best = e
  return best?.[0].replace(/^v/, '')
}

/**
 * Splits a Flux ConfigMap's data into the install and the other documents, and reads the install's version and
 * options. `lineOffset` is the file line before the data's first line, so positions point into the ConfigMap file.
 */
export function readFluxBundle(data: string, file: string, lineOffset = 0): FluxBundle {
  const chunks = splitDocumentChunks(data)
  const docs = parseDocuments(data, file, lineOffset)
  const all: BundleDocument[] = chunks.map((c, index) => ({ index, raw: c.raw, doc: docs[index] }))
  const installAt = all.flatMap(d => (isInstallObject(d.doc.value) ? [d.index] : []))
  if (installAt.length === 0) {
    throw new FcuError('manifest', `${file}: the ConfigMap data holds no Flux install`, {
      location: { file, line: lineOffset + 1 },
      hint: 'A Flux ConfigMap holds `flux install --export` output (objects labelled app.kubernetes.io/part-of: flux).'
    })
  }
  const first = installAt[0]
  const last = installAt[installAt.length - 1]
  // Empty documents between install objects are the install's; elsewhere they are the user's.
  const inInstall = (d: BundleDocument) =>
    isInstallObject(d.doc.value) || (d.doc.value === null && d.index > first && d.index < last)
  const install = all.filter(inInstall)
  const others = all.filter(d => !inInstall(d) && d.raw !== '')

  const head = install[0].raw
  const header = isFluxComponentsFile(head) ? parseFluxHeader(head, file) : undefined
  let version = header?.version
  let versionSource: FluxBundle['versionSource'] = 'header'
  if (version === undefined) {
    version = versionFromLabels(install)
    versionSource = 'label'
  }
  if (version === undefined) {
    version = versionFromImages(install)
    versionSource = 'images'
  }
  if (version === undefined) {
    throw new FcuError(
      'manifest',
      `${file}: the Flux install in the ConfigMap data does not say its version`,
      {
        location: { file, line: install[0].doc.startLine },
        hint:
          'Keep the header `flux install --export` writes (`# Flux Version: vX.Y.Z`) at the top of the data, ' +
          'or regenerate the data with flux.'
      }
    )
  }
  // Without a header the components are the controllers the install runs, in its order (which is flux's).
  const components =
    header?.components ??
    controllerDeployments(install).map(d => String(((d.doc.value as Obj).metadata as Obj).name))
  const options = readInstallOptions(
    install.map(d => d.doc),
    header ?? { version, components, lines: { generated: 0, version: 0, components: 0 } }
  )
  return { install, others, version, versionSource, ...(header ? { header } : {}), options }
}

/**
 * The new data: the new install, then the other documents' text (or the replacements given for them, one per
 * document, e.g. after `flux migrate`), each starting with a `---` line.
 */
export function rebuildFluxBundle(
  bundle: FluxBundle,
  newInstall: string,
  others?: readonly string[]
): string {
  if (others !== undefined && others.length !== bundle.others.length)
    throw new FcuError('internal', `${others.length} replacements for ${bundle.others.length} documents`)
  return joinDocuments([newInstall, ...bundle.others.map((d, i) => others?.[i] ?? d.raw)])
}
