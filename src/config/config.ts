import { FcuError, type Finding } from '../errors.js'
import { parseDocuments, positionOf, type YamlDocument, type YamlPath } from '../yaml/documents.js'
import { isObject, type Obj } from '../yaml/values.js'

/**
 * The optional repository config file (`.github/flux-crs-upgrade.yaml`). It adds targets that discovery cannot
 * see, overrides their type or install options, and excludes paths. Every key is checked: a typo is an error with
 * its line, because a silently ignored `exlude:` would upgrade files the team meant to freeze.
 */

export type TargetType = 'flux-components' | 'flux-configmap' | 'calico-configmap'
export const TARGET_TYPES: readonly TargetType[] = ['flux-components', 'flux-configmap', 'calico-configmap']

/** Flux install options as `flux install` names its flags. */
export interface InstallOverrides {
  components?: string[]
  'components-extra'?: string[]
  namespace?: string
  registry?: string
  'image-pull-secret'?: string
  'toleration-keys'?: string[]
  'watch-all-namespaces'?: boolean
  'log-level'?: 'debug' | 'info' | 'error'
  'network-policy'?: boolean
  'cluster-domain'?: string
}

/** A `targets:` entry of the config file: a path, with a type and install settings that override detection. */
export interface ConfiguredTarget {
  path: string
  /** The line of its `path:` in the config file, for messages about the file it names. */
  line?: number
  type?: TargetType
  install?: InstallOverrides
}

export interface RepoConfig {
  /** The config file, relative to the repository root; undefined when there is none. */
  file?: string
  targets: ConfiguredTarget[]
  exclude: string[]
  flux: { install?: InstallOverrides }
  calico: { manifest?: string }
}

export const emptyConfig = (): RepoConfig => ({ targets: [], exclude: [], flux: {}, calico: {} })

const INSTALL_KEYS: Record<keyof InstallOverrides, 'string' | 'list' | 'boolean' | 'log-level'> = {
  components: 'list',
  'components-extra': 'list',
  namespace: 'string',
  registry: 'string',
  'image-pull-secret': 'string',
  'toleration-keys': 'list',
  'watch-all-namespaces': 'boolean',
  'log-level': 'log-level',
  'network-policy': 'boolean',
  'cluster-domain': 'string'
}

const CALICO_MANIFESTS = ['calico.yaml', 'calico-typha.yaml', 'calico-vxlan.yaml', 'calico-policy-only.yaml']

export function parseConfig(text: string, file: string): RepoConfig {
  const docs = parseDocuments(text, file).filter(d => d.value !== null)
  if (docs.length === 0) return { ...emptyConfig(), file }
  if (docs.length > 1) {
    throw new FcuError('config', `${file} holds ${docs.length} YAML documents; the config is one document`, {
      location: { file, line: docs[1].startLine },
      hint: 'Merge the documents into one mapping.'
    })
  }
  const doc = docs[0]
  // Every problem is collected, each with its own line, so that one run lists them all: a problem inside a
  // section skips the rest of that section (its value is unusable), not the other sections.
  const problems: Finding[] = []
  const report = (path: YamlPath, message: string, hint: string): void => {
    const { line, column } = positionOf(doc, path)
    problems.push({ severity: 'error', rule: 'run/config', file, line, column, message, hint })
  }
  const fail = (path: YamlPath, message: string, hint: string): never => {
    report(path, message, hint)
    throw INVALID
  }
  const attempt = <T>(section: () => T): T | undefined => {
    try {
      return section()
    } catch (e) {
      if (e === INVALID) return undefined
      throw e
    }
  }
  const keysOf = (value: unknown, path: YamlPath, allowed: string[]): Obj => {
    if (!isObject(value))
      return fail(
        path,
        `${dotted(path) || 'the config'} must be a mapping`,
        'See the README for the config format.'
      )
    for (const k of Object.keys(value)) {
      if (!allowed.includes(k)) {
        report(
          [...path, k],
          `unknown key "${k}" in ${dotted(path) || 'the config'}`,
          `Allowed keys: ${allowed.join(', ')}.`
        )
      }
    }
    return value
  }
  const str = (value: unknown, path: YamlPath): string => {
    if (typeof value !== 'string' || value.trim() === '')
      fail(path, `${dotted(path)} must be a non-empty string`, 'Quote the value.')
    return value as string
  }
  const strList = (value: unknown, path: YamlPath): string[] => {
    if (typeof value === 'string')
      return value
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)
    if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
      fail(
        path,
        `${dotted(path)} must be a list of strings`,
        'Write it as a YAML list or a comma-separated string.'
      )
    }
    return value as string[]
  }
  const installValue = (k: string, v: unknown, p: YamlPath): unknown => {
    const kind = INSTALL_KEYS[k as keyof InstallOverrides]
    if (kind === 'string') return str(v, p)
    if (kind === 'list') return strList(v, p)
    if (kind === 'boolean') {
      if (typeof v !== 'boolean')
        fail(p, `${dotted(p)} must be true or false`, 'Write true or false without quotes.')
      return v
    }
    if (v !== 'debug' && v !== 'info' && v !== 'error')
      fail(p, `${dotted(p)} must be debug, info or error`, 'Flux controllers accept debug, info or error.')
    return v
  }
  const install = (value: unknown, path: YamlPath): InstallOverrides => {
    const o = keysOf(value, path, Object.keys(INSTALL_KEYS))
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(o)) {
      if (!(k in INSTALL_KEYS)) continue
      const parsed = attempt(() => installValue(k, v, [...path, k]))
      if (parsed !== undefined) out[k] = parsed
    }
    return out as InstallOverrides
  }
  const target = (t: unknown, i: number): ConfiguredTarget => {
    const o = keysOf(t, ['targets', i], ['path', 'type', 'install'])
    const path = attempt(() =>
      relativePath(str(o.path, ['targets', i, 'path']), ['targets', i, 'path'], fail)
    )
    const out: ConfiguredTarget = { path: path ?? '', line: positionOf(doc, ['targets', i, 'path']).line }
    if (o.type !== undefined) {
      if (!TARGET_TYPES.includes(o.type as TargetType)) {
        report(
          ['targets', i, 'type'],
          `unknown target type "${String(o.type)}"`,
          `Types: ${TARGET_TYPES.join(', ')}.`
        )
      } else out.type = o.type as TargetType
    }
    if (o.install !== undefined) {
      const overrides = attempt(() => install(o.install, ['targets', i, 'install']))
      if (overrides) out.install = overrides
    }
    return out
  }

  const root = attempt(() => keysOf(doc.value, [], ['targets', 'exclude', 'flux', 'calico'])) ?? {}
  const config: RepoConfig = { ...emptyConfig(), file }
  if (root.targets !== undefined) {
    if (!Array.isArray(root.targets))
      report(['targets'], 'targets must be a list', 'Write each target as `- path: ...`.')
    else config.targets = (root.targets as unknown[]).flatMap((t, i) => attempt(() => target(t, i)) ?? [])
  }
  if (root.exclude !== undefined) {
    const globs = attempt(() => strList(root.exclude, ['exclude'])) ?? []
    config.exclude = globs.flatMap((g, i) => attempt(() => relativePath(g, ['exclude', i], fail)) ?? [])
  }
  if (root.flux !== undefined) {
    attempt(() => {
      const f = keysOf(root.flux, ['flux'], ['install'])
      if (f.install !== undefined) config.flux.install = install(f.install, ['flux', 'install'])
    })
  }
  if (root.calico !== undefined) {
    attempt(() => {
      const c = keysOf(root.calico, ['calico'], ['manifest'])
      if (c.manifest !== undefined) {
        const m = str(c.manifest, ['calico', 'manifest'])
        if (!CALICO_MANIFESTS.includes(m))
          fail(
            ['calico', 'manifest'],
            `unknown Calico manifest "${m}"`,
            `Manifests: ${CALICO_MANIFESTS.join(', ')}.`
          )
        config.calico.manifest = m
      }
    })
  }
  if (problems.length === 1) {
    const [p] = problems
    throw new FcuError('config', p.message, {
      location: { file, line: p.line, column: p.column },
      hint: p.hint
    })
  }
  if (problems.length > 1) {
    throw new FcuError('config', `${file} has ${problems.length} errors`, {
      location: { file },
      hint: 'Fix each error above; the config is read only when it has none.',
      findings: problems
    })
  }
  return config
}

/** Thrown inside the parse to abandon a section whose value is unusable; never leaves `parseConfig`. */
const INVALID = Symbol('invalid config section')

/** Paths in the config are repository-relative; `..` and absolute paths would reach outside the workspace. */
function relativePath(
  p: string,
  at: YamlPath,
  fail: (path: YamlPath, m: string, h: string) => never
): string {
  const norm = p.replace(/\\/g, '/').replace(/^\.\//, '')
  if (norm.startsWith('/') || norm.split('/').includes('..')) {
    fail(
      at,
      `"${p}" points outside the repository`,
      'Use a path relative to the repository root, without "..".'
    )
  }
  return norm
}

const dotted = (path: YamlPath): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')

export type { YamlDocument }
