import { FcuError } from '../errors.js'
import { redactUrl } from '../http/retry.js'

/** A parsed checksum file: file name → lower-case sha256 hex. */
export interface Checksums {
  /** Where the file came from, for messages. */
  url: string
  entries: ReadonlyMap<string, string>
}

// `sha256sum` writes `<hash>  <name>` in text mode and `<hash> *<name>` in binary mode.
const LINE = /^([0-9a-fA-F]{64})[ \t]+\*?(\S.*)$/

const integrity = (message: string, hint: string): FcuError => new FcuError('integrity', message, { hint })

/** Parses `sha256sum` output. Blank lines are skipped; any other line that is not `<sha256> <file>` is an error. */
export function parseChecksums(text: string, url: string): Checksums {
  const entries = new Map<string, string>()
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, index) => {
    const line = raw.trimEnd()
    if (line.trim() === '') return
    const match = LINE.exec(line.trimStart())
    if (!match) {
      throw integrity(
        `${redactUrl(url)} line ${index + 1} is not a "<sha256>  <file>" checksum line: ${JSON.stringify(line.slice(0, 120))}`,
        'The checksum file is damaged or is not a sha256sum listing; check what download-url serves for it.'
      )
    }
    const [, hash, file] = match
    const previous = entries.get(file)
    if (previous !== undefined && previous !== hash.toLowerCase()) {
      throw integrity(
        `${redactUrl(url)} lists ${file} twice with different sha256 values (line ${index + 1})`,
        'The checksum file is ambiguous, so the download cannot be verified; check what download-url serves for it.'
      )
    }
    entries.set(file, hash.toLowerCase())
  })
  return { url, entries }
}

/**
 * The expected sha256 of `file`. An entry written with a directory (`./bin/calicoctl-linux-amd64`) matches by its
 * last path segment, since release assets are flat.
 */
export function checksumFor(checksums: Checksums, file: string): string {
  const exact = checksums.entries.get(file)
  if (exact !== undefined) return exact
  const hashes = new Set(
    [...checksums.entries].filter(([name]) => name.split('/').pop() === file).map(([, h]) => h)
  )
  if (hashes.size === 1) return [...hashes][0]
  if (hashes.size > 1) {
    throw integrity(
      `${redactUrl(checksums.url)} lists ${file} under several directories with different sha256 values`,
      'The checksum file is ambiguous, so the download cannot be verified; check what download-url serves for it.'
    )
  }
  throw integrity(
    `${redactUrl(checksums.url)} has no sha256 entry for ${file}, so it cannot be verified`,
    'The release (or the mirror at download-url) does not list this asset; it is not installed unverified. Check the mirror, or pick another version.'
  )
}
