import { posix } from 'node:path'
import { FcuError } from '../errors.js'
import {
  countLines,
  embeddedOffset,
  parseDocuments,
  positionOf,
  splitDocumentTexts,
  type DocumentText,
  type YamlDocument,
  type YamlPath
} from '../yaml/documents.js'
import { loadFast, SharedBlocks, UNSUPPORTED } from '../yaml/fast-load.js'
import { isObject, type Obj } from '../yaml/values.js'
import { LONGEST_HASHED } from '../yaml/text-key.js'
import { fingerprint, intern, INTERNED_MIN, ownCopy, TextMemo } from '../yaml/text-memo.js'
import { contentDigest } from '../plan/stored.js'
import { inSkippedDirectory, isYamlPath } from '../workspace/paths.js'
import { groupVersion } from '../kubernetes/api-version.js'
import { isParsedList, sealParsed, type ParsedObject, type ParsedValue } from '../yaml/readonly.js'
import { apiServerValue } from '../yaml/api-server.js'
import { locateField, type RenderedObject } from '../kustomize/resource.js'
import { pushAll } from '../arrays.js'
import { mentionsCalicoApi } from './calico-api.js'

/**
 * The Kubernetes objects of a repository, as validation sees them: every document of every YAML file, plus the
 * manifests held in ConfigMap data (a ClusterResourceSet applies those to workload clusters, so they are objects
 * too). Each object remembers where it stands on disk so that a finding deep inside a ConfigMap value still points
 * at a real file line.
 */

export interface SourceFile {
  /** Repository-relative POSIX path. */
  path: string
  content: string
}

export interface ManifestObject {
  /** The file on disk the object is in (for embedded objects: the ConfigMap's file). */
  file: string
  /** What is applied together: the file, or one ConfigMap data value. Duplicates are checked per bundle. */
  bundle: string
  /** The document the object was read from; positions inside it are resolved on demand. */
  doc: YamlDocument
  /** Where the object sits inside `doc.value`: `[]`, or `['items', i]` for the items of a `v1 List`. */
  root: YamlPath
  /** Shared with every object read from the same text: read-only. */
  readonly value: ParsedObject
  /** The ConfigMap data value the object was read from, when it is not a document of the file itself. */
  container?: DataStream
  /**
   * The object as a kustomization renders it, when it is one: `value` is then the rendered value, and each field is
   * placed at the line that wrote it (the resource, a patch, or the kustomization's `namespace:`).
   */
  rendered?: RenderedObject
}

/** A ConfigMap data value that holds a YAML stream of manifests. */
export interface DataStream {
  configMap: ManifestObject
  key: string
}

/** A YAML stream that does not parse, with the file position of the failure. */
export interface ParseFailure {
  file: string
  line?: number
  column?: number
  message: string
  hint?: string
}

export interface CollectedObjects {
  /**
   * The parsed documents of each YAML file, for whoever needs them next (each file is parsed once). Values are
   * shared between documents of identical text: read-only.
   */
  documents: Map<string, YamlDocument[]>
  objects: ManifestObject[]
  failures: ParseFailure[]
  /** Flux install streams (a `gotk-components.yaml` file, or a ConfigMap data value) with their header text. */
  streams: ManifestStream[]
}

/**
 * One YAML stream as a whole: a file, or a ConfigMap data value. Header checks need the raw text: a file's is read
 * from its source when asked, so that what a run keeps of a file it read is not its whole text.
 */
export interface ManifestStream {
  file: string
  bundle: string
  readonly text: string
  container?: DataStream
}

const fileStream = (f: SourceFile): ManifestStream => ({
  file: f.path,
  bundle: f.path,
  get text() {
    return f.content
  }
})

const KUSTOMIZATION_FILES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization'])
/**
 * Whether a line of `text` starts with `start`. A data value is read as manifests only when it has lines starting
 * `apiVersion:` and `kind:`; a Calico `cni_network_config` JSON or a shell script must stay data. (indexOf, not a
 * multi-line regular expression: the operator's ConfigMap alone is 1.6 MB.)
 */
const hasLine = (text: string, start: string): boolean =>
  text.startsWith(start) || text.includes(`\n${start}`)

export const isYamlFile = (path: string): boolean => isYamlPath(path) && !inSkippedDirectory(path)

/**
 * A document is read as a Kubernetes object when it has at least two of apiVersion, kind and metadata: a Helm
 * `Chart.yaml` (apiVersion only) or a values file with a top-level `kind:` is not one, and neither is the action's
 * own config file.
 */
export function looksLikeObject(value: unknown): value is Obj {
  if (!isObject(value)) return false
  const marks = Number('apiVersion' in value) + Number('kind' in value) + Number(isObject(value.metadata))
  return marks >= 2
}

/** apiVersion `group/version` split; the core group is `''`. */

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** The `metadata` fields identity rules need, read defensively (a broken object must not crash validation). */
export function identity(obj: Obj): {
  apiVersion?: string
  kind?: string
  name?: string
  namespace?: string
} {
  const meta = isObject(obj.metadata) ? obj.metadata : {}
  return {
    apiVersion: str(obj.apiVersion),
    kind: str(obj.kind),
    name: str(meta.name),
    namespace: str(meta.namespace)
  }
}

/** `Kind 'namespace/name'` for messages. */
export function describe(obj: Obj): string {
  const { kind, name, namespace } = identity(obj)
  const id = name === undefined ? '(no name)' : namespace ? `${namespace}/${name}` : name
  return `${kind ?? 'object'} '${id}'`
}

const KUSTOMIZE_GROUP = 'kustomize.config.k8s.io'

/**
 * Files that a kustomization uses as something other than resources: patches are partial objects, generator
 * inputs (`configMapGenerator.files`, Helm values) are data. Checking them as objects would report missing
 * fields on every healthy overlay.
 */
export function nonResourceFiles(
  files: readonly SourceFile[],
  parsed: Map<string, YamlDocument[]>
): Set<string> {
  const out = new Set<string>()
  for (const f of files) {
    const base = posix.basename(f.path)
    const docs = parsed.get(f.path) ?? []
    for (const d of docs) {
      const k = d.value
      if (!isObject(k)) continue
      const isKustomization =
        KUSTOMIZATION_FILES.has(base) || groupVersion(k.apiVersion).group === KUSTOMIZE_GROUP
      if (!isKustomization) continue
      const dir = posix.dirname(f.path)
      const add = (p: unknown) => {
        // Inline patches are YAML text, not paths.
        if (typeof p === 'string' && !p.includes('\n') && !p.includes(': '))
          out.add(posix.normalize(posix.join(dir, p)))
      }
      const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
      for (const p of list(k.patchesStrategicMerge)) add(p)
      for (const p of [...list(k.patches), ...list(k.patchesJson6902), ...list(k.replacements)]) {
        if (isObject(p)) add(p.path)
      }
      for (const g of [...list(k.configMapGenerator), ...list(k.secretGenerator)]) {
        if (!isObject(g)) continue
        // `files` entries may be `key=path`.
        for (const e of list(g.files)) if (typeof e === 'string') add(e.slice(e.indexOf('=') + 1))
        for (const e of list(g.envs)) add(e)
      }
      for (const p of list(k.configurations)) add(p)
      for (const c of list(k.helmCharts)) if (isObject(c)) add(c.valuesFile)
    }
  }
  return out
}

/**
 * Every document of a YAML stream, each parsed once: by the fast loader, or by js-yaml for what the fast loader
 * leaves to it (which is also where syntax errors get their message and position). A broken document is reported
 * and skipped; the documents after it are still read.
 *
 * `memo` holds what this run has parsed: a fleet repeats the same Flux install and Calico manifest in every
 * cluster's ConfigMap, so each distinct document is parsed only once, and each distinct nested block (a CRD
 * version's schema that did not change between releases) too. Equal texts then share one value, which is why
 * values are read-only.
 */
export function parseStream(
  text: string,
  file: string,
  memo: ParseMemo = newParseMemo(),
  digest?: string
): { documents: YamlDocument[]; errors: FcuError[] } {
  const documents: YamlDocument[] = []
  const errors: FcuError[] = []
  const seen = memo.documents
  const known = memo.streams.get(text, digest)
  if (known) {
    for (const d of known) documents.push(d.inFile(file))
    return { documents, errors }
  }
  splitDocumentTexts(text).forEach((d, index) => {
    const own = holdsOwnStream(d.text)
    let entry = own ? undefined : seen.get(d.text)
    if (entry === undefined) {
      // A value kept for later streams is read from a copy of its text: its strings are slices of the text they
      // were read from, and a document's text is a slice of its stream's (a file, a ConfigMap's data, a cluster's
      // own), which would stay alive with it.
      const source = own ? d.text : ownCopy(d.text)
      let value: ParsedValue
      const fast = loadFast(source, memo.blocks)
      if (fast !== UNSUPPORTED) value = fast
      else {
        try {
          value = parseDocuments(source, file, d.startLine - 1)[0]?.value ?? null
        } catch (e) {
          if (!(e instanceof FcuError)) throw e
          errors.push(e)
          return
        }
      }
      // A ConfigMap's value is its cluster's own and not kept by the memo, but by what is read from it: its
      // strings are made its own, so that it does not keep the file's whole text alive.
      entry = { value: own ? detached(value) : value }
      if (!own) seen.set(source, entry)
    }
    documents.push(new ParsedDocument(file, index, d, entry))
  })
  // A stream with errors is read again: their messages name the file.
  if (errors.length === 0) memo.streams.put(text, documents as ParsedDocument[], digest)
  return { documents, errors }
}

/** How many whole streams `StreamMemo` keeps. */
const STREAMS_KEPT = 8

/**
 * The last few long streams read: a fleet holds the same install in every cluster (each cluster's
 * `gotk-components.yaml`, the Calico manifest in each ConfigMap), read one after the other. A stored file is known
 * by the store's digest of it, given along; any other text is compared with the kept ones of its length and
 * fingerprint (texts that differ, a ConfigMap of another cluster, are then rarely compared at all). A short stream
 * is cheap to split and look up document by document anyway.
 */
class StreamMemo {
  private readonly kept: {
    digest?: string
    fingerprint: number
    text: string
    documents: ParsedDocument[]
  }[] = []

  get(text: string, digest?: string): ParsedDocument[] | undefined {
    if (text.length <= LONGEST_HASHED) return undefined
    let print: number | undefined
    const i = this.kept.findIndex(k => {
      if (digest !== undefined && k.digest !== undefined) return k.digest === digest
      if (k.text.length !== text.length) return false
      print ??= fingerprint(text)
      return k.fingerprint === print && k.text === text
    })
    if (i < 0) return undefined
    // Kept while it is met again: the ConfigMaps between two clusters' copies of it must not push it out.
    const [hit] = this.kept.splice(i, 1)
    this.kept.push(hit)
    return hit.documents
  }

  put(text: string, documents: ParsedDocument[], digest?: string): void {
    if (text.length <= LONGEST_HASHED) return
    if (this.kept.length >= STREAMS_KEPT) this.kept.shift()
    this.kept.push({ digest, fingerprint: fingerprint(text), text, documents })
  }
}

/**
 * A long ConfigMap document: its data holds a manifest stream, whose documents are what repeats (and are looked up
 * by their texts when read); the ConfigMap itself has a name of its own in every cluster, so looking it up would
 * only cost a digest of the whole text. (Only what is shared changes: a value is a function of its text.)
 */
const holdsOwnStream = (text: string): boolean =>
  text.length > LONGEST_HASHED &&
  (CONFIGMAP_KIND.test(text.slice(0, 2048)) || CONFIGMAP_KIND.test(text.slice(-2048)))

/**
 * `kind: ConfigMap` on a line of its own near the top, where most tools write it, or near the end, where `kubectl`
 * (which sorts keys: `apiVersion`, `data`, `kind`, `metadata`) does.
 */
const CONFIGMAP_KIND = /^kind: ConfigMap[ \t]*\r?$/m

/** The CustomResourceDefinitions of an upstream manifest stream (`flux install --export`, Calico's calico.yaml). */
export function crdDocuments(text: string, source: string): ParsedValue[] {
  return parseStream(text, source)
    .documents.map(d => d.value)
    .filter(v => isObject(v) && v.kind === 'CustomResourceDefinition')
}

/** What a document's text reads as: the same for every document of that text. */
interface DocumentValues {
  value: ParsedValue
  /** As the API server decodes it (see `yaml11Value`), worked out when first asked. */
  yaml11?: ParsedValue
}

/** A document of a stream; its line is worked out only when something is reported in it. */
class ParsedDocument implements YamlDocument {
  readonly text: string

  constructor(
    readonly file: string,
    readonly index: number,
    private readonly piece: DocumentText,
    readonly values: DocumentValues
  ) {
    this.text = piece.text
  }

  get value(): ParsedValue {
    return this.values.value
  }

  /** The same document of the same text in another file. */
  inFile(file: string): ParsedDocument {
    return new ParsedDocument(file, this.index, this.piece, this.values)
  }

  /** The same document, its text read again from `source` when asked for (see `FileDocument`). */
  readFrom(source: SourceFile): FileDocument {
    return new FileDocument(source, this.index, this.piece.offset, this.piece.text.length, this.values)
  }

  get startLine(): number {
    return this.piece.startLine
  }
}

/**
 * A document of a file that holds no text: what validation keeps of a file it read is its values, and the text
 * (for a finding's position, which most files never need) is read again from the file, by its store.
 */
class FileDocument implements YamlDocument {
  private line: number | undefined

  constructor(
    private readonly source: SourceFile,
    readonly index: number,
    private readonly offset: number,
    private readonly length: number,
    readonly values: DocumentValues
  ) {}

  get file(): string {
    return this.source.path
  }

  get value(): ParsedValue {
    return this.values.value
  }

  get text(): string {
    return this.source.content.slice(this.offset, this.offset + this.length)
  }

  get startLine(): number {
    return (this.line ??= countLines(this.source.content, this.offset))
  }
}

/**
 * `value` with strings of its own: a plain scalar is a slice of the text it was read from. Long strings (a
 * manifest in a ConfigMap's data) are one string for every equal one (see `intern`).
 */
function detached(value: ParsedValue): ParsedValue {
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') return v.length >= INTERNED_MIN ? intern(v) : ownCopy(v)
    if (Array.isArray(v)) return v.map(copy)
    if (v === null || typeof v !== 'object' || v instanceof Date) return v
    // fromEntries: a `__proto__` key stays a key. Depth is the loader's, which bounds it.
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [ownCopy(k), copy(x)]))
  }
  return sealParsed(copy(value))
}

/** What one run has parsed: document values by text, the last streams, and nested blocks (see `SharedBlocks`). */
export interface ParseMemo {
  documents: TextMemo<DocumentValues>
  streams: StreamMemo
  blocks: SharedBlocks
}

export const newParseMemo = (): ParseMemo => ({
  documents: new TextMemo(),
  streams: new StreamMemo(),
  blocks: new SharedBlocks()
})

/** A parse error from `documents.ts` as a failure at a file position. */
function failureOf(e: FcuError, file: string, mapLine: (line: number) => number): ParseFailure {
  return {
    file,
    line: e.location.line === undefined ? undefined : mapLine(e.location.line),
    column: e.location.column,
    message: e.message,
    hint: e.hint
  }
}

/**
 * The file line of a position inside an object. For a manifest inside a literal block (`|`) lines map one to
 * one onto the file; inside a quoted or folded value they cannot, so the data key's line stands for all of them.
 */
export function lineOf(obj: ManifestObject, path: YamlPath = [], at: 'key' | 'value' = 'key'): number {
  return placeOf(obj, path, at).line
}

/** The file and line of a position inside an object: for a rendered one, the file that wrote that field. */
export function placeOf(
  obj: ManifestObject,
  path: YamlPath = [],
  at: 'key' | 'value' = 'key'
): { file: string; line: number } {
  if (obj.rendered) return locateField(obj.rendered, path, at)
  return { file: obj.file, line: writtenLineOf(obj, path, at) }
}

function writtenLineOf(obj: ManifestObject, path: YamlPath, at: 'key' | 'value'): number {
  // A field that is not there (a required one) is reported at the deepest part of its path that is.
  const present = existingPrefix(obj.value, path)
  const where = present.length < path.length ? 'key' : at
  const local = () => positionOf(obj.doc, [...obj.root, ...present], where).line
  return obj.container ? streamLine(obj.container, local) : local()
}

function existingPrefix(value: unknown, path: YamlPath): YamlPath {
  let v = value
  let i = 0
  for (; i < path.length; i++) {
    const k = path[i]
    if (Array.isArray(v) && typeof k === 'number' && k < v.length) v = v[k]
    else if (isObject(v) && Object.prototype.hasOwnProperty.call(v, k)) v = v[k]
    else break
  }
  return path.slice(0, i)
}

/** Maps a 1-based line of a ConfigMap data value's text onto the file. */
export function streamLine(stream: DataStream, localLine: number | (() => number)): number {
  const { configMap } = stream
  const local = () => (typeof localLine === 'number' ? localLine : localLine())
  const at = configMap.container ? undefined : dataKeyLine(configMap, stream.key)
  if (at) return at.exact ? at.line + local() : at.line
  const keyPath: YamlPath = [...configMap.root, 'data', stream.key]
  const { lineOffset, exact } = embeddedOffset(configMap.doc, keyPath)
  if (exact && !configMap.container) return local() + lineOffset
  return lineOf(configMap, ['data', stream.key])
}

const dataKeyLines = new WeakMap<ManifestObject, Map<string, { line: number; exact: boolean }>>()

/**
 * The file line of a data key of a ConfigMap document, and whether its value is a literal block, read from the text
 * for the layout every tool writes (`data:` at column 0, keys one level in). A finding inside a Flux or Calico
 * ConfigMap then costs a line scan instead of a full YAML parse with positions; any other layout returns
 * undefined and goes the general way.
 */
function dataKeyLine(cm: ManifestObject, key: string): { line: number; exact: boolean } | undefined {
  if (cm.root.length > 0) return undefined
  let keys = dataKeyLines.get(cm)
  if (!keys) {
    keys = new Map()
    dataKeyLines.set(cm, keys)
    const text = cm.doc.text
    const data = /^data:[ \t\r]*(#.*)?$/m.exec(text)
    let indent = -1
    let line = data ? text.slice(0, data.index).split('\n').length : 0
    // Line by line without splitting the document: a ConfigMap written by kubectl holds a whole manifest in one
    // quoted value, thousands of lines that are only skipped here.
    for (let p = data ? text.indexOf('\n', data.index) + 1 : 0; data && p > 0 && p < text.length; line++) {
      const e = text.indexOf('\n', p)
      const end = e < 0 ? text.length : e
      const next = e < 0 ? text.length : e + 1
      const c = text.charCodeAt(p)
      if (c !== 0x20) {
        if (c !== 0x23 /* # */ && c !== 0x0a && c !== 0x0d && c !== 0x09) break
      } else if (indent < 0 || text.charCodeAt(p + indent) !== 0x20) {
        const m = /^( +)(?:"([^"\\]*)"|'((?:[^']|'')*)'|([^\s#'"][^:]*?)) *: *(.*)$/.exec(text.slice(p, end))
        if (m && (indent < 0 || m[1].length === indent)) {
          indent = m[1].length
          const name = m[2] !== undefined ? m[2] : m[3] !== undefined ? m[3].replace(/''/g, "'") : m[4]
          keys.set(name, { line: cm.doc.startLine + line, exact: /^\|[-+0-9]*\s*(#.*)?$/.test(m[5]) })
        }
      }
      p = next
    }
  }
  return keys.get(key)
}

function objectsOf(
  doc: YamlDocument,
  file: string,
  bundle: string,
  container?: DataStream,
  value: ParsedValue = doc.value
): ManifestObject[] {
  if (!isObject(value)) return []
  // `kubectl` and Flux apply the items of a `v1 List` one by one.
  if (value.apiVersion === 'v1' && value.kind === 'List' && isParsedList(value.items)) {
    return value.items.flatMap((item, i) =>
      looksLikeObject(item) ? [{ file, bundle, doc, root: ['items', i], value: item, container }] : []
    )
  }
  return looksLikeObject(value) ? [{ file, bundle, doc, root: [], value, container }] : []
}

/** The data values of a ConfigMap that hold manifests, as streams to read objects from. */
function manifestValues(cm: ManifestObject): { key: string; text: string }[] {
  const { value } = cm
  if (value.apiVersion !== 'v1' || value.kind !== 'ConfigMap' || !isObject(value.data)) return []
  const out: { key: string; text: string }[] = []
  for (const [key, text] of Object.entries(value.data)) {
    if (typeof text === 'string' && hasLine(text, 'apiVersion:') && hasLine(text, 'kind:'))
      out.push({ key, text })
  }
  return out
}

/** What `collectObjects` reads from one file, as a resource file (its objects and streams) and as any YAML file. */
interface FileObjects {
  /** The store's digest of the content read, or, for a content not in a store, the content itself. */
  digest?: string
  content?: string
  documents: YamlDocument[]
  /** Parse failures of the file itself. */
  failures: ParseFailure[]
  /** Parse failures inside its ConfigMap manifests (only reported when the file is a resource). */
  innerFailures: ParseFailure[]
  objects: ManifestObject[]
  streams: ManifestStream[]
  calicoApi?: boolean
}

/**
 * What one run has read, for every validation of that run: an upgrade validates the tree with all its changes, with
 * each component's alone, and sometimes as read, and those trees share most files. A file of the same path and
 * content yields the same documents and objects every time (they depend on nothing else), so each is read once;
 * whether it is a resource at all depends on the tree's kustomizations and is decided per validation.
 */
export class CollectCache {
  readonly memo: ParseMemo = newParseMemo()
  private files = new Map<string, FileObjects[]>()

  /**
   * Drops every file version `files` does not hold, before a validation of them: an upgrade's validations hold
   * each component's files as read or as written, so the versions one validation no longer reads would otherwise
   * stay (a fleet's ConfigMaps, each a cluster's own) while the next reads their other versions. What is dropped
   * and asked again later is read again, the same.
   */
  keepOnly(files: readonly SourceFile[]): void {
    const next = new Map<string, FileObjects[]>()
    for (const f of files) {
      const known = this.known(f)
      if (known) next.set(f.path, [known])
    }
    this.files = next
  }

  private known(f: SourceFile): FileObjects | undefined {
    const digest = contentDigest(f)
    const versions = this.files.get(f.path) ?? []
    return digest === undefined
      ? versions.find(v => v.digest === undefined && v.content === f.content)
      : versions.find(v => v.digest === digest)
  }

  /** Whether a stored content mentions the Calico API, by digest: kept when its file version is dropped. */
  private readonly calicoApi = new Map<string, boolean>()

  /** Whether a file has a `projectcalico.org/v3` apiVersion (see `mentionsCalicoApi`), asked once per content. */
  mentionsCalicoApi(f: SourceFile): boolean {
    const digest = contentDigest(f)
    if (digest === undefined) {
      const read = this.file(f)
      return (read.calicoApi ??= mentionsCalicoApi(f.content))
    }
    let known = this.calicoApi.get(digest)
    if (known === undefined) this.calicoApi.set(digest, (known = mentionsCalicoApi(f.content)))
    return known
  }

  /**
   * A stored content is known by the store's digest, without reading it; any other by its text, which the caller
   * holds anyway.
   */
  file(f: SourceFile): FileObjects {
    const known = this.known(f)
    if (known) return known
    const read = readFile(f, this.memo, contentDigest(f))
    this.files.set(f.path, [...(this.files.get(f.path) ?? []), read])
    return read
  }
}

function readFile(f: SourceFile, memo: ParseMemo, digest: string | undefined): FileObjects {
  const content = f.content
  const parsed = parseStream(content, f.path, memo, digest)
  const errors = parsed.errors
  // A stored file can be read again: its documents do not keep its text (a fleet's ConfigMaps are megabytes each).
  const documents =
    digest === undefined
      ? parsed.documents
      : parsed.documents.map(d => (d instanceof ParsedDocument ? d.readFrom(f) : d))
  const failures = errors.map(e => failureOf(e, f.path, line => line))
  const innerFailures: ParseFailure[] = []
  const objects: ManifestObject[] = []
  const streams: ManifestStream[] = [fileStream(f)]
  for (const doc of documents) {
    for (const obj of objectsOf(doc, f.path, f.path)) {
      if (groupVersion(obj.value.apiVersion).group === KUSTOMIZE_GROUP) continue
      objects.push(obj)
      for (const { key, text } of manifestValues(obj)) {
        const container: DataStream = { configMap: obj, key }
        const { name, namespace } = identity(obj.value)
        const bundle = `${f.path}#${namespace ?? ''}/${name ?? ''}/${key}`
        streams.push({ file: f.path, bundle, text, container })
        // Positions inside the value are local to it; `lineOf` maps them onto the file when a finding needs one.
        const inner = parseStream(text, f.path, memo)
        for (const e of inner.errors)
          innerFailures.push(failureOf(e, f.path, line => streamLine(container, line)))
        // The ClusterResourceSet controller decodes these with sigs.k8s.io/yaml: YAML 1.1 booleans.
        for (const d of inner.documents)
          pushAll(objects, objectsOf(d, f.path, bundle, container, yaml11Value(d)))
      }
    }
  }
  const read = { documents, failures, innerFailures, objects, streams }
  return digest === undefined ? { ...read, content } : { ...read, digest }
}

/** `apiServerValue` once per distinct document text, kept with what the text read as. */
function yaml11Value(d: YamlDocument): ParsedValue {
  if (!(d instanceof ParsedDocument || d instanceof FileDocument)) return apiServerValue(d.text, d.value)
  return (d.values.yaml11 ??= apiServerValue(d.text, d.value))
}

/**
 * Reads every object of the repository: each YAML file parsed once, ConfigMap manifests expanded one level (a
 * ConfigMap inside a ConfigMap's manifests is data of the workload cluster, not something applied here).
 */
export function collectObjects(
  files: readonly SourceFile[],
  cache: CollectCache = new CollectCache()
): CollectedObjects {
  const failures: ParseFailure[] = []
  const parsed = new Map<string, YamlDocument[]>()
  const yamlFiles = files.filter(f => isYamlFile(f.path))
  cache.keepOnly(yamlFiles)
  const read = yamlFiles.map(f => cache.file(f))
  yamlFiles.forEach((f, i) => {
    parsed.set(f.path, read[i].documents)
    pushAll(failures, read[i].failures)
  })
  const notResources = nonResourceFiles(yamlFiles, parsed)
  const objects: ManifestObject[] = []
  const streams: ManifestStream[] = []
  yamlFiles.forEach((f, i) => {
    if (notResources.has(f.path)) return
    pushAll(failures, read[i].innerFailures)
    pushAll(objects, read[i].objects)
    pushAll(streams, read[i].streams)
  })
  return { documents: parsed, objects, failures, streams }
}
