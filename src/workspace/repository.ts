import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Exec } from '../deps.js'
import { inSkippedDirectory, isSkippedDirectory, isYamlPath, toRepoPath } from './paths.js'

/** The repository as the engine sees it: YAML files by repo-relative path. Read once per run (SPEC §9). */
export interface RepoFile {
  path: string
  content: string
}

/**
 * Lists and reads every YAML file under root, sorted by path so runs are deterministic. Where root is in a git
 * work tree (and `exec` can run git), the files are those git sees: tracked ones and untracked ones that no
 * `.gitignore` excludes, so generated or ignored files (build output, local secrets) are never validated.
 * Elsewhere (no git, no work tree) every file under root is read, except in the folders never read
 * (`isSkippedDirectory`), which the git listing skips as well.
 */
export async function readYamlFiles(root: string, options: { exec?: Exec } = {}): Promise<RepoFile[]> {
  const wanted = (p: string) => isYamlPath(p) && !inSkippedDirectory(p)
  const listed = options.exec ? await gitFiles(root, options.exec, wanted) : undefined
  const found = (listed ?? (await walk(root))).filter(wanted).sort()
  return Promise.all(
    found.map(async p => ({ path: p, content: await fs.readFile(path.join(root, ...p.split('/')), 'utf8') }))
  )
}

/** Repo-relative paths of the regular files git lists under root; undefined where git cannot tell. */
async function gitFiles(
  root: string,
  exec: Exec,
  wanted: (p: string) => boolean
): Promise<string[] | undefined> {
  let listing
  try {
    listing = await exec('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'])
  } catch {
    return undefined // no git on PATH
  }
  if (listing.exitCode !== 0) return undefined // not a work tree
  const paths = [...new Set(listing.stdout.split('\0').filter(wanted))]
  // The index also lists files deleted from the working tree, submodules and symlinks: only regular files count.
  const regular = await Promise.all(
    paths.map(async p => {
      try {
        return (await fs.lstat(path.join(root, ...p.split('/')))).isFile()
      } catch {
        return false
      }
    })
  )
  return paths.filter((_, i) => regular[i])
}

async function walk(root: string): Promise<string[]> {
  const found: string[] = []
  const visit = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true })
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!isSkippedDirectory(e.name)) await visit(path.join(dir, e.name))
      } else if (e.isFile() && isYamlPath(e.name)) {
        found.push(toRepoPath(root, path.join(dir, e.name)))
      }
    }
  }
  await visit(root)
  return found
}
