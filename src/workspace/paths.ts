import path from 'node:path'
import { FcuError } from '../errors.js'

/**
 * Resolves a user-given path against the workspace and refuses anything that lands outside it: a config file or
 * target named `../../etc/passwd` must never be read or written.
 */
export function insideWorkspace(root: string, relative: string, input: string): string {
  const abs = path.resolve(root, relative)
  const rel = path.relative(root, abs)
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new FcuError('input', `Input ${input} "${relative}" is outside the workspace ${root}`, {
      location: { input },
      hint: 'Give a path relative to the repository root that stays inside it.'
    })
  }
  return abs
}

/** Repository-relative POSIX path, the form every finding and report uses. */
export const toRepoPath = (root: string, abs: string): string =>
  path.relative(root, abs).split(path.sep).join('/')

/** Folders never read: version control, installed dependencies and vendored or tool-state trees, none of them applied. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.terraform', 'vendor'])

/** Whether a folder of this name is never read (the name alone, as a directory walk sees it). */
export const isSkippedDirectory = (name: string): boolean => SKIPPED_DIRECTORIES.has(name)

/** Whether a repository-relative POSIX path lies under a folder never read. */
export const inSkippedDirectory = (repoPath: string): boolean => repoPath.split('/').some(isSkippedDirectory)

/** A YAML file by its name: `.yaml` or `.yml`, in any case. */
export const isYamlPath = (p: string): boolean => /\.ya?ml$/i.test(p)
