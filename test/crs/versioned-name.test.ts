import { FcuError } from '../../src/errors.js'
import { findVersion, followVersion, type NameKind } from '../../src/crs/versioned-name.js'

describe('followVersion', () => {
  it.each<[string, string, string, NameKind, string]>([
    // The two names of SPEC §2, at minor and patch precision.
    ['cm-calico-v3.21.yaml', '3.21.5', '3.31.7', 'file', 'cm-calico-v3.31.yaml'],
    ['crs-cm-flux-2.2.2-mgmt', '2.2.2', '2.9.3', 'configmap', 'crs-cm-flux-2.9.3-mgmt'],
    // Data keys, and a name carrying the version twice.
    ['calico-v3.21.yaml', '3.21.5', '3.31.7', 'key', 'calico-v3.31.yaml'],
    ['flux-2.2.2-to-2.2.2', '2.2.2', '2.9.3', 'configmap', 'flux-2.9.3-to-2.9.3'],
    // Dashes and underscores, with or without `v`, keep their spelling.
    ['calico-v3-21', '3.21.5', '3.31.7', 'configmap', 'calico-v3-31'],
    ['calico-3-21-5', '3.21.5', '3.31.7', 'configmap', 'calico-3-31-7'],
    ['calico_3_21.yaml', '3.21.5', '3.31.7', 'file', 'calico_3_31.yaml'],
    ['calicoV3.21.yaml', '3.21.5', '3.31.7', 'key', 'calicoV3.31.yaml'],
    ['3.21-calico', '3.21.5', '3.31.7', 'configmap', '3.31-calico'],
    // A prerelease goes in at patch precision.
    ['flux-2.2.2', '2.2.2', '2.10.0-rc.1', 'configmap', 'flux-2.10.0-rc.1'],
    ['flux-2-2-2', '2.2.2', '2.10.0-RC.1', 'configmap', 'flux-2-10-0-rc-1'],
    // The same minor: nothing to change.
    ['cm-calico-v3.21.yaml', '3.21.5', '3.21.6', 'file', 'cm-calico-v3.21.yaml']
  ])('%s (%s → %s, %s) is %s', (name, from, to, kind, expected) => {
    const r = followVersion(name, from, to, kind)
    expect(r.name).toBe(expected)
    expect(r.changed).toBe(expected !== name)
    expect(r.matches.length).toBeGreaterThan(0)
  })

  it.each<[string, string]>([
    ['calico.yaml', '3.21.5'],
    ['cm-calico-ipv4.yaml', '4.1.0'],
    // Another patch release of the same minor is not this version.
    ['calico-v3.21.6.yaml', '3.21.5'],
    ['calico-v3-21-6', '3.21.5'],
    // Part of a longer number, a date, an address, another version.
    ['calico-13.21.yaml', '3.21.5'],
    ['backup-2024-03-21', '3.21.5'],
    ['backup-2024-3-21', '3.21.5'],
    ['pool-10.3.21.0', '3.21.5'],
    ['v1.3.21', '3.21.5'],
    ['flux-2.2.20', '2.2.2'],
    ['flux-2.2.2.1', '2.2.2'],
    // A lone major is not followed.
    ['flux-v2', '2.2.2'],
    // Mixed separators are not a version.
    ['calico-3.21-5', '3.21.5']
  ])('%s does not carry %s', (name, from) => {
    expect(findVersion(name, from)).toEqual([])
    expect(followVersion(name, from, '9.9.9', 'file')).toEqual({ name, matches: [], changed: false })
  })

  it('reports where and at which precision the version was found', () => {
    expect(findVersion('a-2.2-b-2.2.2', '2.2.2')).toEqual([
      { offset: 2, text: '2.2', precision: 'minor' },
      { offset: 8, text: '2.2.2', precision: 'patch' }
    ])
  })

  it('refuses a result that is not a valid name of its kind', () => {
    const long = `${'a'.repeat(248)}-2.2.2`
    expect(() => followVersion(long, '2.2.2', '2.10.10', 'configmap')).toThrow(FcuError)
    expect(() => followVersion(long, '2.2.2', '2.10.10', 'configmap')).toThrow(
      /must be no more than 253 characters/
    )
    // A data key may hold upper case; a ConfigMap name may not.
    expect(followVersion('Calico-2.2.2', '2.2.2', '2.3.0-RC.1', 'key').name).toBe('Calico-2.3.0-RC.1')
    expect(() => followVersion('Calico-2.2.2', '2.2.2', '2.3.0', 'configmap')).toThrow(/RFC 1123 subdomain/)
  })
})
