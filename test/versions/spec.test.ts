import { describe, expect, it } from '@jest/globals'
import { FcuError } from '../../src/errors.js'
import { parseVersionSpec } from '../../src/versions/spec.js'

describe('parseVersionSpec', () => {
  it.each(['latest', 'LATEST', '  latest  ', '', '   '])('reads %p as latest', raw => {
    expect(parseVersionSpec(raw, 'flux-version')).toEqual({ kind: 'latest' })
  })

  it.each([
    ['2.9.3', '2.9.3'],
    ['v2.9.3', '2.9.3'],
    [' v3.29.7 ', '3.29.7']
  ])('reads %p as the exact version %s', (raw, version) => {
    expect(parseVersionSpec(raw, 'flux-version')).toEqual({ kind: 'exact', version })
  })

  it.each([
    '~2.8',
    '2.x',
    '2.X',
    '<2.9',
    '>=2.7 <2.9',
    '^2.8',
    '2.9',
    'v2.x',
    '2.7 - 2.9',
    '~3.29 || ~3.30',
    '>= 2.7',
    '*'
  ])('reads %p as a range', raw => {
    expect(parseVersionSpec(raw, 'calico-version')).toEqual({ kind: 'range', range: raw.trim() })
  })

  it.each([
    'latest; rm -rf /',
    '2.9.3.1',
    '$(curl evil)',
    '`id`',
    '2.9.3 && echo',
    '2.x | sh',
    '2.9.03', // loose semver reads this as 2.9.3
    'v 2.9.3', // loose semver reads this as 2.9.3
    '2.9.3foo', // loose semver reads this as 2.9.3-foo
    'vv2', // semver skips the extra v
    '||', // semver reads a bare || as *
    '~>2.8',
    'newest',
    '2.9.3\nlatest',
    `${'1  '.repeat(33)}|` // once sent a regular-expression grammar into exponential backtracking
  ])('rejects %p as an input error naming the input', raw => {
    let error: unknown
    try {
      parseVersionSpec(raw, 'flux-version')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(FcuError)
    const e = error as FcuError
    expect(e.code).toBe('input')
    expect(e.location).toEqual({ input: 'flux-version' })
    expect(e.message).toMatch(/^flux-version "/)
    expect(e.hint).toContain('latest')
    expect(e.hint).toContain('~2.8')
    expect(e.message).not.toContain('\n')
  })

  it('says that prereleases are not supported rather than calling them junk', () => {
    expect(() => parseVersionSpec('2.9.0-rc.1', 'flux-version')).toThrow(/prerelease/)
    expect(() => parseVersionSpec('v3.10.0-calicoctl', 'calico-version')).toThrow(
      /^calico-version .*prerelease/
    )
  })

  it('gives the real reason for words and shell syntax, even with a dash in them', () => {
    expect(() => parseVersionSpec('latest; rm -rf /', 'flux-version')).toThrow(
      /characters that are not part of a version or range/
    )
    expect(() => parseVersionSpec('~2.9.0-rc.1', 'flux-version')).toThrow(/prerelease/)
  })

  it('bounds the length it accepts', () => {
    expect(() => parseVersionSpec(`>=1.0.0 ${'<9.9.9 '.repeat(30)}`, 'flux-version')).toThrow(/longer than/)
  })
})
