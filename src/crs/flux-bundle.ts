import { createHash } from 'node:crypto'
import { FcuError } from '../errors.js'
import {
  FLUX_GENERATED,
  isFluxComponentsFile,
  KNOWN_COMPONENTS,
  parseFluxHeader,
  type FluxHeader
} from '../flux/header.js'
import { readInstallOptions, type FluxInstallOptions } from '../flux/options.js'
import { FLUX_CONTROLLER_VERSIONS } from '../validate/rules/fluxReleases.js'
import { parseImage } from '../validate/rules/images.js'
import {
  joinDocuments,
  parseDocuments,
  splitDocumentChunks,
  type DocumentChunk,
  type YamlDocument
} from '../yaml/documents.js'
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

/** What the Flux stage keeps of a Flux ConfigMap's data value: small, apart from texts shared by every value. */
export interface FluxData {
  version: string
  options: FluxInstallOptions
  /**
   * The install's documents as one text, with the header flux writes put in front where the data had none: the same
   * string for every value that holds this install.
   */
  content: string
  /** SHA-256 (hex) of `content` as UTF-8: the same text is not digested again for each value. */
  digest: string
  /** Lines put in front of the data's install (a header for an install that had none). */
  addedLines: number
  /** 1-based lines of the data where the install starts, and where the other documents start (1 without any). */
  installLine: number
  othersLine: number
  /** The other documents, joined. */
  others: string
}

interface KnownInstall {
  /** The install's chunks, in order: a value holding them all, in a row, holds this install. */
  raws: string[]
  newlines: number
  data: Omit<FluxData, 'installLine' | 'othersLine' | 'others'>
}

const newlinesIn = (text: string): number => {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

/**
 * A copy of a short text cut from a long one: a slice keeps the whole text it was cut from alive in V8, and the
 * data values it comes from are megabytes.
 */
const detached = (text: string): string => (text === '' ? '' : Buffer.from(text, 'utf8').toString('utf8'))

/**
 * Reads Flux ConfigMap data values as `readFluxBundle` does, each distinct install once: a fleet's ConfigMaps hold
 * the same install (hundreds of kilobytes) and differ in the documents after it, so a value whose chunks include a
 * known install's, in a row, has only its other chunks parsed, and shares that install's text and digest. Held for
 * one run (bounded by the distinct installs it keeps).
 */
export class FluxDataReader {
  private readonly known: KnownInstall[] = []

  constructor(private readonly maxKnown = 16) {}

  read(data: string, file: string): FluxData {
    const split = splitDocumentChunks(data)
    const chunks = split.map(c => c.raw)
    for (const k of this.known) {
      const at = this.indexIn(chunks, k)
      if (at !== undefined) {
        const found = this.around(split, chunks, at, k, file)
        if (found) return found
      }
    }
    const bundle = readFluxBundle(data, file)
    const first = bundle.install[0].index
    const header = bundle.header
      ? ''
      : `---\n${FLUX_GENERATED}\n# Flux Version: v${bundle.version}\n# Components: ${bundle.options.components.join(',')}\n`
    const content = header + joinDocuments(bundle.install.map(d => d.raw))
    const known: KnownInstall = {
      raws: bundle.install.map(d => d.raw),
      newlines: bundle.install.reduce((n, d) => n + newlinesIn(d.raw), 0),
      data: {
        version: bundle.version,
        options: bundle.options,
        content,
        digest: createHash('sha256').update(Buffer.from(content, 'utf8')).digest('hex'),
        addedLines: header === '' ? 0 : 4
      }
    }
    // Found in a row in another value, these chunks are read as this install there too: its ends are install
    // objects, and so is each chunk between them, or an empty document.
    if (this.known.length >= this.maxKnown) this.known.shift()
    this.known.push(known)
    const lineAt = (index: number) => chunks.slice(0, index).reduce((n, c) => n + newlinesIn(c), 1)
    return {
      ...known.data,
      installLine: lineAt(first),
      othersLine: bundle.others.length > 0 ? lineAt(bundle.others[0].index) : 1,
      others: detached(joinDocuments(bundle.others.map(d => d.raw)))
    }
  }

  /** Where a known install's chunks start in `chunks`, all of them in a row; undefined when they are not there. */
  private indexIn(chunks: readonly string[], k: KnownInstall): number | undefined {
    for (let at = 0; at + k.raws.length <= chunks.length; at++) {
      if (chunks[at] !== k.raws[0]) continue
      if (k.raws.every((r, i) => chunks[at + i] === r)) return at
    }
    return undefined
  }

  /**
   * The value read with the known install at `at`, when `readFluxBundle` would read the same install from it: no
   * other chunk is an install object. Undefined otherwise, or when another chunk does not parse (read whole, it
   * gives the error with its line).
   */
  private around(
    split: readonly DocumentChunk[],
    chunks: readonly string[],
    at: number,
    k: KnownInstall,
    file: string
  ): FluxData | undefined {
    const others: number[] = []
    for (let i = 0; i < chunks.length; i++) {
      if (i >= at && i < at + k.raws.length) continue
      let value: unknown
      try {
        // A document's text parses alone as it does in the whole value (as `tryParseDocuments` reads it again).
        value = parseDocuments(split[i].document.text, file)[0]?.value
      } catch {
        return undefined
      }
      if (isInstallObject(value)) return undefined
      if (chunks[i] !== '') others.push(i)
    }
    const lineAt = (index: number): number => {
      let n = 1
      for (let i = 0; i < index; i++) {
        if (i === at) n += k.newlines
        else if (i < at || i >= at + k.raws.length) n += newlinesIn(chunks[i])
      }
      return n
    }
    return {
      ...k.data,
      installLine: lineAt(at),
      othersLine: others.length > 0 ? lineAt(others[0]) : 1,
      others: detached(joinDocuments(others.map(i => chunks[i])))
    }
  }
}
