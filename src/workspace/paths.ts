import { realpathSync } from 'node:fs'
import path from 'node:path'
import { FcuError } from '../errors.js'

/**
 * Resolves a user-given path against the workspace and refuses anything that lands outside it: a config file or
 * target named `../../etc/passwd`, an absolute path elsewhere, or a path inside whose file or folders are symlinks
 * leading out (`.github/flux-crs-upgrade.yaml -> /etc/passwd`, a folder linked to `/tmp`) must never be read or
 * written.
 */
export function insideWorkspace(root: string, relative: string, input: string): string {
  const abs = path.resolve(root, relative)
  const outside = (how: string): FcuError =>
    new FcuError('input', `Input ${input} "${relative}" ${how} the workspace ${root}`, {
      location: { input },
      hint: 'Give a path relative to the repository root that stays inside it, without symlinks leading out.'
    })
  if (!isWithin(root, abs)) throw outside('is outside')
  const real = realPathOf(abs)
  if (real !== abs && !isWithin(realPathOf(root), real))
    throw outside(`leads through a symlink to ${real}, outside`)
  return abs
}

const isWithin = (root: string, abs: string): boolean => {
  const rel = path.relative(root, abs)
  return !(rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel))
}

/**
 * Where `abs` is on disk with every symlink resolved: the real path of its deepest existing ancestor (the path
 * itself when it exists) with the rest appended, so a file about to be created is judged by its folder. The native
 * call is one system call where the JavaScript one makes one per component: it runs for every file a run writes.
 */
function realPathOf(abs: string): string {
  const rest: string[] = []
  for (let p = abs; ; p = path.dirname(p)) {
    try {
      return path.join(realpathSync.native(p), ...rest.reverse())
    } catch {
      if (path.dirname(p) === p) return abs
      rest.push(path.basename(p))
    }
  }
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
