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
