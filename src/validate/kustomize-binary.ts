import os from 'node:os'
import { mapBounded } from '../arrays.js'
import type { Exec } from '../deps.js'
import { dedupeFindings, FcuError, type Finding } from '../errors.js'
import { parseDocuments } from '../yaml/documents.js'
import { renderRepository, type KustomizationRender, type RepositoryFiles } from '../kustomize/render.js'
import type { UnreadReason } from '../kustomize/files.js'
import { checkRepositoryReferences } from './references.js'
import { isObject } from '../yaml/values.js'
import {
  groupOf,
  kindOf,
  nameOf,
  namespaceOf,
  type KubeObject,
  type RenderedObject
} from '../kustomize/resource.js'

/**
 * The optional shell around the renderer: when the runner has `kustomize` (or `kubectl`, whose `kustomize`
 * subcommand embeds it), the real build's output replaces the in-process render, so features the renderer does not
 * apply are covered. Findings still point at source lines through the in-process render of the same kustomization.
 */

/** Finds a program on PATH; the shell passes one backed by `@actions/io.which` or similar. */
export type ToolLookup = (name: string) => Promise<string | undefined>

export interface KustomizeBinary {
  kind: 'kustomize' | 'kubectl'
  path: string
}

/** `kustomize` if present, else `kubectl`. */
export async function findKustomizeBinary(lookup: ToolLookup): Promise<KustomizeBinary | undefined> {
  for (const kind of ['kustomize', 'kubectl'] as const) {
    const path = await lookup(kind)
    if (path) return { kind, path }
  }
  return undefined
}

/**
 * Runs `kustomize build <dir>` / `kubectl kustomize <dir>` in `root` and returns `render` with the real output's
 * objects; a failing build becomes an error finding on the kustomization file.
 */
export async function buildWithBinary(
  binary: KustomizeBinary,
  render: KustomizationRender,
  root: string,
  exec: Exec
): Promise<KustomizationRender> {
  const dir = render.dir === '' ? '.' : render.dir
  // Load restrictions off, as kustomize-controller builds: a kustomization may read files above its directory.
  const restrictor = ['--load-restrictor', 'LoadRestrictionsNone']
  const args = binary.kind === 'kustomize' ? ['build', ...restrictor, dir] : ['kustomize', ...restrictor, dir]
  const result = await exec(binary.path, args, { cwd: root })
  const command = `${binary.kind} ${args.join(' ')}`
  if (result.exitCode !== 0) {
    return {
      ...render,
      objects: [],
      complete: false,
      incompleteReason: `${command} failed`,
      findings: [
        {
          severity: 'error',
          rule: 'kustomize/build-failed',
          file: render.file,
          line: 1,
          message: `${command} failed: ${firstLines(result.stderr || result.stdout)}`,
          hint: 'Run the same command locally to see the whole error; Flux fails on this kustomization the same way.'
        }
      ]
    }
  }
  let values: KubeObject[]
  try {
    values = parseDocuments(result.stdout, command).flatMap(d => (isObject(d.value) ? [d.value] : []))
  } catch (e) {
    throw new FcuError('tool', `${command} printed output that is not YAML`, {
      hint: 'Check the kustomize version on the runner.',
      cause: e
    })
  }
  return {
    dir: render.dir,
    file: render.file,
    objects: attachSources(values, render),
    findings: [],
    complete: true
  }
}

/** Pairs each built object with the in-process render's object of the same identity, for its source lines. */
export function attachSources(values: readonly KubeObject[], render: KustomizationRender): RenderedObject[] {
  const key = (v: KubeObject) => `${groupOf(v)}|${kindOf(v)}|${namespaceOf(v) ?? ''}|${nameOf(v)}`
  const known = new Map(render.objects.map(o => [key(o.value), o]))
  return values.map(value => {
    const match = known.get(key(value))
    return match
      ? { ...match, value }
      : {
          value,
          trace: {},
          source: { file: render.file, index: 0 },
          originalName: nameOf(value),
          previousNames: []
        }
  })
}

function firstLines(text: string): string {
  const lines = text.trim().split('\n').slice(0, 3).join(' ')
  return lines.length > 300 ? `${lines.slice(0, 300)}…` : lines
}

/**
 * ClusterResourceSet findings for the whole repository once the kustomizations the in-process renderer could not
 * complete (components, replacements, remote bases, ...) are built by the real binary. Returns undefined when every
 * render was complete, so the caller keeps its own findings: the binary runs only where it adds something.
 */
export interface Recheck {
  binary: KustomizeBinary
  /** ClusterResourceSet findings on the built output, and the builds that failed. */
  findings: Finding[]
  /** Kustomization files the binary built, and those it failed on. */
  rebuilt: string[]
  failed: string[]
  /** The in-process renderer's "not applied" notices about what the binary built (they carry an install hint). */
  superseded: Finding[]
}

export async function referencesWithBinary(
  files: RepositoryFiles,
  binary: KustomizeBinary,
  root: string,
  exec: Exec,
  unread?: ReadonlyMap<string, UnreadReason>
): Promise<Recheck | undefined> {
  const render = renderRepository(files, unread)
  // What a Flux Kustomization builds is its settings over the path: the binary builds the path alone, which is the
  // same only where those settings change no object (variables are substituted afterwards either way).
  const incomplete = render.roots.filter(k => !k.complete && (!k.flux || settingsChangeNothing(k)))
  if (incomplete.length === 0) return undefined
  const rebuilt = await mapBounded(incomplete, binaryConcurrency(), k =>
    buildWithBinary(binary, k, root, exec)
  )
  const built = new Map(incomplete.map((k, i) => [k, rebuilt[i]]))
  const roots = render.roots.map(k => built.get(k) ?? k)
  const findings = dedupeFindings([
    ...[...built.values()].flatMap(k => k.findings),
    ...checkRepositoryReferences({ ...render, roots })
  ])
  const ok = incomplete.filter(k => built.get(k)!.complete)
  return {
    binary,
    findings,
    rebuilt: ok.map(k => k.file),
    failed: incomplete.filter(k => !built.get(k)!.complete).map(k => k.file),
    superseded: ok.flatMap(k => k.findings.filter(f => f.rule === 'kustomize/unsupported'))
  }
}

const findingKey = (f: Finding): string => [f.rule, f.file, f.line, f.message].join('\u0000')

/**
 * The run's findings once the binary's builds are in: ClusterResourceSet findings from them, and the notices about
 * what the in-process renderer skips reworded where the binary built it (no advice to install what ran).
 */
export function withRecheck(findings: readonly Finding[], recheck: Recheck): Finding[] {
  const superseded = new Set(recheck.superseded.map(findingKey))
  return dedupeFindings([
    ...findings
      .filter(f => !f.rule.startsWith('crs/'))
      .map(f => {
        if (!superseded.has(findingKey(f))) return f
        const { hint: _hint, ...rest } = f
        return {
          ...rest,
          message: `${f.message.replace(/; objects it adds or renames are not checked$/, '')}; ${recheck.binary.kind} built this kustomization, and ClusterResourceSet references were checked on its output`
        }
      }),
    ...recheck.findings
  ])
}

/** The Flux settings that make a build differ from `kustomize build` of the path. */
const FLUX_SETTINGS = ['targetNamespace', 'namePrefix', 'nameSuffix', 'patches', 'components', 'images']

function settingsChangeNothing(k: KustomizationRender): boolean {
  const spec = k.flux?.overlay.value
  return (
    k.file !== k.flux?.file &&
    typeof spec === 'object' &&
    spec !== null &&
    FLUX_SETTINGS.every(f => (spec as Record<string, unknown>)[f] === undefined)
  )
}

/** Binary builds at once: each is a process that mostly waits on the disk, but the runner's cores are few. */
const binaryConcurrency = (): number => Math.max(1, Math.min(4, os.availableParallelism()))
