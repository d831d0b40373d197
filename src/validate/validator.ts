import { compareFindings, compareText, dedupeFindings, type Finding } from '../errors.js'
import type { YamlDocument } from '../yaml/documents.js'
import { minorOf } from '../flux/cli.js'
import { inSkippedDirectory } from '../workspace/paths.js'
import { crdCatalog, type CrdCatalog } from './schema/index.js'
import { checkRepositoryReferences } from './references.js'
import { renderRepository } from '../kustomize/render.js'
import type { UnreadReason } from '../kustomize/files.js'
import { appliedView, manifestParseFailures, notManifestFiles } from './applied.js'
import {
  CollectCache,
  collectObjects,
  type ManifestObject,
  type ParseFailure,
  type SourceFile
} from './objects.js'
import { configMapSize } from './rules/configMapSize.js'
import { duplicates } from './rules/duplicates.js'
import { isToolConfig, missingFields } from './rules/fields.js'
import { nameFindings } from './rules/names.js'
import { findFluxInstalls, imageDrift } from './rules/fluxInstall.js'
import { checkSchema, kindIsKnown, type BundleCatalog, type SchemaContext } from './rules/schema.js'
import { targetVersion, type ExpectedVersion } from './rules/targetVersion.js'
import { groupVersion } from '../kubernetes/api-version.js'
import { pushAll } from '../arrays.js'

/**
 * The repository validator (SPEC §5): what `mode: validate` runs on the repository as it is, and what every
 * upgrade runs on the files it wrote and on the repository objects the new versions affect. Pure and synchronous:
 * file texts in, findings out.
 */

export interface ValidationInput {
  /** Repository files, repository-relative POSIX paths. Non-YAML files may be included (kustomize generators). */
  files: readonly SourceFile[]
  /**
   * The files this run wrote. In an upgrade (some files written, or upgraded CRDs given), objects are checked in
   * those files and wherever their kind is one the upgraded CRDs define; repository-wide checks (parse errors,
   * ClusterResourceSet references, kustomize builds, controller image drift) still cover every file, since a file
   * the run did not touch can break because of it. With neither (`mode: validate`), every object is checked.
   * The Flux installs among these files are also the reference for image drift.
   */
  written?: readonly string[]
  /** The version each managed file must hold after the run. */
  targets?: readonly ExpectedVersion[]
  /** The CRDs of the bundles the upgrade writes: the repository's objects of their kinds are checked against them. */
  upgradedCrds?: readonly unknown[]
  /**
   * CRDs from outside the repository, for the kinds no repository bundle defines: the Flux install of the version
   * in play (`flux install --export`), for repositories whose Flux comes from bootstrap, the operator or a chart.
   */
  crdSources?: readonly { name: string; crds: readonly unknown[] }[]
  /** Files kustomizations name that the repository reader did not read, and why (`readRepository`). */
  unread?: readonly { path: string; reason: UnreadReason }[]
}

export interface SkippedKind {
  apiVersion: string
  kind: string
  count: number
  reason: string
  files: string[]
}

export interface ValidationReport {
  /** Sorted by file, then line. */
  findings: Finding[]
  /** Objects checked against a schema (built-in or CRD). */
  resources: number
  /** Objects that could not be checked against a schema, by apiVersion and kind. */
  skipped: SkippedKind[]
  /** Where the schemas came from (the built-in API, a repository file, `flux install`, a Calico manifest), and how many objects each checked. */
  schemas: SchemaSet[]
  /** Objects validated and skipped, by API group (`core` for the core group). */
  groups: GroupCount[]
}

export interface SchemaSet {
  source: string
  objects: number
}

export interface GroupCount {
  group: string
  validated: number
  skipped: number
}

export type { ExpectedVersion } from './rules/targetVersion.js'
export type { SourceFile } from './objects.js'
export { CollectCache } from './objects.js'

const CRD_GROUP = 'apiextensions.k8s.io'
const TOOL_CONFIG = 'no metadata: read as a tool configuration file, not a Kubernetes object'
const NOT_AFFECTED = 'not written or affected by the upgrade (validate checks it)'

const isCrd = (o: ManifestObject): boolean =>
  o.value.kind === 'CustomResourceDefinition' && groupVersion(o.value.apiVersion).group === CRD_GROUP

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}

/** The CRDs of each bundle that has any, one catalog per bundle (see `checkSchema` for which one an object uses). */
function bundleCatalogs(objects: readonly ManifestObject[]): BundleCatalog[] {
  return [...groupBy(objects.filter(isCrd), o => o.bundle).entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([bundle, crds]) => ({ bundle, file: crds[0].file, catalog: crdCatalog(crds.map(c => c.value)) }))
}

class SkipTally {
  private readonly byKey = new Map<string, SkippedKind>()

  add(obj: ManifestObject, reason: string): void {
    const apiVersion = typeof obj.value.apiVersion === 'string' ? obj.value.apiVersion : ''
    const kind = typeof obj.value.kind === 'string' ? obj.value.kind : ''
    const key = `${apiVersion}\u0000${kind}\u0000${reason}`
    const entry = this.byKey.get(key) ?? { apiVersion, kind, count: 0, reason, files: [] }
    entry.count++
    if (!entry.files.includes(obj.file)) entry.files.push(obj.file)
    this.byKey.set(key, entry)
  }

  list(): SkippedKind[] {
    // Code-unit order, as findings: the same on every machine, and no collator to start in a fresh process.
    return [...this.byKey.values()].sort(
      (a, b) =>
        compareText(a.apiVersion, b.apiVersion) ||
        compareText(a.kind, b.kind) ||
        compareText(a.reason, b.reason)
    )
  }
}

/** A finding about a manifest Flux never applies: still shown, never failing the check. */
const demote = (f: Finding): Finding => (f.severity === 'error' ? { ...f, severity: 'warning' } : f)

const parseFinding = (f: ParseFailure): Finding => ({
  severity: 'error',
  rule: 'yaml/parse',
  file: f.file,
  ...(f.line !== undefined ? { line: f.line } : {}),
  ...(f.column !== undefined ? { column: f.column } : {}),
  message: f.message,
  ...(f.hint ? { hint: f.hint } : {})
})

/**
 * The per-object rules: identity, schema, size; then duplicates among the objects checked. Objects out of scope
 * are counted as skipped, so that every command counts the same objects of the same tree.
 */
function checkObjects(
  objects: readonly ManifestObject[],
  ctx: SchemaContext,
  inScope: (o: ManifestObject) => boolean,
  unapplied: ReadonlySet<string>
) {
  const findings: Finding[] = []
  const skipped = new SkipTally()
  const checked: ManifestObject[] = []
  const schemas = new Map<string, number>()
  const groups = new Map<string, GroupCount>()
  const tally = (obj: ManifestObject, validated: boolean) => {
    const group =
      typeof obj.value.apiVersion === 'string' ? groupVersion(obj.value.apiVersion).group || 'core' : '(none)'
    const g = groups.get(group) ?? { group, validated: 0, skipped: 0 }
    if (validated) g.validated++
    else g.skipped++
    groups.set(group, g)
  }
  let resources = 0
  for (const obj of objects) {
    const known = kindIsKnown(obj, ctx)
    if (isToolConfig(obj, known)) {
      skipped.add(obj, TOOL_CONFIG)
      tally(obj, false)
      continue
    }
    if (!inScope(obj)) {
      skipped.add(obj, NOT_AFFECTED)
      tally(obj, false)
      continue
    }
    // Kustomize reports duplicates within a build itself (kustomize/duplicate-id).
    if (!obj.rendered) checked.push(obj)
    const own: Finding[] = []
    const missing = missingFields(obj, known)
    if (missing) own.push(missing)
    if (typeof obj.value.apiVersion === 'string' && typeof obj.value.kind === 'string') {
      const outcome = checkSchema(obj, ctx)
      pushAll(own, outcome.findings)
      if (outcome.status === 'validated') {
        resources++
        schemas.set(outcome.against, (schemas.get(outcome.against) ?? 0) + 1)
      } else skipped.add(obj, outcome.reason)
      tally(obj, outcome.status === 'validated')
      const size = configMapSize(obj)
      if (size) own.push(size)
      pushAll(own, nameFindings(obj))
    }
    pushAll(findings, unapplied.has(obj.file) ? own.map(demote) : own)
  }
  pushAll(
    findings,
    duplicates(checked).map(f => (f.file && unapplied.has(f.file) ? demote(f) : f))
  )
  return {
    findings,
    resources,
    skipped: skipped.list(),
    schemas: [...schemas]
      .map(([source, n]) => ({ source, objects: n }))
      .sort((a, b) => b.objects - a.objects || compareText(a.source, b.source)),
    groups: [...groups.values()].sort((a, b) => compareText(a.group, b.group))
  }
}

/**
 * Validates a repository (or the result of an upgrade) and reports every finding with its file line. `cache` is
 * shared by the validations of one run, which read mostly the same files (see `CollectCache`).
 */
export function validateRepository(input: ValidationInput, cache?: CollectCache): ValidationReport {
  const collected = collectObjects(input.files, cache)
  const written = new Set(input.written ?? [])
  const upgraded: CrdCatalog | undefined =
    input.upgradedCrds && input.upgradedCrds.length > 0 ? crdCatalog([...input.upgradedCrds]) : undefined
  const fluxTarget = input.targets?.find(t => t.component === 'flux')
  const ctx: SchemaContext = {
    bundles: bundleCatalogs(collected.objects),
    upgraded,
    written,
    fluxMinor: fluxTarget ? minorOf(fluxTarget.version) : undefined,
    external: (input.crdSources ?? []).map(s => ({ name: s.name, catalog: crdCatalog([...s.crds]) }))
  }
  // Kinds whose CRDs the upgrade brings: the upgraded bundles', and those of the files the run wrote.
  // A fleet writes the same install into every cluster: equal CRDs make one catalog, asked once per object.
  const upgradeCatalogs = new Set([
    ...(upgraded ? [upgraded] : []),
    ...ctx.bundles.filter(b => written.has(b.file)).map(b => b.catalog)
  ])
  const upgradedKinds = new Set(
    [...upgradeCatalogs].flatMap(c => c.crds.map(crd => `${crd.group}/${crd.kind}`))
  )
  const upgradedKind = (o: ManifestObject): boolean => {
    const { kind } = o.value
    return typeof kind === 'string' && upgradedKinds.has(`${groupVersion(o.value.apiVersion).group}/${kind}`)
  }
  const isUpgrade = written.size > 0 || upgraded !== undefined
  const inScope = (o: ManifestObject): boolean => !isUpgrade || written.has(o.file) || upgradedKind(o)

  // Files by path, their texts read only where a failure needs them.
  const sources = new Map(input.files.map(f => [f.path, f]))
  const skip = notManifestFiles(input.files.map(f => f.path))
  const render = renderRepository(
    repositoryFiles(input.files, collected.documents, new Set(collected.failures.map(f => f.file))),
    new Map((input.unread ?? []).map(u => [u.path, u.reason])),
    skip
  )
  const view = appliedView(collected, render, skip, written)
  const objects = checkObjects(view.objects, ctx, inScope, view.unapplied)
  const claimed = new Set(render.findings.filter(f => f.rule === 'yaml/parse').map(f => f.file))
  const findings: Finding[] = [
    ...manifestParseFailures(
      collected.failures,
      p => sources.get(p)?.content,
      f => skip(f) || claimed.has(f)
    ).map(f => {
      const finding = parseFinding(f)
      return view.unapplied.has(f.file) ? demote(finding) : finding
    }),
    ...objects.findings,
    ...view.findings
  ]

  const flux = findFluxInstalls(
    collected.streams,
    groupBy(collected.objects, o => o.bundle)
  )
  pushAll(findings, flux.findings)
  // Installs this run generated are pristine `flux install` output: the reference for any other install of the
  // same release that the run left alone (a target already at the version, an excluded one).
  const generated = flux.installs.filter(i => written.has(i.stream.file))
  for (const install of flux.installs) pushAll(findings, imageDrift(install, generated))
  for (const target of input.targets ?? [])
    pushAll(findings, targetVersion(target, flux.installs, collected.objects))

  pushAll(findings, dedupeFindings([...render.findings, ...checkRepositoryReferences(render)]))

  return {
    findings: dedupeFindings(findings).sort(compareFindings),
    resources: objects.resources,
    skipped: objects.skipped,
    schemas: objects.schemas,
    groups: objects.groups
  }
}

/** The files as the kustomize renderer takes them: YAML already parsed here, anything else as text. */
function repositoryFiles(
  files: readonly SourceFile[],
  documents: ReadonlyMap<string, YamlDocument[]>,
  failed: ReadonlySet<string>
): Map<string, string | readonly YamlDocument[]> {
  const out = new Map<string, string | readonly YamlDocument[]>()
  // A file that does not parse goes as text: where a kustomization lists it, the renderer reports it.
  for (const f of files)
    if (!inSkippedDirectory(f.path))
      out.set(f.path, (!failed.has(f.path) && documents.get(f.path)) || f.content)
  return out
}
