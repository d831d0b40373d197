import { isMap, isScalar, type YAMLMap } from 'yaml'
import { FcuError } from '../errors.js'
import { embeddedOffset, parseDocuments, splitDocumentTexts, type YamlDocument } from '../yaml/documents.js'
import { isObject } from '../yaml/values.js'
import { groupVersion } from '../kubernetes/api-version.js'
import { parseStream, type LinePositions, type ParsedStream } from '../crs/stream.js'
import { configMapNode, type ConfigMapSource } from '../crs/configmap.js'

/** API groups whose CRDs a Flux install brings. */
export const isFluxGroup = (group: string): boolean =>
  group.endsWith('.toolkit.fluxcd.io') || group === 'source.extensions.fluxcd.io'

/** `group/Kind` → the versions its CRD serves. */
export type ServedApis = Map<string, Set<string>>

/** What a set of CRDs serves, for the Flux groups only. CRDs are parsed objects (`kind: CustomResourceDefinition`). */
export function servedApis(crds: readonly unknown[]): ServedApis {
  const out: ServedApis = new Map()
  for (const crd of crds) {
    if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isObject(crd.spec)) continue
    const { group, names, versions } = crd.spec
    if (
      typeof group !== 'string' ||
      !isFluxGroup(group) ||
      !isObject(names) ||
      typeof names.kind !== 'string'
    )
      continue
    const served = out.get(`${group}/${names.kind}`) ?? new Set<string>()
    for (const v of Array.isArray(versions) ? versions : []) {
      if (isObject(v) && v.served === true && typeof v.name === 'string') served.add(v.name)
    }
    out.set(`${group}/${names.kind}`, served)
  }
  return out
}

/** A Flux object in a repository file, with the file line of its `apiVersion`. */
export interface FluxObject {
  file: string
  line: number
  apiVersion: string
  kind: string
  name: string
  namespace?: string
}

/** The file line of a document's top-level `apiVersion` key (its first line when the key is not in block style). */
export function apiVersionLine(doc: YamlDocument): number {
  const at = doc.text.search(/^apiVersion:/m)
  return doc.startLine + (at <= 0 ? 0 : doc.text.slice(0, at).split('\n').length - 1)
}

function objectOf(doc: YamlDocument, fallbackLine?: number): FluxObject | undefined {
  const v = doc.value
  if (!isObject(v) || typeof v.apiVersion !== 'string' || typeof v.kind !== 'string') return undefined
  if (!isFluxGroup(groupVersion(v.apiVersion).group)) return undefined
  const meta = isObject(v.metadata) ? v.metadata : {}
  return {
    file: doc.file,
    line: fallbackLine ?? apiVersionLine(doc),
    apiVersion: v.apiVersion,
    kind: v.kind,
    name: typeof meta.name === 'string' ? meta.name : '',
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {})
  }
}

/**
 * The Flux objects of one file: its own documents and the manifests that ConfigMaps carry in their data (a
 * cluster's sync objects next to its Flux install). A file or value that does not parse yields what parses;
 * validation reports the rest.
 *
 * A Flux object's `apiVersion` names its group, so a document (or a data value's document) without `fluxcd.io/` in
 * its text holds none: only the others are parsed. A fleet's Flux ConfigMaps hold a megabyte of install each, of
 * which only the sync documents at its end are Flux objects, and their envelope is read without the data.
 */
export function findFluxObjects(
  file: string,
  content: string,
  read?: readonly ConfigMapSource[]
): FluxObject[] {
  if (!content.includes(FLUX_MARK)) return []
  const out: FluxObject[] = []
  // The caller's reading of these ConfigMaps serves, when it is of this text.
  const configMaps = read?.filter(cm => cm.text === content) ?? []
  for (const piece of splitDocumentTexts(content)) {
    if (!piece.text.includes(FLUX_MARK)) continue
    const lineOffset = piece.startLine - 1
    const end = piece.offset + piece.text.length
    const known = configMaps.find(cm => cm.name.span.start >= piece.offset && cm.name.span.start < end)
    const envelope =
      piece.text.length < ENVELOPE_MIN
        ? undefined
        : known
          ? readData(configMapNode(known))
          : blockData(piece.text, piece.startLine)
    if (envelope) {
      for (const entry of envelope) embeddedObjects(file, entry.value, entry.lineOffset, true, out)
      continue
    }
    const parsed = parseOne(piece.text, file, lineOffset)
    if (parsed === undefined) break
    for (const doc of parsed) {
      const own = objectOf(doc)
      if (own) out.push(own)
      const v = doc.value
      if (!isObject(v) || v.kind !== 'ConfigMap' || !isObject(v.data)) continue
      for (const [key, value] of Object.entries(v.data)) {
        if (typeof value !== 'string' || !value.includes(FLUX_MARK)) continue
        const { lineOffset, exact } = blockOffset(doc, key) ?? embeddedOffset(doc, ['data', key])
        embeddedObjects(file, value, lineOffset, exact, out)
      }
    }
  }
  return out
}

const FLUX_MARK = 'fluxcd.io/'

/** Documents at least this long are first read as a ConfigMap envelope (src/crs/stream.ts). */
const ENVELOPE_MIN = 1 << 16

/** One document's text parsed as `tryParseDocuments` parses each; undefined when it does not parse. */
function parseOne(text: string, file: string, lineOffset: number): YamlDocument[] | undefined {
  try {
    return parseDocuments(text, file, lineOffset)
  } catch (e) {
    if (e instanceof FcuError) return undefined
    throw e
  }
}

/** The Flux objects of a data value's documents, as `tryParseDocuments(value, file, lineOffset)` reads them. */
function embeddedObjects(
  file: string,
  value: string,
  lineOffset: number,
  exact: boolean,
  out: FluxObject[]
): void {
  for (const piece of splitDocumentTexts(value)) {
    if (!piece.text.includes(FLUX_MARK)) continue
    const parsed = parseOne(piece.text, file, lineOffset + piece.startLine - 1)
    if (parsed === undefined) return
    for (const inner of parsed) {
      const o = objectOf(inner, exact ? undefined : lineOffset + 1)
      if (o) out.push(o)
    }
  }
}

/**
 * The data values holding `fluxcd.io/` of a document that is a ConfigMap whose such values are all literal blocks,
 * each with the line before its first (the block's header line), read from the envelope without building the whole
 * document's value. Undefined for any other document, or one the envelope may not read as the loader does (tags,
 * aliases, merge keys, errors): those are parsed whole.
 */
function blockData(text: string, startLine: number): { value: string; lineOffset: number }[] | undefined {
  const tree = parseStream(text)
  const root = tree.docs[0]?.contents
  if (tree.docs.length !== 1 || tree.docs[0].errors.length > 0 || !isMap(root)) return undefined
  return readData({ root, lines: tree.lines }, startLine - 1)
}

/** `blockData` of a document's node tree; `lineOffset` turns its lines into file lines. */
function readData(
  { root, lines }: { root: YAMLMap; lines: LinePositions },
  lineOffset = 0
): { value: string; lineOffset: number }[] | undefined {
  // Keys the loader might read otherwise (merges, numbers it orders first, tags): such documents are parsed whole.
  const plainKey = (key: unknown): string | undefined =>
    isScalar(key) && !key.tag && typeof key.value === 'string' && !ODD_KEY.test(key.value)
      ? key.value
      : undefined
  const plain = (node: unknown): string | undefined =>
    isScalar(node) && !node.tag && typeof node.value === 'string' ? node.value : undefined
  const fields = new Map<string, unknown>()
  for (const pair of root.items) {
    const key = plainKey(pair.key)
    if (key === undefined) return undefined
    fields.set(key, pair.value)
  }
  const apiVersion = plain(fields.get('apiVersion'))
  if (plain(fields.get('kind')) !== 'ConfigMap' || apiVersion === undefined) return undefined
  if (isFluxGroup(groupVersion(apiVersion).group)) return undefined
  const data = fields.get('data')
  if (data === undefined) return []
  if (!isMap(data) || data.tag) return undefined
  const out: { value: string; lineOffset: number }[] = []
  for (const pair of data.items) {
    const node = pair.value
    if (plainKey(pair.key) === undefined || !isScalar(node) || node.tag || !node.range) return undefined
    if (typeof node.value !== 'string' || !node.value.includes(FLUX_MARK)) continue
    if (node.type !== 'BLOCK_LITERAL') return undefined
    // As `blockOffset` gives it: the file line of the block's header.
    out.push({ value: node.value, lineOffset: lineOffset + lines.linePos(node.range[0]).line })
  }
  return out
}

const ODD_KEY = /^(?:<<|__proto__|0|[1-9][0-9]*)$/

/** Objects whose group and kind the CRDs know but whose version they no longer serve. */
export function unservedObjects(objects: readonly FluxObject[], served: ServedApis): FluxObject[] {
  return objects.filter(o => {
    const versions = served.get(`${groupVersion(o.apiVersion).group}/${o.kind}`)
    return versions !== undefined && !versions.has(groupVersion(o.apiVersion).version)
  })
}

/**
 * Where a ConfigMap's block scalar data value starts, as `embeddedOffset` gives it, from the node tree of a
 * ConfigMap read without its big blocks (src/crs/stream.ts): the whole tree of a megabyte of data would be built
 * for one line number. Undefined for a value that is not a block scalar (the general way finds its line).
 */
function blockOffset(doc: YamlDocument, key: string): { lineOffset: number; exact: boolean } | undefined {
  let tree = trees.get(doc)
  if (!tree) trees.set(doc, (tree = parseStream(doc.text)))
  const root = tree.docs[0]?.contents
  if (tree.docs.length !== 1 || !isMap(root)) return undefined
  const data = pairValue(root, 'data')
  const node = isMap(data) ? pairValue(data, key) : undefined
  if (!isScalar(node) || !node.range || (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED'))
    return undefined
  const header = tree.lines.linePos(node.range[0])
  return { lineOffset: doc.startLine + header.line - 1, exact: node.type === 'BLOCK_LITERAL' }
}

const trees = new WeakMap<YamlDocument, ParsedStream>()

/** The value of the first entry whose key reads as `key`, as `embeddedOffset` looks keys up. */
function pairValue(map: YAMLMap, key: string): unknown {
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? pair.key.value : pair.key
    if (String(k) === key) return pair.value ?? pair.key
  }
  return undefined
}
