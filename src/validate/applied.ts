import * as posix from 'node:path/posix'
import type { Finding } from '../errors.js'
import type { YamlDocument } from '../yaml/documents.js'
import { joinPath, kustomizationFileNames } from '../kustomize/files.js'
import type { RepositoryRender } from '../kustomize/render.js'
import { groupVersion } from '../kubernetes/api-version.js'
import { isObject as isObj } from '../yaml/values.js'
import { type CollectedObjects, type ManifestObject, type ParseFailure } from './objects.js'

/**
 * What Flux applies, as validation sees it. Objects a kustomization renders are checked as rendered (a `_`
 * Namespace renamed by `namespace:`, a component's patches applied), each field placed at the line that wrote it;
 * the rest are checked as written. A manifest that nothing applies is still checked, but its findings are warnings:
 * a stray template must not fail every pull request, and must not be hidden either.
 */

export interface AppliedView {
  /** The objects to check: rendered ones of the root kustomizations, then those no kustomization renders. */
  objects: ManifestObject[]
  /** Files whose objects Flux never applies: their errors are reported as warnings. */
  unapplied: ReadonlySet<string>
  /** Warnings for manifests a kustomization directory leaves out, and one notice per file nothing applies. */
  findings: Finding[]
}

const FLUX_KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io'
const KUSTOMIZATION = new Set<string>(kustomizationFileNames)

const dirOf = (file: string): string => (posix.dirname(file) === '.' ? '' : posix.dirname(file))

/** `dir` itself and each directory above it, up to the repository root (`''`). */
function selfAndAncestors(dir: string): string[] {
  const out = [dir]
  for (let d = dir; d !== '';) {
    d = dirOf(d)
    out.push(d)
  }
  return out
}

/**
 * The Flux Kustomizations of this repository: where each is written and the directory it builds (`spec.path` from
 * the repository root).
 */
export function fluxKustomizations(objects: readonly ManifestObject[]): { file: string; path: string }[] {
  const out: { file: string; path: string }[] = []
  for (const o of objects) {
    if (o.container || o.value.kind !== 'Kustomization') continue
    if (groupVersion(o.value.apiVersion).group !== FLUX_KUSTOMIZE_GROUP) continue
    const spec = isObj(o.value.spec) ? o.value.spec : {}
    const path = typeof spec.path === 'string' ? spec.path : ''
    if (path.includes('${')) continue
    out.push({ file: o.file, path: joinPath('', path.replace(/^\/+/, '')) })
  }
  return out
}

/** Whether a Flux Kustomization building `paths` reaches a file of `dir` (see `appliedView`). */
function reaches(paths: ReadonlySet<string>, kustomizeDirs: ReadonlySet<string>, dir: string): boolean {
  for (const d of selfAndAncestors(dir)) {
    if (paths.has(d)) return true
    // Below a kustomization, only what it lists is applied.
    if (kustomizeDirs.has(d) && d !== dir) return false
  }
  return false
}

/**
 * The paths Flux builds, starting from the Kustomizations that reach their own file (what `flux bootstrap` writes:
 * `flux-system` building the cluster's folder that holds it), then every Kustomization those reach, and so on.
 * Undefined when no Kustomization reaches itself: the entry point is elsewhere (the Flux Operator, a Helm chart, a
 * cluster set up by hand), so nothing can be called unapplied.
 */
function appliedPaths(
  kustomizations: readonly { file: string; path: string }[],
  reachedBy: (paths: ReadonlySet<string>, file: string) => boolean
): Set<string> | undefined {
  const active = new Set(kustomizations.filter(k => reachedBy(new Set([k.path]), k.file)).map(k => k.path))
  if (active.size === 0) return undefined
  for (let grew = true; grew;) {
    grew = false
    for (const k of kustomizations) {
      if (active.has(k.path) || !reachedBy(active, k.file)) continue
      active.add(k.path)
      grew = true
    }
  }
  return active
}

/**
 * Files that are YAML but not Kubernetes manifests: Helm chart folders (a `Chart.yaml` in the directory or above
 * it), CI workflow files, and what Terraform keeps. Their parse errors and objects are not findings.
 */
export function notManifestFiles(paths: readonly string[]): (file: string) => boolean {
  const chartDirs = new Set(paths.filter(p => /(^|\/)Chart\.ya?ml$/.test(p)).map(dirOf))
  return file =>
    /(^|\/)\.github\//.test(file) ||
    /(^|\/)Chart\.ya?ml$/.test(file) ||
    selfAndAncestors(dirOf(file)).some(d => chartDirs.has(d))
}

/**
 * A stream that does not parse is a manifest's problem only where it could be one: a kustomization lists it (the
 * renderer reports those), or it has `apiVersion:` and `kind:` lines. An application's own config file with custom
 * tags, read by a generator, is not.
 */
export function manifestParseFailures(
  failures: readonly ParseFailure[],
  /** A file's text, read only for the files that failed. */
  textOf: (file: string) => string | undefined,
  skip: (file: string) => boolean
): ParseFailure[] {
  const hasLine = (text: string, start: string) => text.startsWith(start) || text.includes(`\n${start}`)
  return failures.filter(f => {
    if (skip(f.file)) return false
    const text = textOf(f.file) ?? ''
    return hasLine(text, 'apiVersion:') && hasLine(text, 'kind:')
  })
}

export function appliedView(
  collected: CollectedObjects,
  render: RepositoryRender,
  skip: (file: string) => boolean,
  /** Files the run wrote: checked in full, whatever applies them (an upgrade must not pass on a demoted error). */
  written: ReadonlySet<string> = new Set()
): AppliedView {
  const rendered = new Set<YamlDocument>()
  for (const k of [...render.kustomizations, ...render.roots])
    for (const o of k.objects) if (o.trace.origin) rendered.add(o.trace.origin.doc)

  const kustomizeDirs = new Set(
    [...collected.documents.keys()].filter(p => KUSTOMIZATION.has(posix.basename(p))).map(dirOf)
  )
  // The root kustomizations that render each file: a file a kustomization lists is applied where that one is.
  const rootsOf = new Map<string, string[]>()
  for (const k of render.roots)
    for (const o of k.objects) {
      const file = o.trace.origin?.doc.file
      if (file === undefined) continue
      const list = rootsOf.get(file) ?? []
      if (!list.includes(k.dir)) list.push(k.dir)
      rootsOf.set(file, list)
    }
  const reachedBy = (active: ReadonlySet<string>, file: string): boolean =>
    reaches(active, kustomizeDirs, dirOf(file)) ||
    (rootsOf.get(file) ?? []).some(dir => reaches(active, kustomizeDirs, dir))
  const paths = appliedPaths(fluxKustomizations(collected.objects), reachedBy)
  // Without a Flux entry point in the repository (a repository of bases, or one like Flux's example repositories)
  // every kustomization and every manifest is taken as applied, directory by directory.
  const reached = (dir: string): boolean => paths === undefined || reaches(paths, kustomizeDirs, dir)

  const objects: ManifestObject[] = []
  // A file is applied when any of its objects is: a base that one applied overlay includes counts as applied.
  const appliedFiles = new Set<string>()
  const candidates = new Set<string>()
  const findings: Finding[] = []
  for (const k of render.roots) {
    const applied = reached(k.dir)
    for (const o of k.objects) {
      const origin = o.trace.origin
      if (!origin) continue
      if (skip(origin.doc.file)) continue
      objects.push({
        file: origin.doc.file,
        bundle: `kustomization ${k.dir || '.'}`,
        doc: origin.doc,
        root: origin.path,
        value: o.value as ManifestObject['value'],
        rendered: o
      })
      ;(applied ? appliedFiles : candidates).add(origin.doc.file)
    }
  }

  const unlisted = new Set<string>()
  for (const o of collected.objects) {
    if (!o.container && rendered.has(o.doc)) continue
    if (skip(o.file)) continue
    objects.push(o)
    if (o.container) continue
    const dir = dirOf(o.file)
    if (kustomizeDirs.has(dir) && !KUSTOMIZATION.has(posix.basename(o.file))) {
      unlisted.add(o.file)
      candidates.add(o.file)
    } else (reached(dir) ? appliedFiles : candidates).add(o.file)
  }
  const unapplied = new Set([...candidates].filter(f => !appliedFiles.has(f) && !written.has(f)))
  for (const file of [...unlisted].filter(f => unapplied.has(f))) {
    findings.push({
      severity: 'warning',
      rule: 'kustomize/not-listed',
      file,
      line: 1,
      message: `${file} is a manifest in a kustomization directory that its kustomization does not list: it is never applied`,
      hint: `Add it to \`resources\` in the kustomization of ${dirOf(file) || 'the repository root'} (often a forgotten entry), or move it out of that directory.`
    })
  }
  for (const file of [...unapplied].filter(f => !unlisted.has(f)).sort()) {
    findings.push({
      severity: 'notice',
      rule: 'flux/not-applied',
      file,
      line: 1,
      message: `Flux never applies ${file}: no Flux Kustomization path and no kustomization reaches it, so its problems are reported as warnings`
    })
  }
  return { objects, unapplied, findings }
}
