import { isDeepStrictEqual } from 'node:util'
import yaml from 'js-yaml'
import { positionOf, type YamlDocument, type YamlPath } from '../yaml/documents.js'
import { isObject } from '../yaml/values.js'
import type { ParsedValue } from '../yaml/readonly.js'
import { groupOf, kindOf, nameOf, namespaceOf, type RenderedObject } from './resource.js'
import type { Variables } from './substitute.js'
import { joinPath } from './files.js'

/**
 * What kustomize-controller builds for a Flux `Kustomization` of this repository (fluxcd/pkg kustomize generator):
 * `spec.path` with its kustomization.yaml, or without one a generated kustomization listing every manifest under
 * the path; over it `targetNamespace`, `namePrefix` and `nameSuffix` replace the kustomization's own, `patches`
 * and `components` (relative to the path) are appended, the build runs with load restrictions off, and
 * `postBuild` substitutes variables in what it printed.
 */

export interface FluxBuild {
  /** The Flux Kustomization, for messages: `flux-system/apps`. */
  name: string
  /** Where it is written. */
  file: string
  /** `spec.path` from the repository root (`''` is the root). */
  dir: string
  /** Its `spec`, as a document of its own whose positions are those of the file: findings point at its lines. */
  overlay: YamlDocument
  /** Present when `postBuild` substitutes something. */
  vars?: Variables
  /** Equal for two builds that render the same. */
  key: string
}

const FLUX_KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io'
const SOURCE_KINDS = new Set(['GitRepository', 'OCIRepository', 'Bucket'])
const SOURCE_GROUP = 'source.toolkit.fluxcd.io'

export const isFluxKustomization = (o: RenderedObject): boolean =>
  kindOf(o.value) === 'Kustomization' && groupOf(o.value) === FLUX_KUSTOMIZE_GROUP

/**
 * Files source-controller leaves out of every artifact (sourceignore's defaults: VCS and CI files, images and
 * archives, `.sops.yaml`, `.flux.yaml`, `.goreleaser.yml`), so the controller never sees them.
 */
function excludedFromArtifact(path: string): boolean {
  const parts = path.split('/')
  const base = parts[parts.length - 1]
  if (parts.slice(0, -1).some(p => p === '.github' || p === '.circleci' || p === '.git')) return true
  return (
    [
      '.travis.yml',
      '.gitlab-ci.yml',
      'appveyor.yml',
      '.drone.yml',
      'cloudbuild.yaml',
      'codeship-services.yml',
      'codeship-steps.yml',
      '.goreleaser.yml',
      '.sops.yaml',
      '.flux.yaml'
    ].includes(base) || /\.(jpe?g|gif|png|wmv|flv|tar\.gz|zip)$/.test(base)
  )
}

/**
 * The `resources` of the kustomization the controller generates for a path that has none: every `.yaml`/`.yml`
 * file under it, walked in lexical order, except that a directory holding a kustomization is listed itself and
 * not entered. `hasKustomization` tells those directories; `skip` leaves out what is no manifest (Helm charts).
 */
export function generatedResources(
  files: Iterable<string>,
  dir: string,
  hasKustomization: (dir: string) => boolean,
  skip: (file: string) => boolean
): string[] {
  const prefix = dir === '' ? '' : `${dir}/`
  const out = new Set<string>()
  for (const file of [...files].filter(f => f.startsWith(prefix)).sort()) {
    const rel = file.slice(prefix.length)
    const parts = rel.split('/')
    let sub: string | undefined
    for (let i = 1; i < parts.length; i++) {
      const d = joinPath(dir, parts.slice(0, i).join('/'))
      if (hasKustomization(d)) {
        sub = `./${parts.slice(0, i).join('/')}`
        break
      }
    }
    if (sub !== undefined) out.add(sub)
    else if (/\.ya?ml$/.test(rel) && !excludedFromArtifact(file) && !skip(file)) out.add(`./${rel}`)
  }
  return [...out]
}

/**
 * What `specDocument` made for specs as parsed, by document and root: the same Flux Kustomizations are looked at in
 * every round of a render and in every validation of a run, and reading the spec's text again was a visible share.
 * (A parsed value is read-only; a spec a transformer changed is a copy, read each time.)
 */
const specDocuments = new WeakMap<YamlDocument, Map<string, YamlDocument>>()

/** The document holding only `spec` of the object at `root` of `doc`, at the file's lines and columns. */
function specDocument(doc: YamlDocument, root: YamlPath, spec: Record<string, unknown>): YamlDocument {
  if (valueAt(doc.value, [...root, 'spec']) !== spec) return readSpecDocument(doc, root, spec)
  let byRoot = specDocuments.get(doc)
  if (!byRoot) specDocuments.set(doc, (byRoot = new Map()))
  const key = JSON.stringify(root)
  let made = byRoot.get(key)
  if (!made) byRoot.set(key, (made = readSpecDocument(doc, root, spec)))
  return made
}

function readSpecDocument(doc: YamlDocument, root: YamlPath, spec: Record<string, unknown>): YamlDocument {
  const { line, column } = positionOf(doc, [...root, 'spec'])
  const lines = doc.text.split('\n')
  const first = line - doc.startLine + 1
  let last = first
  while (
    last < lines.length &&
    (lines[last].trim() === '' || /^\s*#/.test(lines[last]) || indent(lines[last]) >= column)
  )
    last++
  const text = lines.slice(first, last).join('\n')
  let same = false
  try {
    same = isDeepStrictEqual(yaml.load(text, { json: true }), valueAt(doc.value, [...root, 'spec']))
  } catch {
    same = false
  }
  // A spec written in flow style (or not where it was looked for): every position is the `spec:` line.
  return same
    ? { file: doc.file, index: doc.index, startLine: doc.startLine + first, text, value: spec as ParsedValue }
    : { file: doc.file, index: doc.index, startLine: line, text: '', value: spec as ParsedValue }
}

const indent = (line: string): number => line.length - line.trimStart().length

function valueAt(v: unknown, path: YamlPath): unknown {
  for (const k of path) v = Array.isArray(v) || isObject(v) ? (v as Record<string, unknown>)[k] : undefined
  return v
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

function decodeBase64(v: string): string | undefined {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(v)) return undefined
  return Buffer.from(v, 'base64').toString('utf8')
}

/** The key-value pairs a ConfigMap or Secret of the repository gives `postBuild.substituteFrom`. */
function dataOf(o: RenderedObject): Map<string, string> | undefined {
  const out = new Map<string, string>()
  if (kindOf(o.value) === 'Secret') {
    // A SOPS-encrypted Secret holds ciphertext: its values are the cluster's.
    if (o.value.sops !== undefined) return undefined
    for (const [k, v] of Object.entries(isObject(o.value.data) ? o.value.data : {})) {
      const text = typeof v === 'string' ? decodeBase64(v) : undefined
      if (text === undefined) return undefined
      out.set(k, text)
    }
    for (const [k, v] of Object.entries(isObject(o.value.stringData) ? o.value.stringData : {}))
      if (typeof v === 'string') out.set(k, v)
    return out
  }
  for (const [k, v] of Object.entries(isObject(o.value.data) ? o.value.data : {}))
    if (typeof v === 'string') out.set(k, v)
  return out
}

/**
 * The variables of a Flux Kustomization: `substituteFrom` in order, then `substitute` over them. A source the
 * repository does not hold (or holds encrypted, or more than once with different values) makes the set incomplete.
 */
function variablesOf(
  postBuild: Record<string, unknown>,
  namespace: string | undefined,
  objects: readonly RenderedObject[]
): Variables {
  const values = new Map<string, string>()
  let complete = true
  const put = (k: string, v: string) => {
    // A value with an expression of its own is filled by another substitution this build does not make.
    if (v.includes('${')) {
      values.delete(k)
      complete = false
    } else values.set(k, v.replace(/\n/g, ''))
  }
  const from = Array.isArray(postBuild.substituteFrom) ? postBuild.substituteFrom : []
  for (const ref of from) {
    const kind = isObject(ref) ? str(ref.kind) : undefined
    const name = isObject(ref) ? str(ref.name) : undefined
    const candidates = objects.filter(
      o =>
        kindOf(o.value) === kind &&
        groupOf(o.value) === '' &&
        nameOf(o.value) === name &&
        (namespace === undefined || (namespaceOf(o.value) ?? namespace) === namespace)
    )
    const data = candidates.map(dataOf)
    const first = data[0]
    if (first === undefined || data.some(d => d === undefined || !isDeepStrictEqual(d, first))) {
      complete = false
      continue
    }
    for (const [k, v] of first) put(k, v)
  }
  const literal = isObject(postBuild.substitute) ? postBuild.substitute : {}
  for (const [k, v] of Object.entries(literal)) {
    if (typeof v === 'string') put(k, v)
    else complete = false
  }
  return { values, complete }
}

/**
 * The Flux Kustomizations among `objects` that build this repository, each once. A sourceRef names this
 * repository when it is the source of a Kustomization that applies its own file (what `flux bootstrap` writes);
 * without one in the repository, any Git, OCI or Bucket source whose `spec.path` is a directory of the repository
 * (other than the root, which every repository has) is taken as this one.
 */
export function fluxBuilds(
  objects: readonly RenderedObject[],
  isDirectory: (dir: string) => boolean
): FluxBuild[] {
  const candidates: { o: RenderedObject; spec: Record<string, unknown>; dir: string; source: string }[] = []
  for (const o of objects) {
    if (!isFluxKustomization(o) || !o.trace.origin) continue
    const spec = isObject(o.value.spec) ? o.value.spec : undefined
    const path = spec ? (str(spec.path) ?? '') : undefined
    if (!spec || path === undefined || path.includes('${')) continue
    const ref = isObject(spec.sourceRef) ? spec.sourceRef : {}
    const kind = str(ref.kind)
    if (
      !kind ||
      !SOURCE_KINDS.has(kind) ||
      (str(ref.apiVersion) && !str(ref.apiVersion)!.startsWith(SOURCE_GROUP))
    )
      continue
    const dir = joinPath('', path.replace(/^\/+/, ''))
    if (dir.startsWith('..') || !isDirectory(dir)) continue
    const ns = namespaceOf(o.value)
    candidates.push({
      o,
      spec,
      dir,
      source: `${kind}/${str(ref.namespace) ?? ns ?? ''}/${str(ref.name) ?? ''}`
    })
  }
  const within = (file: string, dir: string) => dir === '' || file.startsWith(`${dir}/`)
  const own = new Set(candidates.filter(c => within(c.o.trace.origin!.doc.file, c.dir)).map(c => c.source))
  const seen = new Set<string>()
  const out: FluxBuild[] = []
  for (const c of candidates) {
    if (own.size > 0 ? !own.has(c.source) : c.dir === '') continue
    const ns = namespaceOf(c.o.value)
    const key = JSON.stringify([ns, nameOf(c.o.value), c.spec])
    if (seen.has(key)) continue
    seen.add(key)
    const origin = c.o.trace.origin!
    const postBuild = isObject(c.spec.postBuild) ? c.spec.postBuild : undefined
    const vars = postBuild ? variablesOf(postBuild, ns, objects) : undefined
    const always = postBuild?.substituteStrategy === 'Always'
    out.push({
      name: `${ns ? `${ns}/` : ''}${nameOf(c.o.value)}`,
      file: origin.doc.file,
      dir: c.dir,
      overlay: specDocument(origin.doc, origin.path, c.spec),
      ...(vars && (vars.values.size > 0 || always) ? { vars } : {}),
      key: JSON.stringify([key, origin.doc.file, vars ? [...vars.values] : [], vars?.complete])
    })
  }
  return out
}
