import semver from 'semver'
import { FcuError } from '../errors.js'
import { configKeyProblem, subdomainProblem } from '../validate/rules/names.js'

/**
 * Versioned names (SPEC §2, issue 9 item 4): a file name, ConfigMap name or data key that carries the current
 * version takes the new one at the same precision. `cm-calico-v3.21.yaml` carries 3.21.5 at minor precision and
 * becomes `cm-calico-v3.31.yaml`; `crs-cm-flux-2.2.2-mgmt` carries 2.2.2 at patch precision.
 *
 * A version is written with dots, dashes or underscores between its numbers (one separator throughout), with or
 * without a `v` before it. Only the current version is matched, and only as a whole number sequence: digits or a
 * separator and digits on either side mean it is part of something else (`3.21.6` does not carry 3.21.5 at minor
 * precision, `2024-03-21` does not carry 3.21, `ipv4` carries nothing). Major precision alone (`flux-v2`) is not
 * matched: a lone number is too often something else.
 */

export type NameKind = 'file' | 'configmap' | 'key'

export type Precision = 'minor' | 'patch'

export interface VersionedName {
  name: string
  /** Where the current version was found; empty when the name does not carry it. */
  matches: { offset: number; text: string; precision: Precision }[]
  changed: boolean
}

const SEPARATORS = ['.', '-', '_'] as const

function parts(version: string, what: string): { major: number; minor: number; patch: number; pre: string } {
  const v = semver.parse(version.replace(/^v/, ''))
  if (!v) {
    throw new FcuError('internal', `${what} "${version}" is not a semver version`, {
      hint: 'Versions are resolved before names are followed; this is a bug.'
    })
  }
  return { major: v.major, minor: v.minor, patch: v.patch, pre: v.prerelease.join('.') }
}

const isDigit = (s: string | undefined): boolean => s !== undefined && s >= '0' && s <= '9'
const isSep = (s: string | undefined): boolean => s === '.' || s === '-' || s === '_'

/** Where `name` carries `current`, the longest precision first at each place. */
export function findVersion(name: string, current: string): VersionedName['matches'] {
  const v = parts(current, 'the current version')
  const candidates: { text: string; precision: Precision }[] = []
  for (const sep of SEPARATORS) {
    candidates.push({ text: [v.major, v.minor, v.patch].join(sep), precision: 'patch' })
    candidates.push({ text: [v.major, v.minor].join(sep), precision: 'minor' })
  }
  const out: VersionedName['matches'] = []
  for (let i = 0; i < name.length; i++) {
    if (!isDigit(name[i])) continue
    // Inside a number, or after a number and a separator: part of a longer version, a date, an address.
    if (isDigit(name[i - 1]) || (isSep(name[i - 1]) && isDigit(name[i - 2]))) continue
    for (const c of candidates) {
      if (!name.startsWith(c.text, i)) continue
      const after = name.slice(i + c.text.length)
      if (isDigit(after[0]) || (isSep(after[0]) && isDigit(after[1]))) continue
      out.push({ offset: i, text: c.text, precision: c.precision })
      i += c.text.length - 1
      break
    }
  }
  return out
}

function rule(kind: NameKind): (name: string) => string | undefined {
  if (kind === 'configmap') return subdomainProblem
  if (kind === 'key') return configKeyProblem
  return name =>
    name.includes('/') || name === '.' || name === '..' || Buffer.byteLength(name) > 255
      ? 'must be a file name of at most 255 bytes'
      : undefined
}

/**
 * The name with every place that carries `current` rewritten to `next` at that place's precision and separator
 * (a prerelease is appended at patch precision, its dots turned into the separator). A name that does not carry
 * the version is returned unchanged. A result that is not a valid name of its kind is an error.
 */
export function followVersion(name: string, current: string, next: string, kind: NameKind): VersionedName {
  const matches = findVersion(name, current)
  if (matches.length === 0) return { name, matches, changed: false }
  const n = parts(next, 'the new version')
  let out = ''
  let at = 0
  for (const m of matches) {
    const sep = /[._-]/.exec(m.text)![0]
    const numbers = m.precision === 'patch' ? [n.major, n.minor, n.patch] : [n.major, n.minor]
    let text = numbers.join(sep)
    if (m.precision === 'patch' && n.pre !== '') text += `-${n.pre.replace(/\./g, sep === '.' ? '.' : sep)}`
    if (kind !== 'key') text = text.toLowerCase()
    out += name.slice(at, m.offset) + text
    at = m.offset + m.text.length
  }
  out += name.slice(at)
  const problem = rule(kind)(out)
  if (problem) {
    throw new FcuError('manifest', `the name ${name} would become ${out}, which ${problem}`, {
      hint: `Rename it by hand to a valid ${kind === 'configmap' ? 'ConfigMap name' : kind === 'key' ? 'ConfigMap key' : 'file name'}.`
    })
  }
  return { name: out, matches, changed: out !== name }
}
