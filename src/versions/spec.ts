import semver from 'semver'
import { FcuError } from '../errors.js'

/** What a `flux-version` / `calico-version` input asks for. */
export type VersionSpec =
  { kind: 'latest' } | { kind: 'exact'; version: string } | { kind: 'range'; range: string }

export const acceptedVersionForms =
  'Use `latest`, an exact version (`2.9.3` or `v2.9.3`) or a semver range (`~2.8`, `2.x`, `^2.8`, `<2.9`, `>=2.7 <2.9`).'

/** Characters that semver versions and ranges are made of; anything else (`;`, `$`, quotes, words) is refused. */
const rangeCharacters = /^[0-9.xX*v~^<>= |-]+$/

/** A version with a prerelease or build part (`2.9.0-rc.1`, `v2.9.0+abc`), alone or after an operator. */
const prerelease = /^[<>=~^]*v?\d+\.\d+\.\d+[-+][0-9A-Za-z.+-]*$/

const partial = /^v?(?:0|[1-9]\d*|[xX*])(?:\.(?:0|[1-9]\d*|[xX*])){0,2}$/
const comparator = /^(?:[<>]=?|=|~|\^)?(.*)$/

/**
 * The strict grammar of what we accept, checked before semver sees the text, because semver's own parser skips
 * junk it does not understand (`||` alone reads as `*`, `vv2` as `2.x`) instead of rejecting it. Token by token
 * rather than one regular expression, which backtracks exponentially on long runs of spaces.
 */
function isStrictRange(text: string): boolean {
  return text.split('||').every(set => {
    // semver allows a space between an operator and its version (`>= 2.7`).
    const tokens = set
      .trim()
      .replace(/([<>]=?|=|~|\^)\s+/g, '$1')
      .split(/\s+/)
    if (tokens.length === 3 && tokens[1] === '-') return partial.test(tokens[0]) && partial.test(tokens[2])
    return tokens.every(t => partial.test(comparator.exec(t)?.[1] ?? ''))
  })
}

const maxLength = 100

/** Parses a version input. Empty means `latest`; anything semver would only read loosely is an input error. */
export function parseVersionSpec(raw: string, input: string): VersionSpec {
  const text = raw.trim()
  if (text === '' || text.toLowerCase() === 'latest') return { kind: 'latest' }

  const fail = (why: string): never => {
    throw new FcuError('input', `${input} "${printable(text)}" is not a version: ${why}`, {
      location: { input },
      hint: acceptedVersionForms
    })
  }

  if (text.length > maxLength) fail(`longer than ${maxLength} characters`)
  if (!rangeCharacters.test(text)) {
    fail(
      prerelease.test(text)
        ? 'prerelease and build versions are not supported (only stable releases are)'
        : 'it contains characters that are not part of a version or range'
    )
  }
  if (!isStrictRange(text)) fail('not an exact version or a semver range')

  const exact = semver.valid(text)
  if (exact !== null) return { kind: 'exact', version: exact }

  // Strict parsing only: loose mode would read `2.9.03` or `v 2.9.3` as versions the user did not write.
  if (semver.validRange(text) === null) fail('not an exact version or a semver range')
  return { kind: 'range', range: text }
}

/** Keeps error messages on one readable line whatever was typed into the input. */
function printable(text: string): string {
  const flat = [...text].map(c => (c < ' ' || c === '\u007f' ? ' ' : c)).join('')
  return flat.length > 40 ? `${flat.slice(0, 40)}…` : flat
}
