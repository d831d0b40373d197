import { posix } from 'node:path'
import { FcuError } from '../errors.js'
import { embeddedOffset, positionOf, tryParseDocuments, type YamlDocument, type YamlPath } from '../yaml/documents.js'

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

export type Obj = Record<string, unknown>

export interface ManifestObject {
  /** The file on disk the object is in (for embedded objects: the ConfigMap's file). */
  file: string
  /** What is applied together: the file, or one ConfigMap data value. Duplicates are checked per bundle. */
  bundle: string
  /** The document the object was read from; positions inside it are resolved on demand. */
  doc: YamlDocument
  /** Where the object sits inside `doc.value`: `[]`, or `['items', i]` for the items of a `v1 List`. */
  root: YamlPath
  value: Obj
  /** The ConfigMap data value the object was read from, when it is not a document of the file itself. */
  container?: DataStream
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
  objects: ManifestObject[]
  failures: ParseFailure[]
  /** Flux install streams (a `gotk-components.yaml` file, or a ConfigMap data value) with their header text. */
  streams: ManifestStream[]
}

/** One YAML stream as a whole: a file, or a ConfigMap data value. Header checks need the raw text. */
export interface ManifestStream {
  file: string
  bundle: string
  text: string
  container?: DataStream
}

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

const YAML_FILE = /\.ya?ml$/i
const SKIPPED_DIRS = new Set(['.git', 'node_modules'])
const KUSTOMIZATION_FILES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization'])
// A data value is read as manifests only when it looks like one; a Calico `cni_network_config` JSON or a shell
// script must stay data.
const MANIFEST_START = /^apiVersion:/m
const MANIFEST_KIND = /^kind:/m

export const isYamlFile = (path: string): boolean =>
  YAML_FILE.test(path) && !path.split('/').some(segment => SKIPPED_DIRS.has(segment))

/**
 * A document is read as a Kubernetes object when it has at least two of apiVersion, kind and metadata: a Helm
 * `Chart.yaml` (apiVersion only) or a values file with a top-level `kind:` is not one, and neither is the action's
 * own config file.
 */
export function looksLikeObject(value: unknown): value is Obj {
  if (!isObj(value)) return false
  const marks = Number('apiVersion' in value) + Number('kind' in value) + Number(isObj(value.metadata))
  return marks >= 2
}

/** apiVersion `group/version` split; the core group is `''`. */
export function groupVersion(apiVersion: unknown): { group: string; version: string } {
  const s = typeof apiVersion === 'string' ? apiVersion : ''
  const slash = s.lastIndexOf('/')
  return slash < 0 ? { group: '', version: s } : { group: s.slice(0, slash), version: s.slice(slash + 1) }
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** The `metadata` fields identity rules need, read defensively (a broken object must not crash validation). */
export function identity(obj: Obj): { apiVersion?: string; kind?: string; name?: string; namespace?: string } {
  const meta = isObj(obj.metadata) ? obj.metadata : {}
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
export function nonResourceFiles(files: readonly SourceFile[], parsed: Map<string, YamlDocument[]>): Set<string> {
  const out = new Set<string>()
  for (const f of files) {
    const base = posix.basename(f.path)
    const docs = parsed.get(f.path) ?? []
    for (const d of docs) {
      const k = d.value
      if (!isObj(k)) continue
      const isKustomization =
        KUSTOMIZATION_FILES.has(base) || groupVersion(k.apiVersion).group === KUSTOMIZE_GROUP
      if (!isKustomization) continue
      const dir = posix.dirname(f.path)
      const add = (p: unknown) => {
        // Inline patches are YAML text, not paths.
        if (typeof p === 'string' && !p.includes('\n') && !p.includes(': ')) out.add(posix.normalize(posix.join(dir, p)))
      }
      const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
      for (const p of list(k.patchesStrategicMerge)) add(p)
      for (const p of [...list(k.patches), ...list(k.patchesJson6902), ...list(k.replacements)]) {
        if (isObj(p)) add(p.path)
      }
      for (const g of [...list(k.configMapGenerator), ...list(k.secretGenerator)]) {
        if (!isObj(g)) continue
        // `files` entries may be `key=path`.
        for (const e of list(g.files)) if (typeof e === 'string') add(e.slice(e.indexOf('=') + 1))
        for (const e of list(g.envs)) add(e)
      }
      for (const p of list(k.configurations)) add(p)
      for (const c of list(k.helmCharts)) if (isObj(c)) add(c.valuesFile)
    }
  }
  return out
}

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
  const local = positionOf(obj.doc, [...obj.root, ...path], at).line
  return obj.container ? streamLine(obj.container, local) : local
}

/** Maps a 1-based line of a ConfigMap data value's text onto the file. */
export function streamLine(stream: DataStream, localLine: number): number {
  const keyPath: YamlPath = ['data', stream.key]
  const { configMap } = stream
  const { lineOffset, exact } = embeddedOffset(configMap.doc, [...configMap.root, ...keyPath])
  if (exact && !configMap.container) return localLine + lineOffset
  return lineOf(configMap, keyPath)
}

function objectsOf(doc: YamlDocument, file: string, bundle: string, container?: DataStream): ManifestObject[] {
  const value = doc.value
  if (!isObj(value)) return []
  // `kubectl` and Flux apply the items of a `v1 List` one by one.
  if (value.apiVersion === 'v1' && value.kind === 'List' && Array.isArray(value.items)) {
    return value.items.flatMap((item, i) =>
      looksLikeObject(item) ? [{ file, bundle, doc, root: ['items', i], value: item, container }] : []
    )
  }
  return looksLikeObject(value) ? [{ file, bundle, doc, root: [], value, container }] : []
}

/** The data values of a ConfigMap that hold manifests, as streams to read objects from. */
function manifestValues(cm: ManifestObject): { key: string; text: string }[] {
  const { value } = cm
  if (value.apiVersion !== 'v1' || value.kind !== 'ConfigMap' || !isObj(value.data)) return []
  const out: { key: string; text: string }[] = []
  for (const [key, text] of Object.entries(value.data)) {
    if (typeof text === 'string' && MANIFEST_START.test(text) && MANIFEST_KIND.test(text)) out.push({ key, text })
  }
  return out
}

/**
 * Reads every object of the repository: each YAML file parsed once, ConfigMap manifests expanded one level (a
 * ConfigMap inside a ConfigMap's manifests is data of the workload cluster, not something applied here).
 */
export function collectObjects(files: readonly SourceFile[]): CollectedObjects {
  const failures: ParseFailure[] = []
  const parsed = new Map<string, YamlDocument[]>()
  const yamlFiles = files.filter(f => isYamlFile(f.path))
  for (const f of yamlFiles) {
    const { documents, error } = tryParseDocuments(f.content, f.path)
    parsed.set(f.path, documents)
    if (error) failures.push(failureOf(error, f.path, line => line))
  }
  const notResources = nonResourceFiles(yamlFiles, parsed)
  const objects: ManifestObject[] = []
  const streams: ManifestStream[] = []
  for (const f of yamlFiles) {
    if (notResources.has(f.path)) continue
    streams.push({ file: f.path, bundle: f.path, text: f.content })
    for (const doc of parsed.get(f.path) ?? []) {
      for (const obj of objectsOf(doc, f.path, f.path)) {
        if (groupVersion(obj.value.apiVersion).group === KUSTOMIZE_GROUP) continue
        objects.push(obj)
        for (const { key, text } of manifestValues(obj)) {
          const container: DataStream = { configMap: obj, key }
          const { name, namespace } = identity(obj.value)
          const bundle = `${f.path}#${namespace ?? ''}/${name ?? ''}/${key}`
          streams.push({ file: f.path, bundle, text, container })
          // Positions inside the value are local to it; `lineOf` maps them onto the file when a finding needs one.
          const inner = tryParseDocuments(text, f.path)
          if (inner.error) failures.push(failureOf(inner.error, f.path, line => streamLine(container, line)))
          for (const d of inner.documents) objects.push(...objectsOf(d, f.path, bundle, container))
        }
      }
    }
  }
  return { objects, failures, streams }
}
