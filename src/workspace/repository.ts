import { promises as fs } from 'node:fs'
import path from 'node:path'
import { isSkippedDirectory, isYamlPath, toRepoPath } from './paths.js'

/** The repository as the engine sees it: YAML files by repo-relative path. Read once per run (SPEC §9). */
export interface RepoFile {
  path: string
  content: string
}

/** Lists and reads every YAML file under root, sorted by path so runs are deterministic. */
export async function readYamlFiles(root: string): Promise<RepoFile[]> {
  const found: string[] = []
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true })
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!isSkippedDirectory(e.name)) await walk(path.join(dir, e.name))
      } else if (e.isFile() && isYamlPath(e.name)) {
        found.push(path.join(dir, e.name))
      }
    }
  }
  await walk(root)
  found.sort()
  return Promise.all(
    found.map(async abs => ({ path: toRepoPath(root, abs), content: await fs.readFile(abs, 'utf8') }))
  )
}
