import {
  embeddedOffset,
  positionOf,
  tryParseDocuments,
  type YamlDocument,
  type YamlPath
} from '../yaml/documents.js'
import { noteAt, type KustomizationContext } from './context.js'
import { joinPath } from './files.js'
import { applyJsonPatch, deepClone, JsonPatchError } from './json-patch.js'
import {
  cloneRendered,
  describeObject,
  groupOf,
  kindOf,
  nameOf,
  namespaceOf,
  writable,
  type KubeObject,
  type RenderedObject
} from './resource.js'
import { selectTargets, type TargetSelector } from './select.js'
import { applyStrategicMerge } from './strategic-merge.js'
import type { Origin } from './trace.js'
import { isObject } from '../yaml/values.js'

/** A patch's documents and where their content is written: a patch file, or a block in the kustomization. */
interface PatchSource {
  documents: readonly YamlDocument[]
  origin(doc: YamlDocument, path: YamlPath): Origin
  /** For messages: `infrastructure/staging/patch.yaml`, or `the inline patch at patches.0.patch in <file>`. */
  name: string
}

function loadPatch(
  ctx: KustomizationContext,
  declaredAt: YamlPath,
  ref: { path?: unknown; inline?: unknown; inlineAt: YamlPath }
): PatchSource | undefined {
  if (typeof ref.path === 'string') {
    const file = joinPath(ctx.dir, ref.path)
    if (!ctx.files.hasFile(file)) {
      const absent = ctx.files.absence(file)
      noteAt(
        ctx,
        'error',
        'kustomize/missing-file',
        declaredAt,
        `${ctx.file} patches with ${file}${absent.text}`,
        absent.hint
      )
      return undefined
    }
    const { documents, error } = ctx.files.documents(file)
    if (error) ctx.findings.push(error)
    return { documents, origin: (doc, path) => ({ doc, path }), name: file }
  }
  if (typeof ref.inline === 'string') {
    const { lineOffset, exact } = embeddedOffset(ctx.doc, ref.inlineAt)
    const { documents, error } = tryParseDocuments(ref.inline, ctx.file, exact ? lineOffset : 0)
    if (error) {
      noteAt(
        ctx,
        'error',
        'yaml/parse',
        ref.inlineAt,
        `the inline patch in ${ctx.file} does not parse: ${error.message}`
      )
      return undefined
    }
    if (exact && documents.length === 1) documents[0] = withFileIndentation(ctx.doc, documents[0], lineOffset)
    // A quoted or folded patch has no line-for-line mapping into the file: its fields point at the `patch:` key.
    const origin = exact
      ? (doc: YamlDocument, path: YamlPath): Origin => ({ doc, path })
      : (): Origin => ({ doc: ctx.doc, path: ref.inlineAt })
    return {
      documents,
      origin,
      name: `the inline patch at ${ref.inlineAt.join('.')} in ${ctx.file}`
    }
  }
  noteAt(ctx, 'error', 'kustomize/invalid', declaredAt, `a patch in ${ctx.file} has neither path nor patch`)
  return undefined
}

/**
 * An inline patch whose text is the block's lines as they stand in the file (indented), so that positions inside it
 * have the file's columns as well as its lines. Kept as parsed when the lines do not correspond.
 */
function withFileIndentation(host: YamlDocument, patch: YamlDocument, lineOffset: number): YamlDocument {
  const hostLines = host.text.split('\n')
  const patchLines = patch.text.replace(/\n+$/, '').split('\n')
  const first = lineOffset - host.startLine + 1
  const raw = hostLines.slice(first, first + patchLines.length)
  const corresponds =
    raw.length === patchLines.length &&
    raw.every((l, i) => l.trim() === patchLines[i].trim() && l.endsWith(patchLines[i]))
  return corresponds ? { ...patch, text: raw.join('\n') } : patch
}

/** Applies one strategic-merge patch document to `targets`; returns the objects that remain. */
function applySmp(
  ctx: KustomizationContext,
  objects: RenderedObject[],
  targets: RenderedObject[],
  source: PatchSource,
  doc: YamlDocument
): RenderedObject[] {
  const patch = deepClone(doc.value) as KubeObject
  // The patch's own identity only selects its target; it never renames it.
  delete patch.apiVersion
  delete patch.kind
  if (isObject(patch.metadata)) {
    const meta = { ...patch.metadata }
    delete meta.name
    delete meta.namespace
    patch.metadata = meta
    if (Object.keys(meta).length === 0) delete patch.metadata
  }
  const removed = new Set<RenderedObject>()
  for (const target of targets) {
    const kept = applyStrategicMerge(writable(target), target.trace, patch, source.origin(doc, []))
    if (!kept) removed.add(target)
  }
  return removed.size === 0 ? objects : objects.filter(o => !removed.has(o))
}

/** Applies a JSON6902 list to each target; a target it does not apply to is left as it was, with an error. */
function applyJson6902(
  ctx: KustomizationContext,
  targets: RenderedObject[],
  source: PatchSource,
  doc: YamlDocument
): void {
  const operations = doc.value as unknown[]
  for (const o of targets) {
    const attempt = cloneRendered(o)
    try {
      o.value = applyJsonPatch(writable(attempt), attempt.trace, operations, i =>
        source.origin(doc, [i, 'value'])
      ) as KubeObject
      o.trace = attempt.trace
      o.shared = false
    } catch (e) {
      if (!(e instanceof JsonPatchError)) throw e
      const origin = source.origin(doc, [e.index, e.field])
      const { line, column } = positionOf(origin.doc, origin.path)
      ctx.findings.push({
        severity: 'error',
        rule: 'kustomize/patch-failed',
        file: origin.doc.file,
        line,
        column,
        message: `${source.name} does not apply to ${describeObject(o.value)}: ${e.message}`,
        hint: 'kustomize build fails on this patch; fix the operation or the path it points at.'
      })
    }
  }
}

/** The objects a strategic-merge patch without `target` names by its own kind, name and namespace. */
function targetsByIdentity(objects: readonly RenderedObject[], patch: KubeObject): RenderedObject[] {
  const kind = kindOf(patch)
  const group = groupOf(patch)
  const name = nameOf(patch)
  const ns = namespaceOf(patch)
  const candidates = objects.filter(
    o =>
      kindOf(o.value) === kind &&
      groupOf(o.value) === group &&
      (nameOf(o.value) === name || o.originalName === name || o.previousNames.includes(name))
  )
  const inNamespace = candidates.filter(
    o =>
      (namespaceOf(o.value) ?? 'default') === (ns ?? 'default') ||
      (o.originalNamespace ?? 'default') === (ns ?? 'default')
  )
  // kustomize compares an unset namespace as `default`; a patch that leaves it out of a namespaced base object still
  // finds its one candidate here rather than failing on a difference that is only in how the patch was written.
  return inNamespace.length > 0 ? inNamespace : candidates.length === 1 ? candidates : []
}

function parseTarget(ctx: KustomizationContext, raw: unknown, at: YamlPath): TargetSelector | undefined {
  if (!isObject(raw)) {
    noteAt(ctx, 'error', 'kustomize/invalid', at, `the patch target in ${ctx.file} must be a map`)
    return undefined
  }
  const s: TargetSelector = {}
  for (const k of [
    'group',
    'version',
    'kind',
    'name',
    'namespace',
    'labelSelector',
    'annotationSelector'
  ] as const)
    if (typeof raw[k] === 'string') s[k] = raw[k] as string
  return s
}

function select(
  ctx: KustomizationContext,
  objects: RenderedObject[],
  s: TargetSelector,
  at: YamlPath
): RenderedObject[] {
  try {
    return selectTargets(objects, s)
  } catch (e) {
    noteAt(
      ctx,
      'error',
      'kustomize/invalid',
      at,
      `the patch target in ${ctx.file} is not a valid pattern: ${(e as Error).message}`
    )
    return []
  }
}

function noTarget(ctx: KustomizationContext, at: YamlPath, source: PatchSource, what: string): void {
  noteAt(
    ctx,
    'warning',
    'kustomize/patch-no-target',
    at,
    `${source.name} matches no object (${what}) in ${ctx.file}`,
    'Check the target kind, name and namespace: kustomize either fails or silently skips a patch that matches nothing.'
  )
}

const describeSelector = (s: TargetSelector): string =>
  Object.entries(s)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')

/** `patchesStrategicMerge:` — patch files, or inline patches as strings. */
export function applyPatchesStrategicMerge(
  ctx: KustomizationContext,
  objects: RenderedObject[]
): RenderedObject[] {
  const list = ctx.spec.patchesStrategicMerge
  if (!Array.isArray(list)) return objects
  let result = objects
  list.forEach((entry, i) => {
    const at: YamlPath = ['patchesStrategicMerge', i]
    const inline = typeof entry === 'string' && entry.includes('\n')
    const source = loadPatch(
      ctx,
      at,
      inline ? { inline: entry, inlineAt: at } : { path: entry, inlineAt: at }
    )
    if (!source) return
    for (const doc of source.documents) {
      if (!isObject(doc.value)) continue
      const targets = targetsByIdentity(result, doc.value)
      if (targets.length === 0) {
        noTarget(ctx, at, source, `${kindOf(doc.value)} ${nameOf(doc.value)}`)
        continue
      }
      result = applySmp(ctx, result, targets, source, doc)
    }
  })
  return result
}

/** `patches:` — each a JSON6902 list or a strategic merge, from `path` or inline `patch`, with an optional target. */
export function applyPatches(ctx: KustomizationContext, objects: RenderedObject[]): RenderedObject[] {
  const list = ctx.spec.patches
  if (!Array.isArray(list)) return objects
  let result = objects
  list.forEach((entry, i) => {
    const at: YamlPath = ['patches', i]
    if (!isObject(entry)) {
      noteAt(ctx, 'error', 'kustomize/invalid', at, `patches entry ${i} in ${ctx.file} must be a map`)
      return
    }
    const source = loadPatch(ctx, at, { path: entry.path, inline: entry.patch, inlineAt: [...at, 'patch'] })
    if (!source) return
    const selector =
      entry.target === undefined ? undefined : parseTarget(ctx, entry.target, [...at, 'target'])
    if (entry.target !== undefined && !selector) return
    for (const doc of source.documents) {
      if (doc.value === null) continue
      if (Array.isArray(doc.value)) {
        if (!selector) {
          noteAt(
            ctx,
            'error',
            'kustomize/invalid',
            at,
            `the JSON6902 patch ${source.name} has no target in ${ctx.file}`
          )
          continue
        }
        const targets = select(ctx, result, selector, [...at, 'target'])
        if (targets.length === 0) noTarget(ctx, [...at, 'target'], source, describeSelector(selector))
        else applyJson6902(ctx, targets, source, doc)
      } else if (isObject(doc.value)) {
        const targets = selector
          ? select(ctx, result, selector, [...at, 'target'])
          : targetsByIdentity(result, doc.value)
        if (targets.length === 0)
          noTarget(
            ctx,
            selector ? [...at, 'target'] : at,
            source,
            selector ? describeSelector(selector) : `${kindOf(doc.value)} ${nameOf(doc.value)}`
          )
        else result = applySmp(ctx, result, targets, source, doc)
      }
    }
  })
  return result
}

/** `patchesJson6902:` — the legacy form with a required target; patches objects in place. */
export function applyPatchesJson6902(ctx: KustomizationContext, objects: RenderedObject[]): void {
  const list = ctx.spec.patchesJson6902
  if (!Array.isArray(list)) return
  list.forEach((entry, i) => {
    const at: YamlPath = ['patchesJson6902', i]
    if (!isObject(entry)) {
      noteAt(ctx, 'error', 'kustomize/invalid', at, `patchesJson6902 entry ${i} in ${ctx.file} must be a map`)
      return
    }
    const selector = parseTarget(ctx, entry.target, [...at, 'target'])
    if (!selector) return
    const source = loadPatch(ctx, at, { path: entry.path, inline: entry.patch, inlineAt: [...at, 'patch'] })
    if (!source) return
    const targets = select(ctx, objects, selector, [...at, 'target'])
    if (targets.length === 0) {
      noTarget(ctx, [...at, 'target'], source, describeSelector(selector))
      return
    }
    for (const doc of source.documents) {
      if (doc.value === null) continue
      if (!Array.isArray(doc.value)) {
        noteAt(ctx, 'error', 'kustomize/invalid', at, `${source.name} is not a list of JSON6902 operations`)
        continue
      }
      applyJson6902(ctx, targets, source, doc)
    }
  })
}
