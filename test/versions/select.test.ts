import { describe, expect, it } from '@jest/globals'
import { resolveVersion, stableVersions, type Release } from '../../src/versions/select.js'
import { parseVersionSpec } from '../../src/versions/spec.js'
import { thrown } from '../helpers/errors.js'

const release = (tag: string, publishedAt?: string, flags: Partial<Release> = {}): Release => ({
  tag,
  draft: false,
  prerelease: false,
  ...(publishedAt ? { publishedAt } : {}),
  ...flags
})

/**
 * Newest first, as GitHub lists them. Calico patches older minors after newer ones, so by date 3.29.8 comes first,
 * and the list opens with things that are not stable releases at all.
 */
const calico: Release[] = [
  release('v3.34.0-0.dev', '2026-02-02T10:00:00Z'), // a dev tag Calico does not flag as a prerelease
  release('v3.32.0', undefined, { draft: true }),
  release('v3.31.4', '2026-01-30T10:00:00Z', { prerelease: true }),
  release('v3.10.0-calicoctl', '2026-01-25T10:00:00Z'),
  release('calico-nightly', '2026-01-24T10:00:00Z'),
  release('v3.29.8', '2026-01-20T10:00:00Z'),
  release('v3.30.7', '2026-01-15T10:00:00Z'),
  release('v3.31.3', '2025-12-10T10:00:00Z'),
  release('v3.29.7', '2025-12-01T10:00:00Z'),
  release('v3.31.2', '2025-11-20T10:00:00Z'),
  release('v3.30.6', '2025-11-10T10:00:00Z'),
  release('v3.31.0', '2025-10-20T10:00:00Z'),
  release('v3.21.5', '2022-03-01T10:00:00Z')
]

const flux: Release[] = [
  release('v2.10.0-rc.1', undefined, { prerelease: true }),
  ...['v2.9.3', 'v2.9.2', 'v2.9.1', 'v2.9.0', 'v2.8.6', 'v2.8.5', 'v2.8.0', 'v2.7.5', 'v2.7.0'].map(t =>
    release(t)
  )
]

const resolveFlux = (raw: string, current?: string) =>
  resolveVersion(parseVersionSpec(raw, 'flux-version'), flux, {
    component: 'flux',
    current,
    input: 'flux-version'
  })

describe('stableVersions', () => {
  it('keeps stable semver releases only, highest first, without v', () => {
    expect(stableVersions(calico)).toEqual([
      '3.31.3',
      '3.31.2',
      '3.31.0',
      '3.30.7',
      '3.30.6',
      '3.29.8',
      '3.29.7',
      '3.21.5'
    ])
  })

  it('orders by semver, not by string (3.9 is below 3.10)', () => {
    expect(stableVersions([release('v3.9.1'), release('v3.10.0'), release('v3.9.10')])).toEqual([
      '3.10.0',
      '3.9.10',
      '3.9.1'
    ])
  })

  it('lists a version tagged both with and without v once', () => {
    expect(stableVersions([release('2.9.3'), release('v2.9.3')])).toEqual(['2.9.3'])
  })
})

describe('resolveVersion', () => {
  it('takes latest as the highest stable semver, not the newest by date nor anything unstable listed first', () => {
    const r = resolveVersion({ kind: 'latest' }, calico, { component: 'calico', input: 'calico-version' })
    expect(r).toMatchObject({ version: '3.31.3', tag: 'v3.31.3', action: 'upgrade' })
    expect(r.current).toBeUndefined()
  })

  it('upgrades from the current version to latest', () => {
    const r = resolveVersion({ kind: 'latest' }, calico, {
      component: 'calico',
      current: 'v3.29.7',
      input: 'calico-version'
    })
    expect(r).toMatchObject({ version: '3.31.3', tag: 'v3.31.3', current: '3.29.7', action: 'upgrade' })
    expect(r.reason).toContain('3.29.7')
    expect(r.reason).toContain('3.31.3')
  })

  it('resolves an exact version, with or without v, to its tag', () => {
    expect(resolveFlux('2.8.5')).toMatchObject({ version: '2.8.5', tag: 'v2.8.5', action: 'upgrade' })
    expect(resolveFlux('v2.8.5')).toMatchObject({ version: '2.8.5', tag: 'v2.8.5' })
  })

  it('keeps the tag as upstream spells it', () => {
    const r = resolveVersion({ kind: 'exact', version: '1.2.3' }, [release('1.2.3')], {
      component: 'flux',
      input: 'flux-version'
    })
    expect(r.tag).toBe('1.2.3')
  })

  it.each([
    ['~2.8', '2.8.6'],
    ['2.x', '2.9.3'],
    ['<2.9', '2.8.6'],
    ['>=2.7 <2.9', '2.8.6'],
    ['^2.8', '2.9.3'],
    ['2.7', '2.7.5']
  ])('resolves the range %p to the highest match, %s', (raw, version) => {
    expect(resolveFlux(raw)).toMatchObject({ version, tag: `v${version}`, action: 'upgrade' })
  })

  it('picks a Calico patch of an older minor when the range asks for that minor', () => {
    const r = resolveVersion(parseVersionSpec('~3.29', 'calico-version'), calico, {
      component: 'calico',
      current: '3.29.7',
      input: 'calico-version'
    })
    expect(r).toMatchObject({ version: '3.29.8', action: 'upgrade' })
  })

  it('never downgrades for a range: current 2.9.3 with ~2.8 stays', () => {
    const r = resolveFlux('~2.8', '2.9.3')
    expect(r).toMatchObject({ version: '2.9.3', tag: 'v2.9.3', current: '2.9.3', action: 'none' })
    expect(r.reason).toMatch(/not downgraded/)
    expect(r.reason).toContain('2.8.6')
  })

  it('never downgrades for latest when the repository is ahead of the release list', () => {
    const r = resolveFlux('latest', '2.10.0-rc.1')
    expect(r).toMatchObject({ version: '2.10.0-rc.1', current: '2.10.0-rc.1', action: 'none' })
  })

  it('downgrades when the version is pinned exactly, and says so', () => {
    const r = resolveFlux('2.8.5', 'v2.9.3')
    expect(r).toMatchObject({ version: '2.8.5', tag: 'v2.8.5', current: '2.9.3', action: 'downgrade' })
    expect(r.reason).toMatch(/downgrade/)
    expect(r.reason).toMatch(/pins 2\.8\.5 exactly/)
  })

  it('does nothing when the target is already there', () => {
    expect(resolveFlux('latest', '2.9.3')).toMatchObject({
      version: '2.9.3',
      current: '2.9.3',
      action: 'none'
    })
    expect(resolveFlux('v2.9.3', 'v2.9.3')).toMatchObject({ action: 'none' })
  })

  it('rejects an exact version that is not a release, naming the input and the nearest of the same minor', () => {
    const e = thrown(() => resolveFlux('2.9.9'))
    expect(e.code).toBe('version')
    expect(e.location).toEqual({ input: 'flux-version' })
    expect(e.message).toBe(
      'flux-version 2.9.9 is not a stable fluxcd/flux2 release; nearest available: 2.9.3, 2.9.2, 2.9.1'
    )
    expect(e.hint).toContain('flux-version')
  })

  it('lists the neighbours and the latest when no release shares the minor', () => {
    const e = thrown(() => resolveFlux('2.6.0'))
    expect(e.message).toMatch(/nearest available: 2\.8\.0, 2\.7\.5, 2\.7\.0, latest 2\.9\.3$/)
  })

  it('does not resolve to a draft or a prerelease even when pinned', () => {
    const spec = { kind: 'exact', version: '3.32.0' } as const
    const e = thrown(() => resolveVersion(spec, calico, { component: 'calico', input: 'calico-version' }))
    expect(e.code).toBe('version')
    expect(e.message).toMatch(
      /^calico-version 3\.32\.0 is not a stable projectcalico\/calico release; nearest available: 3\.31\.3/
    )
  })

  it('rejects a range that matches nothing, naming the input and the range', () => {
    const e = thrown(() => resolveFlux('~2.12'))
    expect(e.code).toBe('version')
    expect(e.location).toEqual({ input: 'flux-version' })
    expect(e.message).toBe(
      'flux-version "~2.12" matches no stable fluxcd/flux2 release; nearest available: 2.9.3, 2.9.2, 2.9.1'
    )
  })

  it('fails clearly when the list holds no stable release', () => {
    const e = thrown(() =>
      resolveVersion({ kind: 'latest' }, [release('v3.34.0-0.dev')], {
        component: 'calico',
        input: 'calico-version'
      })
    )
    expect(e.code).toBe('version')
    expect(e.message).toMatch(/projectcalico\/calico lists no stable release/)
  })

  it('rejects a current version that is not semver instead of guessing a direction', () => {
    const e = thrown(() => resolveFlux('latest', 'main'))
    expect(e.code).toBe('version')
    expect(e.message).toContain('"main"')
  })
})
