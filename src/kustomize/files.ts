import * as posix from 'node:path/posix'
import type { Finding } from '../errors.js'
import { tryParseDocuments, type YamlDocument } from '../yaml/documents.js'

/**
 * The repository as the renderer sees it: repository-relative POSIX paths to file text, or to documents someone
 * already parsed (each file is parsed once, whoever does it). It must hold every file a kustomization can name:
 * resources and patches, and the files of `configMapGenerator` / `secretGenerator` whatever their extension.
 */
export type RepositoryFiles = ReadonlyMap<string, string | readonly YamlDocument[]>

/** Why the repository reader left out a file that a kustomization names (see `readRepository`). */
export type UnreadReason = 'outside-repository' | 'too-large' | 'refused'

export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const

/** Parsed documents and directory lookups over one `RepositoryFiles`, computed once per render. */
export class FileIndex {
  private readonly parsed = new Map<string, { documents: readonly YamlDocument[]; error?: Finding }>()
  private readonly directories = new Set<string>()

  constructor(
    readonly files: RepositoryFiles,
    private readonly unread: ReadonlyMap<string, UnreadReason> = new Map()
  ) {
    for (const file of files.keys()) {
      let dir = posix.dirname(file)
      while (dir !== '.' && dir !== '/' && !this.directories.has(dir)) {
        this.directories.add(dir)
        dir = posix.dirname(dir)
      }
    }
    this.directories.add('')
  }

  hasFile(path: string): boolean {
    return this.files.has(path)
  }

  /** Why a named file is not among the files: the end of the message that says so, and what to do. */
  absence(path: string): { text: string; hint: string } {
    switch (this.unread.get(path)) {
      case 'outside-repository':
        return {
          text: ', a symlink to a file outside the repository, which is not followed (nor does kustomize-controller)',
          hint: 'Put the file itself in the repository: Flux reads only what its source holds.'
        }
      case 'too-large':
        return {
          text: ', which is larger than a ConfigMap or Secret can hold (1 MiB), and was not read',
          hint: 'Keep generator inputs under 1 MiB: the API server rejects larger ConfigMaps and Secrets.'
        }
      case 'refused':
        return {
          text: ', which was not read: it is not UTF-8 text or is over the size a YAML file may have (see its warning)',
          hint: 'Save the file as UTF-8 and keep it under 16 MiB: kustomize-controller cannot read it either.'
        }
      default:
        return {
          text: ', which does not exist',
          hint: 'Fix the path (it is relative to the kustomization directory) or add the file.'
        }
    }
  }

  isDirectory(path: string): boolean {
    return this.directories.has(path)
  }

  /** The text of a file (for generator sources); undefined when the caller passed it pre-parsed or not at all. */
  text(path: string): string | undefined {
    const entry = this.files.get(path)
    if (typeof entry === 'string') return entry
    if (entry) return entry.map(d => d.text).join('\n---\n')
    return undefined
  }

  documents(path: string): { documents: readonly YamlDocument[]; error?: Finding } {
    let result = this.parsed.get(path)
    if (!result) {
      const entry = this.files.get(path)
      if (entry === undefined) result = { documents: [] }
      else if (typeof entry !== 'string') result = { documents: entry }
      else {
        const { documents, error } = tryParseDocuments(entry, path)
        result = {
          documents,
          ...(error
            ? {
                error: {
                  severity: 'error',
                  rule: 'yaml/parse',
                  message: error.message,
                  ...error.location,
                  ...(error.hint ? { hint: error.hint } : {})
                }
              }
            : {})
        }
      }
      this.parsed.set(path, result)
    }
    return result
  }

  /** The kustomization file of a directory; more than one is an error kustomize reports too. */
  kustomizationIn(dir: string): readonly string[] {
    // Asked many times per directory by one render (builds, includes, components): the files do not change.
    let known = this.kustomizations.get(dir)
    if (known === undefined) {
      known = kustomizationFileNames
        .map(n => joinPath(dir, n))
        .filter(p => this.files.has(p) && !this.holdsFluxObject(p))
      this.kustomizations.set(dir, known)
    }
    return known
  }

  private readonly kustomizations = new Map<string, readonly string[]>()

  /** A file named kustomization.yaml that holds a Flux `Kustomization` object is a manifest, not kustomize input. */
  private holdsFluxObject(path: string): boolean {
    const first = this.documents(path).documents.find(d => d.value !== null)?.value
    return (
      first !== null &&
      typeof first === 'object' &&
      String((first as Record<string, unknown>).apiVersion ?? '').startsWith('kustomize.toolkit.fluxcd.io/')
    )
  }
}

/** Joins and normalizes repository paths; `''` is the repository root. */
export function joinPath(dir: string, relative: string): string {
  const joined = posix.normalize(posix.join(dir === '' ? '.' : dir, relative))
  return joined === '.' ? '' : joined.replace(/\/$/, '')
}

export const isOutsideRepository = (path: string): boolean =>
  path === '..' || path.startsWith('../') || path.startsWith('/')

/** Kustomize's remote targets: URLs, `github.com/...` shorthands, `git::` / `ssh://` and `?ref=` forms. */
export function isRemoteReference(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    entry.startsWith('git::') ||
    entry.startsWith('git@') ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) ||
    /[?&]ref=/.test(entry)
  )
}
