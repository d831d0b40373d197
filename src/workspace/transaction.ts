import { promises as fs } from 'node:fs'
import path from 'node:path'
import { FcuError } from '../errors.js'
import { insideWorkspace } from './paths.js'

/** One change to the working tree: new content, or null to delete the file. */
export interface FileChange {
  path: string
  content: string | null
}

/**
 * Applies every change or none. New contents go to temporary files beside their targets first (same filesystem,
 * so the final rename is atomic); only when all are written are they renamed into place. If a rename fails, the
 * ones already done are put back from backups, so a failed run leaves the tree as it found it.
 */
export async function applyChanges(root: string, changes: FileChange[]): Promise<void> {
  const staged: { abs: string; tmp?: string; backup?: string; existed: boolean }[] = []
  const suffix = `.fcu-${process.pid}-${Date.now()}`
  try {
    for (const c of changes) {
      const abs = insideWorkspace(root, c.path, 'target')
      const existed = await fs
        .stat(abs)
        .then(() => true)
        .catch(() => false)
      const entry: { abs: string; tmp?: string; existed: boolean } = { abs, existed }
      if (c.content !== null) {
        await fs.mkdir(path.dirname(abs), { recursive: true })
        entry.tmp = abs + suffix + '.tmp'
        await fs.writeFile(entry.tmp, c.content, 'utf8')
      }
      staged.push(entry)
    }
  } catch (e) {
    await Promise.all(staged.filter(s => s.tmp).map(s => fs.rm(s.tmp!, { force: true })))
    if (e instanceof FcuError) throw e // a path refused, with its own message
    throw new FcuError('internal', `Could not stage changes: ${(e as Error).message}`, { cause: e })
  }

  const done: typeof staged = []
  try {
    for (const s of staged) {
      if (s.existed) {
        s.backup = s.abs + suffix + '.bak'
        await fs.rename(s.abs, s.backup)
      }
      done.push(s)
      if (s.tmp) await fs.rename(s.tmp, s.abs)
    }
  } catch (e) {
    for (const s of done.reverse()) {
      if (s.tmp) await fs.rm(s.abs, { force: true }).catch(() => {})
      if (s.backup) await fs.rename(s.backup, s.abs).catch(() => {})
    }
    await Promise.all(staged.filter(s => s.tmp).map(s => fs.rm(s.tmp!, { force: true })))
    throw new FcuError(
      'internal',
      `Could not write changes; the working tree was restored: ${(e as Error).message}`,
      { cause: e }
    )
  }
  await Promise.all(done.filter(s => s.backup).map(s => fs.rm(s.backup!, { force: true })))
}
