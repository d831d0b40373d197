import * as posix from 'node:path/posix'
import { dedupeFindings, type Finding } from '../errors.js'
import type { YamlDocument, YamlPath } from '../yaml/documents.js'
import { isYamlPath } from '../workspace/paths.js'
import { noteAt, type KustomizationContext } from './context.js'
import {
  FileIndex,
  isOutsideRepository,
  isRemoteReference,
  joinPath,
  type RepositoryFiles,
  type UnreadReason
} from './files.js'
import { runGenerators } from './generators.js'
import { generatedNameHash } from './hash.js'
import {
  builtinNameReferences,
  fixNameReferences,
  loadNameReferences,
  type NameReference
} from './name-reference.js'
import { applyPatches, applyPatchesJson6902, applyPatchesStrategicMerge } from './patches.js'
import {
  cloneRendered,
  describeObject,
  kindOf,
  metadataOf,
  nameOf,
  namespaceOf,
  type KubeObject,
  writable,
  type RenderedObject
} from './resource.js'
import { applyLabelsAndAnnotations, applyNamePrefixSuffix, applyNamespace } from './transformers.js'
import { fluxBuilds, generatedResources, isFluxKustomization, type FluxBuild } from './flux.js'
import { substituteObject } from './substitute.js'
import { isObject } from '../yaml/values.js'
import { pushAll } from '../arrays.js'

export type { RenderedObject } from './resource.js'
export type { RepositoryFiles } from './files.js'
export type { FluxBuild } from './flux.js'

/** What `kustomize build <dir>` gives for one kustomization, as far as this renderer can tell. */
export interface KustomizationRender {
  /** The kustomization directory, repository-relative (`''` is the root). */
  dir: string
  /** The kustomization file in it. */
  file: string
  objects: RenderedObject[]
  /** Problems of this kustomization and of everything it includes: build errors, and notices for what is skipped. */
  findings: Finding[]
  /**
   * False when the build uses something this renderer does not apply and that may add, remove or rename objects
   * (remote bases, components, helm charts, generator or transformer plugins, replacements): absence of an object
   * in `objects` then proves nothing.
   */
  complete: boolean
  /** What made the render incomplete, for messages: `components is not applied`. */
  incompleteReason?: string
  /**
   * Set when this is what a Flux `Kustomization` applies (its settings over `dir`, variables substituted). `file`
   * is then the kustomization file of `dir`, or the Flux Kustomization's when `dir` has none.
   */
  flux?: FluxBuild
}

export interface RepositoryRender {
  /** Every kustomization in the repository, by directory. */
  kustomizations: KustomizationRender[]
  /**
   * The kustomizations that something applies on its own: what each Flux `Kustomization` of the repository builds
   * (see `fluxBuilds`), then the kustomizations no other kustomization and no Flux build includes. A base that only
   * overlays include is not a root.
   */
  roots: KustomizationRender[]
  /** Objects in YAML files that no kustomization includes and that do not sit next to a kustomization file. */
  plainObjects: RenderedObject[]
  /** Every finding of every kustomization, once, plus files that do not parse. */
  findings: Finding[]
}

/** Rounds of Flux builds: a Kustomization applied by one applied by one ... this deep. */
const MAX_FLUX_ROUNDS = 6

/** Fields this renderer does not apply, and whether they can change which objects exist or what they are called. */
const unsupportedFields: Readonly<Record<string, boolean>> = {
  generators: true,
  transformers: true,
  helmCharts: true,
  helmChartInflationGenerator: true,
  helmGlobals: true,
  replacements: true,
  vars: true,
  images: false,
  replicas: false,
  validators: false,
  crds: false,
  openapi: false
}

const knownFields = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'configurations',
  'sortOptions',
  'buildMetadata',
  'components',
  ...Object.keys(unsupportedFields)
])

interface Accumulated {
  objects: RenderedObject[]
  nameReferences: NameReference[]
  findings: Finding[]
  /** Set when the render may lack objects; see `KustomizationRender.complete`. */
  incomplete?: string
}

/**
 * The objects a parsed document holds: itself, or the items of a `List`. They share the parsed value: an object a
 * kustomization transforms is copied when it first changes (see `writable`), and the others never are.
 */
function objectsOfDocument(doc: YamlDocument): RenderedObject[] {
  const value = doc.value
  if (!isObject(value)) return []
  const make = (v: KubeObject, path: YamlPath): RenderedObject | undefined =>
    typeof v.kind === 'string' && nameOf(v) !== ''
      ? {
          value: v,
          shared: true,
          trace: { origin: { doc, path } },
          source: { file: doc.file, index: doc.index },
          originalName: nameOf(v),
          ...(namespaceOf(v) ? { originalNamespace: namespaceOf(v) } : {}),
          previousNames: []
        }
      : undefined
  if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    return value.items
      .flatMap((item, i) => (isObject(item) ? [make(item, ['items', i])] : []))
      .filter(o => o !== undefined)
  }
  const one = make(value, [])
  return one ? [one] : []
}

/**
 * Renders kustomizations the way `kustomize build` does for what fleet repositories use. Each directory is
 * accumulated once and shared by every overlay that includes it; the end-of-build steps (hash suffixes of generated
 * names, then name references) run per build, on copies.
 */
export class KustomizeRenderer {
  private readonly index: FileIndex
  private readonly accumulated = new Map<string, Accumulated>()
  private readonly claimed = new Set<string>()
  private readonly included = new Set<string>()
  /** The directories each kustomization includes directly (resources and components). */
  private readonly includes = new Map<string, Set<string>>()
  /** Files that are no manifests (Helm charts): a generated kustomization does not list them. */
  private skip: (file: string) => boolean = () => false

  /** `unread`: files the repository reader left out, and why (so a finding says that, not "does not exist"). */
  constructor(files: RepositoryFiles, unread?: ReadonlyMap<string, UnreadReason>) {
    this.index = new FileIndex(files, unread)
  }

  /** `kustomize build <dir>`. */
  build(dir: string): KustomizationRender | undefined {
    const files = this.index.kustomizationIn(dir)
    if (files.length === 0) return undefined
    return this.finish(dir, files[0], this.accumulate(dir, []))
  }

  /**
   * What kustomize-controller builds for one Flux Kustomization: its settings over `dir` (see `FluxBuild`), its
   * variables substituted in the output.
   */
  buildFlux(flux: FluxBuild): KustomizationRender {
    const file = this.index.kustomizationIn(flux.dir)[0] ?? flux.file
    const render = this.finish(flux.dir, file, this.accumulateUncached(flux.dir, [], [], flux))
    if (flux.vars) for (const o of render.objects) substituteObject(o, flux.vars)
    return { ...render, flux }
  }

  /** The end of a build, on copies: hash suffixes of generated names, then name references. */
  private finish(dir: string, file: string, acc: Accumulated): KustomizationRender {
    const objects = acc.objects.map(cloneRendered)
    for (const o of objects) {
      if (!o.hashSuffix) continue
      const meta = metadataOf(writable(o))
      o.previousNames.push(String(meta.name))
      meta.name = `${String(meta.name)}-${generatedNameHash(o.value)}`
    }
    fixNameReferences(objects, [...builtinNameReferences, ...acc.nameReferences])
    return {
      dir,
      file,
      objects,
      findings: dedupeFindings(acc.findings),
      complete: acc.incomplete === undefined,
      ...(acc.incomplete ? { incompleteReason: acc.incomplete } : {})
    }
  }

  /** Every kustomization of the repository, the roots among them, and the objects outside any of them. */
  renderRepository(skip: (file: string) => boolean = () => false): RepositoryRender {
    this.skip = skip
    const dirs = [...this.index.files.keys()]
      .filter(p => /(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(p))
      .map(p => posix.dirname(p))
      .map(d => (d === '.' ? '' : d))
    const unique = [...new Set(dirs)].sort()
    const kustomizations: KustomizationRender[] = []
    const findings: Finding[] = []
    for (const dir of unique) {
      // A Component is built only as part of the kustomizations that use it: alone, its patches have no targets.
      if (this.isComponent(dir)) continue
      const render = this.build(dir)
      if (!render) continue
      kustomizations.push(render)
      pushAll(findings, render.findings)
    }

    const kustomizationDirs = new Set([
      ...kustomizations.map(k => k.dir),
      ...unique.filter(d => this.isComponent(d))
    ])
    const plainObjects: RenderedObject[] = []
    for (const file of this.index.files.keys()) {
      if (!isYamlPath(file) || this.claimed.has(file)) continue
      const dir = posix.dirname(file) === '.' ? '' : posix.dirname(file)
      if (kustomizationDirs.has(dir)) continue
      const { documents, error } = this.index.documents(file)
      if (error) findings.push(error)
      for (const doc of documents) pushAll(plainObjects, objectsOfDocument(doc))
    }

    const fluxPaths = new Set<string>()
    for (const o of [...plainObjects, ...kustomizations.flatMap(k => k.objects)]) {
      if (!isFluxKustomization(o)) continue
      const spec = o.value.spec
      if (isObject(spec) && typeof spec.path === 'string') fluxPaths.add(joinPath('', spec.path))
    }
    const plainRoots = kustomizations.filter(
      k => !this.isComponent(k.dir) && (!this.included.has(k.dir) || fluxPaths.has(k.dir))
    )
    const { builds, renders: fluxRenders } = this.buildAllFlux([
      ...plainObjects,
      ...plainRoots.flatMap(k => k.objects)
    ])
    for (const r of fluxRenders) pushAll(findings, r.findings)
    // What a Flux build includes is checked as that build renders it, not again on its own.
    const covered = this.closure(builds.map(b => b.dir))
    const roots = [...fluxRenders, ...plainRoots.filter(k => !covered.has(k.dir))]
    return { kustomizations, roots, plainObjects, findings: dedupeFindings(findings) }
  }

  /**
   * Every Flux build, with each Flux Kustomization as the build that applies it renders it (a parent's
   * `targetNamespace`, patches and variables): the Kustomizations of the plain render first, then, round by
   * round, those the Flux builds print, until nothing changes (bounded: a chain deeper than this is rare).
   */
  private buildAllFlux(plain: readonly RenderedObject[]): {
    builds: FluxBuild[]
    renders: KustomizationRender[]
  } {
    const cache = new Map<string, KustomizationRender>()
    const originKey = (o: RenderedObject) =>
      o.trace.origin
        ? `${o.trace.origin.doc.file}#${o.trace.origin.doc.index}#${o.trace.origin.path.join('/')}`
        : ''
    const build = (b: FluxBuild): KustomizationRender => {
      const known = cache.get(b.key)
      if (known) return known
      const render = this.buildFlux(b)
      cache.set(b.key, render)
      return render
    }
    // Only a build that prints Flux Kustomizations can change another: those are built round by round, the
    // others (most of them: the applications) once, at the end.
    const fluxFiles = plain
      .filter(isFluxKustomization)
      .flatMap(o => (o.trace.origin ? [o.trace.origin.doc.file] : []))
    const printsFlux = (b: FluxBuild): boolean =>
      this.index.kustomizationIn(b.dir).length > 0
        ? (this.accumulated.get(b.dir)?.objects.some(isFluxKustomization) ?? true)
        : fluxFiles.some(f => b.dir === '' || f.startsWith(`${b.dir}/`))
    let objects = plain
    let parents: FluxBuild[] = []
    for (let round = 0; round < MAX_FLUX_ROUNDS; round++) {
      const next = fluxBuilds(objects, d => this.index.isDirectory(d)).filter(printsFlux)
      const same = next.length === parents.length && next.every((b, i) => b.key === parents[i].key)
      if (same && round > 0) break
      parents = next
      const printed = parents.flatMap(b => build(b).objects)
      const replaced = new Set(printed.filter(isFluxKustomization).map(originKey))
      objects = [...plain.filter(o => !isFluxKustomization(o) || !replaced.has(originKey(o))), ...printed]
    }
    const builds = fluxBuilds(objects, d => this.index.isDirectory(d))
    return { builds, renders: builds.map(build) }
  }

  /** The directories `dirs` are and include, transitively (resources, components, generated lists). */
  private closure(dirs: readonly string[]): Set<string> {
    const out = new Set<string>()
    const queue = [...dirs]
    while (queue.length > 0) {
      const d = queue.pop()!
      if (out.has(d)) continue
      out.add(d)
      pushAll(queue, this.includes.get(d) ?? [])
    }
    return out
  }

  /**
   * A Flux Kustomization's spec as its build reads it: with `ignoreMissingComponents`, a component that is not
   * there is passed over (left as null, so that the others keep their positions).
   */
  private fluxSpec(dir: string, spec: Record<string, unknown>): Record<string, unknown> {
    if (spec.ignoreMissingComponents !== true || !Array.isArray(spec.components)) return spec
    const components = spec.components.map(c =>
      typeof c === 'string' && this.index.isDirectory(joinPath(dir, c)) ? c : null
    )
    return { ...spec, components }
  }

  private markIncluded(by: string, dir: string): void {
    this.included.add(dir)
    const set = this.includes.get(by) ?? new Set<string>()
    set.add(dir)
    this.includes.set(by, set)
  }

  private isComponent(dir: string): boolean {
    const file = this.index.kustomizationIn(dir)[0]
    const doc = file ? this.index.documents(file).documents[0] : undefined
    return isObject(doc?.value) && doc.value.kind === 'Component'
  }

  private accumulate(dir: string, stack: string[]): Accumulated {
    const cached = this.accumulated.get(dir)
    if (cached) return cached
    const result = this.accumulateUncached(dir, stack)
    this.accumulated.set(dir, result)
    return result
  }

  /**
   * One kustomization's resources, generators, patches and transformers. A Component starts from its parent's
   * objects (`base`) and transforms them along with its own, so it is accumulated anew for every parent.
   */
  private accumulateUncached(
    dir: string,
    stack: string[],
    base: RenderedObject[] = [],
    flux?: FluxBuild
  ): Accumulated {
    const candidates = this.index.kustomizationIn(dir)
    const findings: Finding[] = []
    let incomplete: string | undefined
    const markIncomplete = (reason: string) => {
      incomplete ??= reason
    }
    // What the Flux Kustomization adds is noted at its own lines.
    const fluxCtx: KustomizationContext | undefined = flux && {
      dir,
      file: flux.file,
      doc: flux.overlay,
      spec: this.fluxSpec(dir, flux.overlay.value as Record<string, unknown>),
      files: this.index,
      findings,
      markIncomplete
    }
    let ctx: KustomizationContext
    if (fluxCtx && candidates.length === 0) {
      // kustomize-controller generates the kustomization of a path that has none.
      ctx = {
        ...fluxCtx,
        spec: {
          resources: generatedResources(
            this.index.files.keys(),
            dir,
            d => this.index.kustomizationIn(d).length > 0,
            this.skip
          )
        }
      }
    } else {
      const file = candidates[0]
      for (const f of candidates) this.claimed.add(f)
      const { documents, error } = this.index.documents(file)
      if (error) findings.push(error)
      const doc = documents.find(d => d.value !== null)
      if (!doc || !isObject(doc.value)) {
        if (!error)
          findings.push({
            severity: 'error',
            rule: 'kustomize/invalid',
            file,
            line: 1,
            message: `${file} is not a kustomization (it holds no map)`
          })
        return { objects: [], nameReferences: [], findings, incomplete: `${file} could not be read` }
      }
      ctx = { dir, file, doc, spec: doc.value, files: this.index, findings, markIncomplete }
    }
    if (candidates.length > 1)
      noteAt(
        ctx,
        'error',
        'kustomize/multiple-kustomizations',
        [],
        `${dir || 'the repository root'} holds ${candidates.map(c => posix.basename(c)).join(' and ')}; kustomize refuses to choose`,
        'Keep one kustomization file per directory.'
      )

    for (const key of Object.keys(ctx.spec)) {
      if (key in unsupportedFields) {
        if (unsupportedFields[key])
          ctx.markIncomplete(`${ctx.file} uses ${key}, which this validator does not apply`)
        noteAt(
          ctx,
          'notice',
          'kustomize/unsupported',
          [key],
          `${ctx.file}: ${key} is not applied by this validator${
            unsupportedFields[key] ? '; objects it adds or renames are not checked' : ''
          }`,
          'Install kustomize (or kubectl) on the runner to check the output of the real build instead.'
        )
      } else if (!knownFields.has(key)) {
        noteAt(
          ctx,
          'notice',
          'kustomize/unknown-field',
          [key],
          `${ctx.file}: ${key} is not a kustomization field`
        )
      }
    }

    const nameReferences: NameReference[] = []
    let objects: RenderedObject[] = base
    for (const field of ['resources', 'bases'] as const) {
      const list = ctx.spec[field]
      if (list === undefined || list === null) continue
      if (!Array.isArray(list)) {
        noteAt(ctx, 'error', 'kustomize/invalid', [field], `${field} in ${ctx.file} must be a list`)
        continue
      }
      list.forEach((entry, i) => {
        const included = this.include(ctx, [...stack, dir], String(entry), [field, i])
        if (!included) {
          // What the entry would have added is unknown, so nothing can be concluded from its absence.
          ctx.markIncomplete(`${ctx.file} includes ${String(entry)}, which could not be rendered`)
          return
        }
        if (included.incomplete) ctx.markIncomplete(included.incomplete)
        pushAll(nameReferences, included.nameReferences)
        pushAll(findings, included.findings)
        for (const o of included.objects) {
          const clash = objects.find(
            x =>
              kindOf(x.value) === kindOf(o.value) &&
              nameOf(x.value) === nameOf(o.value) &&
              namespaceOf(x.value) === namespaceOf(o.value) &&
              String(x.value.apiVersion).split('/')[0] === String(o.value.apiVersion).split('/')[0]
          )
          if (clash) {
            noteAt(
              ctx,
              'error',
              'kustomize/duplicate-id',
              [field, i],
              `${describeObject(o.value)} from ${o.source.file} is already defined by ${clash.source.file}; kustomize build fails`,
              'Include each resource once: remove the duplicate or give one of them another name.'
            )
            continue
          }
          objects.push(o)
        }
      })
    }

    objects = this.applyComponents(ctx, [...stack, dir], objects, nameReferences)
    if (fluxCtx) objects = this.applyComponents(fluxCtx, [...stack, dir], objects, nameReferences)

    objects = runGenerators(ctx, objects)
    objects = applyPatchesStrategicMerge(ctx, objects)
    objects = applyPatches(ctx, objects)
    if (fluxCtx) objects = applyPatches(fluxCtx, objects)
    const fluxSpec = fluxCtx?.spec ?? {}
    // The generator replaces the kustomization's namespace and name affixes with the Flux Kustomization's.
    if (typeof fluxSpec.targetNamespace === 'string') applyNamespace(fluxCtx!, objects, 'targetNamespace')
    else applyNamespace(ctx, objects)
    applyNamePrefixSuffix(
      {
        ...ctx,
        spec: {
          ...ctx.spec,
          ...(typeof fluxSpec.namePrefix === 'string' ? { namePrefix: fluxSpec.namePrefix } : {}),
          ...(typeof fluxSpec.nameSuffix === 'string' ? { nameSuffix: fluxSpec.nameSuffix } : {})
        }
      },
      objects
    )
    applyLabelsAndAnnotations(ctx, objects)
    applyPatchesJson6902(ctx, objects)
    pushAll(
      nameReferences,
      loadNameReferences(ctx, f => this.claimed.add(f))
    )
    this.claimFileReferences(ctx)

    return { objects, nameReferences, findings, ...(incomplete ? { incomplete } : {}) }
  }

  /** `components:` in order, each transforming what the kustomization has accumulated so far. */
  private applyComponents(
    ctx: KustomizationContext,
    stack: string[],
    objects: RenderedObject[],
    nameReferences: NameReference[]
  ): RenderedObject[] {
    const list = ctx.spec.components
    if (list === undefined || list === null) return objects
    if (!Array.isArray(list)) {
      noteAt(ctx, 'error', 'kustomize/invalid', ['components'], `components in ${ctx.file} must be a list`)
      return objects
    }
    let current = objects
    list.forEach((entry, i) => {
      if (entry === null) return
      const at: YamlPath = ['components', i]
      const path = joinPath(ctx.dir, String(entry))
      const unusable = (reason: string, severity: 'notice' | 'error', message: string, hint?: string) => {
        ctx.markIncomplete(reason)
        noteAt(
          ctx,
          severity,
          severity === 'error' ? 'kustomize/missing-component' : 'kustomize/unsupported',
          at,
          message,
          hint
        )
      }
      if (isRemoteReference(String(entry)) || isOutsideRepository(path)) {
        unusable(
          `${ctx.file} uses the component ${String(entry)}, which is not in the repository`,
          'notice',
          `${ctx.file} uses the component ${String(entry)}, which is outside the repository and not read; what it adds or changes is not checked`
        )
        return
      }
      if (this.index.kustomizationIn(path).length === 0) {
        unusable(
          `${ctx.file} uses the component ${path}, which could not be rendered`,
          'error',
          `${ctx.file} uses the component ${path}, which has no kustomization.yaml; kustomize build fails`,
          'Fix the path (it is relative to the kustomization directory).'
        )
        return
      }
      if (stack.includes(path)) {
        unusable(
          `${ctx.file} uses ${path} in a cycle`,
          'error',
          `${ctx.file} uses the component ${path}, which includes it back`
        )
        return
      }
      this.markIncluded(ctx.dir, path)
      const sub = this.accumulateUncached(path, stack, current)
      if (sub.incomplete) ctx.markIncomplete(sub.incomplete)
      pushAll(nameReferences, sub.nameReferences)
      pushAll(ctx.findings, sub.findings)
      current = sub.objects
    })
    return current
  }

  /** Files a kustomization reads besides its resources, so that they are not taken for standalone manifests. */
  private claimFileReferences(ctx: KustomizationContext): void {
    const claim = (p: unknown) =>
      typeof p === 'string' && !p.includes('\n') && this.claimed.add(joinPath(ctx.dir, p))
    const list = (k: string): unknown[] => (Array.isArray(ctx.spec[k]) ? (ctx.spec[k] as unknown[]) : [])
    list('patchesStrategicMerge').forEach(claim)
    for (const k of ['patches', 'patchesJson6902']) list(k).forEach(e => isObject(e) && claim(e.path))
    for (const k of ['configMapGenerator', 'secretGenerator']) {
      for (const g of list(k)) {
        if (!isObject(g)) continue
        for (const f of [
          ...(Array.isArray(g.files) ? g.files : []),
          ...(Array.isArray(g.envs) ? g.envs : []),
          g.env
        ]) {
          if (typeof f === 'string') claim(f.includes('=') ? f.slice(f.indexOf('=') + 1) : f)
        }
      }
    }
  }

  /** One `resources` entry: a file, a directory with a kustomization, or something remote. */
  private include(
    ctx: KustomizationContext,
    stack: string[],
    entry: string,
    at: YamlPath
  ): Accumulated | undefined {
    if (isRemoteReference(entry)) {
      noteAt(
        ctx,
        'notice',
        'kustomize/unsupported',
        at,
        `${ctx.file} includes the remote resource ${entry}; it is not fetched, so its objects are not checked`
      )
      return undefined
    }
    const path = joinPath(ctx.dir, entry)
    if (isOutsideRepository(path)) {
      noteAt(
        ctx,
        'notice',
        'kustomize/unsupported',
        at,
        `${ctx.file} includes ${entry}, which is outside the repository`
      )
      return undefined
    }
    if (this.index.hasFile(path)) {
      this.claimed.add(path)
      const { documents, error } = this.index.documents(path)
      return {
        objects: documents.flatMap(d => objectsOfDocument(d)),
        nameReferences: [],
        findings: error ? [error] : []
      }
    }
    if (this.index.isDirectory(path)) {
      if (this.index.kustomizationIn(path).length === 0) {
        noteAt(
          ctx,
          'error',
          'kustomize/missing-kustomization',
          at,
          `${ctx.file} includes the directory ${path}, which has no kustomization.yaml; kustomize build fails`,
          'Add a kustomization.yaml to that directory, or list its files instead of the directory.'
        )
        return undefined
      }
      if (stack.includes(path)) {
        noteAt(
          ctx,
          'error',
          'kustomize/cycle',
          at,
          `${ctx.file} includes ${path}, which includes it back (${[...stack.slice(stack.indexOf(path)), path].join(' → ')})`,
          'Break the cycle: a base must not include the overlays built on it.'
        )
        return undefined
      }
      this.markIncluded(ctx.dir, path)
      const sub = this.accumulate(path, stack)
      return { ...sub, objects: sub.objects.map(cloneRendered) }
    }
    const absent = this.index.absence(path)
    noteAt(
      ctx,
      'error',
      'kustomize/missing-resource',
      at,
      `${ctx.file} includes ${path}${absent.text}; kustomize build fails`,
      absent.hint
    )
    return undefined
  }
}

/** Renders every kustomization of a repository; see `KustomizeRenderer`. */
export function renderRepository(
  files: RepositoryFiles,
  unread?: ReadonlyMap<string, UnreadReason>,
  skip?: (file: string) => boolean
): RepositoryRender {
  return new KustomizeRenderer(files, unread).renderRepository(skip)
}

/** `kustomize build <dir>` over the given files; undefined when the directory has no kustomization. */
export function renderKustomization(files: RepositoryFiles, dir: string): KustomizationRender | undefined {
  return new KustomizeRenderer(files).build(dir)
}

export { locateField } from './resource.js'
