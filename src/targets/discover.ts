import { minimatch } from 'minimatch'
import { FcuError } from '../errors.js'
import { isFluxComponentsFile } from '../flux/header.js'
import type { ConfiguredTarget, InstallOverrides, RepoConfig, TargetType } from '../config/config.js'
import type { RepoFile } from '../workspace/repository.js'

/** A file the run manages, and why: found by its content, or named in the config file. */
export interface DiscoveredTarget {
  path: string
  type: TargetType
  source: 'detected' | 'config'
  install?: InstallOverrides
}

const CONFIGMAP = /^kind:\s*ConfigMap\s*$/m
// Inside a ConfigMap the manifest is indented (block scalar) or escaped (quoted scalar); match both spellings.
const FLUX_IN_DATA = /name:\s*(?:source-controller|kustomize-controller)\b[\s\S]{0,4000}?image:\s*\S*fluxcd\//
const CALICO_NODE_IN_DATA = /kind:\s*DaemonSet[\s\S]{0,400}?name:\s*calico-node\b/

/** Recognises a target by content alone (SPEC §2). Pure: takes file text, returns the type or undefined. */
export function detectTargetType(content: string): TargetType | undefined {
  if (isFluxComponentsFile(content)) return 'flux-components'
  if (!CONFIGMAP.test(content)) return undefined
  if (CALICO_NODE_IN_DATA.test(content)) return 'calico-configmap'
  if (FLUX_IN_DATA.test(content)) return 'flux-configmap'
  return undefined
}

/**
 * Targets of a repository: detected ones, minus exclusions, with config entries overriding type and options of a
 * detected file or adding files discovery missed. A configured path that does not exist is an error naming the
 * config line's file, not a silent no-op.
 */
export function discoverTargets(
  files: RepoFile[],
  config: RepoConfig,
  links: ReadonlySet<string> = new Set(),
  detect: (file: RepoFile) => TargetType | undefined = f => detectTargetType(f.content)
): DiscoveredTarget[] {
  const excluded = (p: string) => config.exclude.some(g => minimatch(p, g, { dot: true }))
  const byPath = new Map<string, DiscoveredTarget>()
  for (const f of files) {
    if (excluded(f.path)) continue
    const type = detect(f)
    if (type) byPath.set(f.path, { path: f.path, type, source: 'detected' })
  }
  const known = new Set(files.map(f => f.path))
  for (const c of config.targets) {
    if (!known.has(c.path) && links.has(c.path)) {
      throw new FcuError(
        'config',
        `${config.file}: target ${c.path} is a symbolic link; the upgrade neither reads nor writes through links`,
        {
          location: { file: config.file, line: c.line },
          hint: 'Name the file the link points to (relative to the repository root), or put the file itself there.'
        }
      )
    }
    if (!known.has(c.path)) {
      throw new FcuError('config', `${config.file}: target ${c.path} does not exist in the repository`, {
        location: { file: config.file, line: c.line },
        hint: 'Fix the path (relative to the repository root) or remove the entry.'
      })
    }
    byPath.set(
      c.path,
      merge(
        byPath.get(c.path),
        c,
        files.find(f => f.path === c.path)!,
        config.file
      )
    )
  }
  // Install options of the config apply to every Flux target; a target's own entry wins key by key.
  const global = config.flux.install
  return [...byPath.values()]
    .map(t => (global && t.type !== 'calico-configmap' ? { ...t, install: { ...global, ...t.install } } : t))
    .sort((a, b) => a.path.localeCompare(b.path))
}

function merge(
  found: DiscoveredTarget | undefined,
  c: ConfiguredTarget,
  file: RepoFile,
  configFile: string | undefined
): DiscoveredTarget {
  const type = c.type ?? found?.type ?? detectTargetType(file.content)
  if (!type) {
    throw new FcuError(
      'config',
      `${configFile ? `${configFile}: ` : ''}target ${c.path} is not a Flux or Calico manifest and the config gives no type`,
      {
        location: { file: configFile, line: c.line },
        hint: 'Add `type: flux-components`, `flux-configmap` or `calico-configmap` to the entry.'
      }
    )
  }
  return { path: c.path, type, source: 'config', ...(c.install ? { install: c.install } : {}) }
}
