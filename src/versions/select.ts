import semver from 'semver'
import { FcuError } from '../errors.js'
import type { VersionSpec } from './spec.js'

/** One entry of a GitHub release list, as far as version resolution cares. */
export interface Release {
  tag: string
  draft: boolean
  prerelease: boolean
  publishedAt?: string
  /** The release's page (`html_url`): github.com, a GHES host, or a mirror's. */
  htmlUrl?: string
}

export type Component = 'flux' | 'calico'

export const componentRepository: Record<Component, string> = {
  flux: 'fluxcd/flux2',
  calico: 'projectcalico/calico'
}

export interface Resolution {
  /** The version the target ends at, without `v`. */
  version: string
  /** The release tag of that version, as upstream spells it. */
  tag: string
  /** The version the repository is at now, without `v`, when known. */
  current?: string
  action: 'upgrade' | 'none' | 'downgrade'
  /** One sentence for logs and the PR body. */
  reason: string
}

/**
 * Stable release versions, highest first, without `v`. Drafts, prereleases (GitHub's flag and semver's: Calico
 * tags `v3.10.0-calicoctl` and `v3.34.0-0.dev` without flagging them) and tags that are not semver are left out.
 */
export function stableVersions(releases: Release[]): string[] {
  return [...stableTags(releases).keys()]
}

/** Stable version → its tag, highest version first. */
function stableTags(releases: Release[]): Map<string, string> {
  const byVersion = new Map<string, string>()
  for (const r of releases) {
    if (r.draft || r.prerelease) continue
    const v = semver.parse(r.tag)
    if (v === null || v.prerelease.length > 0 || v.build.length > 0) continue
    // When both `2.9.3` and `v2.9.3` exist, keep the `v` tag: it is the one the download URLs use.
    if (!byVersion.has(v.version) || r.tag.startsWith('v')) byVersion.set(v.version, r.tag)
  }
  const sorted = [...byVersion.keys()].sort(semver.rcompare)
  return new Map(sorted.map(v => [v, byVersion.get(v) as string]))
}

/**
 * Picks the release a target moves to. `latest` is the highest stable semver, never the newest by date (Calico
 * ships 3.29 patches after 3.31). A target is never moved down unless the version was pinned exactly.
 */
export function resolveVersion(
  spec: VersionSpec,
  releases: Release[],
  options: { component: Component; current?: string; input: string }
): Resolution {
  const { component, input } = options
  const repo = componentRepository[component]
  const tags = stableTags(releases)
  const available = [...tags.keys()]
  const current =
    options.current === undefined ? undefined : currentVersion(options.current, component, input)

  if (available.length === 0) {
    throw new FcuError('version', `${repo} lists no stable release, so ${input} cannot be resolved`, {
      location: { input: 'releases-api-url' },
      hint: 'Check that releases-api-url points at the GitHub API (on GHES: https://<host>/api/v3) and that the mirror has the releases.'
    })
  }

  let target: string
  let asked: string
  switch (spec.kind) {
    case 'latest':
      target = available[0]
      asked = 'latest'
      break
    case 'exact':
      if (!tags.has(spec.version)) {
        throw notAvailable(
          `${input} ${spec.version} is not a stable ${repo} release`,
          spec.version,
          available,
          input
        )
      }
      target = spec.version
      asked = spec.version
      break
    case 'range': {
      const match = semver.maxSatisfying(available, spec.range)
      if (match === null) {
        const pivot = semver.minVersion(spec.range)?.version ?? available[0]
        throw notAvailable(
          `${input} "${spec.range}" matches no stable ${repo} release`,
          pivot,
          available,
          input
        )
      }
      target = match
      asked = `"${spec.range}"`
      break
    }
  }

  const resolved = { version: target, tag: tags.get(target) as string }
  if (current === undefined) {
    return {
      ...resolved,
      action: 'upgrade',
      reason: `${component} ${target} is the ${describe(spec)} release`
    }
  }
  const order = semver.compare(target, current)
  if (order === 0) {
    return {
      ...resolved,
      current,
      action: 'none',
      reason: `${component} is already at ${current}, the ${describe(spec)} release`
    }
  }
  if (order > 0) {
    return {
      ...resolved,
      current,
      action: 'upgrade',
      reason: `${component} ${current} → ${target}, the ${describe(spec)} release`
    }
  }
  if (spec.kind === 'exact') {
    return {
      ...resolved,
      current,
      action: 'downgrade',
      reason: `${component} ${current} → ${target}: a downgrade, because ${input} pins ${target} exactly`
    }
  }
  // The repository is ahead of what was asked for: stay, since only an exact pin may move a target down.
  return {
    version: current,
    tag: tags.get(current) ?? `v${current}`,
    current,
    action: 'none',
    reason: `${component} ${current} is newer than ${target} (${input} ${asked}); not downgraded, pin an exact version to downgrade`
  }
}

function describe(spec: VersionSpec): string {
  if (spec.kind === 'latest') return 'latest stable'
  if (spec.kind === 'exact') return 'pinned'
  return `highest "${spec.range}"`
}

function currentVersion(raw: string, component: Component, input: string): string {
  const v = semver.valid(raw.trim())
  if (v === null) {
    throw new FcuError(
      'version',
      `the current ${component} version "${raw}" read from the repository is not a semver version`,
      {
        location: { input },
        hint: `Pin ${input} to an exact version, or fix the version in the repository's ${component} manifests.`
      }
    )
  }
  return v
}

/** The nearest releases to what was asked for, so the message shows what the user could pick instead. */
function nearestVersions(pivot: string, available: string[], count = 3): string[] {
  const sameMinor = available.filter(
    v => semver.major(v) === semver.major(pivot) && semver.minor(v) === semver.minor(pivot)
  )
  if (sameMinor.length > 0) return sameMinor.slice(0, count)
  // `available` is highest first: the nearest are around the place the pivot would take.
  const at = available.findIndex(v => semver.lt(v, pivot))
  const index = at === -1 ? available.length : at
  const start = Math.max(0, Math.min(index - Math.ceil(count / 2), available.length - count))
  return available.slice(start, start + count)
}

function notAvailable(message: string, pivot: string, available: string[], input: string): FcuError {
  const nearest = nearestVersions(pivot, available)
  const latest = available[0]
  const shown = nearest.includes(latest) ? nearest : [...nearest, `latest ${latest}`]
  return new FcuError('version', `${message}; nearest available: ${shown.join(', ')}`, {
    location: { input },
    hint: `Set ${input} to one of the available versions, a range such as ~${semver.major(latest)}.${semver.minor(latest)}, or latest.`
  })
}

/** The highest of the valid semver versions given; undefined when there is none. */
export function highestVersion(versions: readonly string[]): string | undefined {
  const valid = versions.filter(v => semver.valid(v))
  return valid.length ? [...valid].sort(semver.rcompare)[0] : undefined
}
