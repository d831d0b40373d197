import * as posix from 'node:path/posix'
import type { YamlPath } from '../yaml/documents.js'
import { noteAt, type KustomizationContext } from './context.js'
import { joinPath } from './files.js'
import { kindOf, metadataOf, nameOf, namespaceOf, type RenderedObject } from './resource.js'
import { cloneTrace, setTrace, traceOf, type Trace } from './trace.js'
import { isObject } from '../yaml/values.js'

/**
 * `configMapGenerator` and `secretGenerator`: literals, files and env files become a ConfigMap or Secret whose name
 * gets kustomize's content hash at the end of the build, unless `disableNameSuffixHash` says otherwise.
 * `behavior: merge | replace` changes a ConfigMap or Secret an included base generated.
 */
export function runGenerators(ctx: KustomizationContext, objects: RenderedObject[]): RenderedObject[] {
  let result = objects
  for (const [field, kind] of [
    ['configMapGenerator', 'ConfigMap'],
    ['secretGenerator', 'Secret']
  ] as const) {
    const list = ctx.spec[field]
    if (list === undefined || list === null) continue
    if (!Array.isArray(list)) {
      noteAt(ctx, 'error', 'kustomize/invalid', [field], `${field} in ${ctx.file} must be a list`)
      continue
    }
    list.forEach((args, i) => {
      if (args === null || typeof args !== 'object' || Array.isArray(args)) {
        noteAt(
          ctx,
          'error',
          'kustomize/invalid',
          [field, i],
          `${field} entry ${i} in ${ctx.file} must be a map`
        )
        return
      }
      result = generateOne(ctx, kind, field, i, args as Record<string, unknown>, result)
    })
  }
  return result
}

interface GeneratorOptions {
  labels?: Record<string, string>
  annotations?: Record<string, string>
  disableNameSuffixHash?: boolean
  immutable?: boolean
}

const asOptions = (v: unknown): GeneratorOptions => (isObject(v) ? (v as GeneratorOptions) : {})

/** Strips one pair of matching quotes around a literal value, as kustomize does for `key="value"`. */
function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0])
    return value.slice(1, -1)
  return value
}

function generateOne(
  ctx: KustomizationContext,
  kind: 'ConfigMap' | 'Secret',
  field: 'configMapGenerator' | 'secretGenerator',
  i: number,
  args: Record<string, unknown>,
  objects: RenderedObject[]
): RenderedObject[] {
  const at = (...rest: (string | number)[]): YamlPath => [field, i, ...rest]
  const name = args.name
  if (typeof name !== 'string' || name === '') {
    noteAt(ctx, 'error', 'kustomize/invalid', at(), `${field} entry ${i} in ${ctx.file} has no name`)
    return objects
  }
  const data: Record<string, string> = {}
  const dataOrigins = new Map<string, YamlPath>()
  const put = (key: string, value: string, path: YamlPath) => {
    data[key] = value
    dataOrigins.set(key, path)
  }

  const listOf = (key: string): unknown[] => (Array.isArray(args[key]) ? (args[key] as unknown[]) : [])
  listOf('literals').forEach((literal, j) => {
    const text = String(literal)
    const eq = text.indexOf('=')
    if (eq <= 0) {
      noteAt(
        ctx,
        'error',
        'kustomize/invalid',
        at('literals', j),
        `literal "${text}" in ${ctx.file} is not key=value`
      )
      return
    }
    put(text.slice(0, eq), unquote(text.slice(eq + 1)), at('literals', j))
  })
  /** A file the generator reads; undefined, with the error said at its entry, when it is not there. */
  const input = (path: string, entry: YamlPath): string | undefined => {
    const content = ctx.files.text(path)
    if (content === undefined) {
      const absent = ctx.files.absence(path)
      noteAt(
        ctx,
        'error',
        'kustomize/missing-file',
        entry,
        `${field} ${name} in ${ctx.file} reads ${path}${absent.text}`,
        absent.hint
      )
    }
    return content
  }
  listOf('files').forEach((entry, j) => {
    const text = String(entry)
    const eq = text.indexOf('=')
    const key = eq > 0 ? text.slice(0, eq) : posix.basename(text)
    const path = joinPath(ctx.dir, eq > 0 ? text.slice(eq + 1) : text)
    const content = input(path, at('files', j))
    if (content !== undefined) put(key, content, at('files', j))
  })
  const envFiles: { entry: unknown; path: YamlPath }[] = [
    ...listOf('envs').map((entry, j) => ({ entry, path: at('envs', j) })),
    ...(typeof args.env === 'string' ? [{ entry: args.env, path: at('env') }] : [])
  ]
  for (const { entry, path: entryPath } of envFiles) {
    const path = joinPath(ctx.dir, String(entry))
    const content = input(path, entryPath)
    if (content === undefined) continue
    for (const raw of content.split(/\r?\n/)) {
      const line = raw.trim()
      if (line === '' || line.startsWith('#')) continue
      const eq = line.indexOf('=')
      if (eq < 0) {
        // kustomize takes such a key's value from its own environment, which a validator cannot know.
        noteAt(
          ctx,
          'notice',
          'kustomize/unsupported',
          entryPath,
          `${path}: "${line}" takes its value from the environment of kustomize; left out`
        )
        continue
      }
      put(line.slice(0, eq), line.slice(eq + 1), entryPath)
    }
  }

  const options = { ...asOptions(ctx.spec.generatorOptions), ...asOptions(args.options) }
  const labels = { ...asOptions(ctx.spec.generatorOptions).labels, ...asOptions(args.options).labels }
  const annotations = {
    ...asOptions(ctx.spec.generatorOptions).annotations,
    ...asOptions(args.options).annotations
  }
  const namespace = typeof args.namespace === 'string' && args.namespace !== '' ? args.namespace : undefined
  const metadata: Record<string, unknown> = { name, ...(namespace ? { namespace } : {}) }
  if (Object.keys(labels).length > 0) metadata.labels = labels
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations
  const value: Record<string, unknown> = { apiVersion: 'v1', kind, metadata }
  if (kind === 'Secret') {
    value.type = typeof args.type === 'string' ? args.type : 'Opaque'
    value.data = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])
    )
  } else {
    value.data = data
  }
  if (options.immutable === true) value.immutable = true

  const trace: Trace = traceOf({ doc: ctx.doc, path: at() })
  setTrace(trace, ['metadata', 'name'], [value, metadata], traceOf({ doc: ctx.doc, path: at('name') }))
  for (const [key, path] of dataOrigins)
    setTrace(trace, ['data', key], [value, value.data], traceOf({ doc: ctx.doc, path }))

  const behavior = typeof args.behavior === 'string' ? args.behavior : 'create'
  const sameId = (o: RenderedObject) =>
    kindOf(o.value) === kind &&
    (o.originalName === name || nameOf(o.value) === name) &&
    (namespace === undefined || namespaceOf(o.value) === namespace || o.originalNamespace === namespace)
  const existing = objects.filter(sameId)

  if (behavior === 'create') {
    if (existing.length > 0) {
      noteAt(
        ctx,
        'error',
        'kustomize/duplicate-id',
        at('name'),
        `${field} ${name} in ${ctx.file} creates a ${kind} that an included resource already defines`,
        'Use `behavior: merge` or `behavior: replace` to change an inherited one.'
      )
      return objects
    }
    const generated: RenderedObject = {
      value,
      trace,
      source: { file: ctx.file, index: ctx.doc.index },
      originalName: name,
      ...(namespace ? { originalNamespace: namespace } : {}),
      previousNames: [],
      hashSuffix: options.disableNameSuffixHash !== true
    }
    return [...objects, generated]
  }
  if (behavior !== 'merge' && behavior !== 'replace') {
    noteAt(
      ctx,
      'error',
      'kustomize/invalid',
      at('behavior'),
      `behavior "${behavior}" in ${ctx.file} is not create, merge or replace`
    )
    return objects
  }
  if (existing.length !== 1) {
    noteAt(
      ctx,
      'error',
      'kustomize/missing-target',
      at('behavior'),
      existing.length === 0
        ? `${field} ${name} in ${ctx.file} has behavior ${behavior}, but no included resource is a ${kind} named ${name}`
        : `${field} ${name} in ${ctx.file} matches ${existing.length} ${kind}s`
    )
    return objects
  }
  const old = existing[0]
  const merged: RenderedObject = { ...old, hashSuffix: options.disableNameSuffixHash !== true }
  const oldMeta = metadataOf(old.value)
  const newMeta: Record<string, unknown> = {
    ...oldMeta,
    labels: { ...(oldMeta.labels as object), ...labels },
    annotations: { ...(oldMeta.annotations as object), ...annotations }
  }
  if (Object.keys(newMeta.labels as object).length === 0) delete newMeta.labels
  if (Object.keys(newMeta.annotations as object).length === 0) delete newMeta.annotations
  const oldData = (old.value.data ?? {}) as Record<string, unknown>
  merged.value = {
    ...old.value,
    metadata: newMeta,
    data: behavior === 'merge' ? { ...oldData, ...(value.data as object) } : value.data,
    ...(kind === 'Secret' ? { type: value.type } : {})
  }
  merged.trace = cloneTrace(old.trace)
  if (behavior === 'replace') {
    setTrace(merged.trace, ['data'], [merged.value], traceOf({ doc: ctx.doc, path: at() }))
  }
  for (const [key, path] of dataOrigins)
    setTrace(merged.trace, ['data', key], [merged.value, merged.value.data], traceOf({ doc: ctx.doc, path }))
  return objects.map(o => (o === old ? merged : o))
}
