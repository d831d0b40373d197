import { FcuError } from '../errors.js'
import { CONFIGMAP_MAX_BYTES, utf8Bytes } from '../kubernetes/limits.js'
import { subdomainProblem } from '../validate/rules/names.js'
import { joinDocuments, parseDocuments, splitDocumentChunks, startsWithMarker } from '../yaml/documents.js'
import { isObject } from '../yaml/values.js'

/** A document of a manifest as the size report names it. */
export interface DocumentRef {
  /** 0-based index in the manifest. */
  index: number
  kind: string
  name: string
  /** 1-based line of the document's text in the file (after `lineOffset`). */
  line: number
  bytes: number
}

/** One ConfigMap's worth of a manifest. */
export interface ManifestPart {
  name: string
  key: string
  content: string
  /** UTF-8 bytes of `content`: the ConfigMap's data size. */
  bytes: number
  documents: DocumentRef[]
}

export interface SplitInput {
  /** The ConfigMap's name (after any versioned rename); parts are `<name>-part-1`, `-part-2`, ... */
  name: string
  /** The data key every part keeps. */
  key: string
  content: string
  /** For errors: the file holding the manifest, and the file line before its first line. */
  file: string
  lineOffset?: number
  limit?: number
}

const bytesText = (n: number): string => n.toLocaleString('en-US')

/**
 * The parts a manifest needs (SPEC §2 "Sizes are measured", issue 9 item 7): itself when its UTF-8 bytes fit the
 * ConfigMap limit, else whole documents packed in order into as few parts as sequential filling gives,
 * CustomResourceDefinitions first (a ClusterResourceSet applies its resources in order, so the CRDs exist before
 * the objects that need them). Moved documents keep their bytes; a document that no longer starts a part gets a
 * `---` line, one that is no longer last a final newline. A single document over the limit cannot be split and is
 * an error naming it.
 */
export function splitManifest(input: SplitInput): ManifestPart[] {
  const limit = input.limit ?? CONFIGMAP_MAX_BYTES
  const lineOffset = input.lineOffset ?? 0
  const chunks = splitDocumentChunks(input.content)
  const values = parseDocuments(input.content, input.file, lineOffset)
  const refOf = (i: number, bytes: number): DocumentRef => {
    const v = values[i].value
    const meta = isObject(v) && isObject(v.metadata) ? v.metadata : {}
    return {
      index: i,
      kind: isObject(v) && typeof v.kind === 'string' ? v.kind : '',
      name: typeof meta.name === 'string' ? meta.name : '',
      line: values[i].startLine,
      bytes
    }
  }
  const total = utf8Bytes(input.content)
  if (total <= limit) {
    const documents = chunks.flatMap((c, i) => (values[i].value === null ? [] : [refOf(i, utf8Bytes(c.raw))]))
    return [{ name: input.name, key: input.key, content: input.content, bytes: total, documents }]
  }

  const isCrd = (i: number) => refOf(i, 0).kind === 'CustomResourceDefinition'
  const indexes = chunks.map((_, i) => i).filter(i => chunks[i].raw !== '')
  const order = [...indexes.filter(isCrd), ...indexes.filter(i => !isCrd(i))]

  const groups: number[][] = []
  let current: number[] = []
  let currentBytes = 0
  // A moved piece may need a `---` line, and a final newline unless it ends its part (counted anyway: one byte).
  const pieceBytes = (i: number, first: boolean) =>
    utf8Bytes(chunks[i].raw) +
    (first || startsWithMarker(chunks[i].raw) ? 0 : 4) +
    (chunks[i].raw.endsWith('\n') ? 0 : 1)
  for (const i of order) {
    if (pieceBytes(i, true) > limit) {
      const ref = refOf(i, utf8Bytes(chunks[i].raw))
      throw new FcuError(
        'manifest',
        `${input.file}: ${ref.kind || 'a document'}${ref.name ? ` ${ref.name}` : ''} (document ${i + 1} of ` +
          `${input.key}) is ${bytesText(ref.bytes)} bytes, more than the ${bytesText(limit)} bytes a ` +
          'ConfigMap can hold; one object cannot be split across ConfigMaps',
        {
          location: { file: input.file, line: ref.line },
          hint:
            'Install this manifest another way (e.g. a Flux Kustomization applied server-side once the cluster ' +
            'runs Flux), or exclude the target in the config file.'
        }
      )
    }
    if (current.length > 0 && currentBytes + pieceBytes(i, false) > limit) {
      groups.push(current)
      current = []
      currentBytes = 0
    }
    currentBytes += pieceBytes(i, current.length === 0)
    current.push(i)
  }
  if (current.length > 0) groups.push(current)

  return groups.map((g, n) => {
    const content = joinDocuments(g.map(i => chunks[i].raw))
    const documents = g.flatMap(i => (values[i].value === null ? [] : [refOf(i, pieceBytes(i, i === g[0]))]))
    const name = `${input.name}-part-${n + 1}`
    const problem = subdomainProblem(name)
    if (problem) {
      throw new FcuError('manifest', `${input.file}: the part name ${name} ${problem}`, {
        location: { file: input.file },
        hint: 'Shorten the ConfigMap name so that `-part-N` fits a Kubernetes name.'
      })
    }
    return { name, key: input.key, content, bytes: utf8Bytes(content), documents }
  })
}
