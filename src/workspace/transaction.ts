import {
  accessSync,
  constants,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  writeFileSync
} from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { FcuError } from '../errors.js'
import { mapBounded } from '../arrays.js'
import type { Files, Logger } from '../deps.js'
import { insideWorkspace } from './paths.js'
import { removes, storedContent } from '../plan/stored.js'

/**
 * One change to the working tree: new content, or null to delete the file. A content kept in a `TextStore` is read
 * when its file is staged, one file at a time.
 */
export interface FileChange {
  path: string
  content: string | null
}

const deletes = removes

/** What to write: a stored content as the bytes its store has (not decoded and encoded again), else the text. */
const contentBytes = (c: FileChange): string | Uint8Array => {
  const s = storedContent(c)
  return s ? s.store.bytes(s.ref) : c.content!
}

const missing = (e: unknown): boolean => (e as { code?: unknown }).code === 'ENOENT'

/**
 * The real filesystem, through synchronous calls: a write phase makes some ten calls per file, one after the other,
 * and a thread-pool round trip per call costs more than the call itself. Each still answers with a promise, a
 * failure as a rejection, so callers (and tests that wrap these) see the same interface. Removing is the exception:
 * removing the last link to a file frees its blocks, milliseconds each on a disk that discards them, and the
 * removals of a write phase run side by side in the thread pool.
 */
export const nodeFiles: Files = {
  // `wx`: a staging name is fresh; an existing file there (planted, or a collision) fails instead of being followed.
  writeFile: async (file, data, mode) => writeFileSync(file, data, { encoding: 'utf8', flag: 'wx', mode }),
  rename: async (from, to) => renameSync(from, to),
  link: async (existing, created) => linkSync(existing, created),
  copy: async (existing, created) => copyFileSync(existing, created, constants.COPYFILE_EXCL),
  list: async dir => {
    try {
      return readdirSync(dir)
    } catch (e) {
      if (missing(e)) return []
      throw e
    }
  },
  remove: file => rm(file, { force: true }),
  mkdir: async dir => void mkdirSync(dir),
  rmdir: async dir => rmdirSync(dir),
  lstat: async file => {
    try {
      return lstatSync(file)
    } catch (e) {
      if (missing(e)) return undefined
      throw e
    }
  },
  writable: async file => {
    try {
      accessSync(file, constants.W_OK)
      return true
    } catch {
      return false
    }
  }
}

export interface ApplyOptions {
  files?: Files
  /**
   * Where new contents and backups are staged (the run's scratch directory) when it is on the target's filesystem;
   * elsewhere they are staged beside the target, as hidden `.<name>.fcu-*` files.
   */
  stagingDir?: string
  /** Told of each hidden staging file a killed run left beside a target and this run removed. */
  swept?: (file: string) => void
}

interface Staged {
  rel: string
  abs: string
  /** The new content, written and ready to be renamed over `abs`; absent for a deletion. */
  tmp?: string
  /** A hard link to the file as it was (a copy where links are refused; the file itself, for a deletion), for putting it back. */
  backup: string
  existed: boolean
  /** Whether `abs` is already the new content (or gone), so a rollback must put the backup back. */
  committed?: boolean
}

/**
 * Applies every change or none, and never leaves a file half written. Each new content is written in full to a
 * temporary file on the target's filesystem (the run's scratch directory when it shares it, so a killed run leaves
 * nothing in the workspace); only when all are written does each replace its target by one rename, which a crash
 * cannot split: at every moment each file is either its old content or its new one. A failure before the renames
 * changes nothing; a failure during them puts back the files already replaced, from hard links (or copies) made beforehand.
 */
export async function applyChanges(
  root: string,
  changes: readonly FileChange[],
  options: ApplyOptions = {}
): Promise<void> {
  const files = options.files ?? nodeFiles
  const suffix = `fcu-${process.pid}-${Date.now().toString(36)}`
  const stagingDev = options.stagingDir ? (await files.lstat(options.stagingDir))?.dev : undefined
  const staged: Staged[] = []
  const created: string[] = []

  const discard = async () => {
    for (const s of staged) {
      if (s.tmp) await files.remove(s.tmp).catch(() => {})
      if (!s.committed) await files.remove(s.backup).catch(() => {})
    }
    // Folders this run made, deepest first; one that is not empty (someone wrote into it) stays.
    for (const dir of [...created].reverse()) await files.rmdir(dir).catch(() => {})
  }

  let current = ''
  try {
    const targets = changes.map(c => ({ c, abs: insideWorkspace(root, c.path, 'target') }))
    // Every target is checked before anything is written: a directory or a read-only file where a file is written
    // fails the run while the tree is untouched.
    const before = new Map<string, Awaited<ReturnType<Files['lstat']>>>()
    for (const { c, abs } of targets) {
      current = c.path
      const stat = await files.lstat(abs)
      before.set(abs, stat)
      if (stat && stat.isDirectory()) {
        throw new FcuError('write', `Cannot write ${c.path}: it is a directory, not a file`, {
          location: { file: c.path },
          hint: 'Move the directory away (the upgrade writes a file at this path), or exclude the file in the config.'
        })
      }
      if (stat && stat.isFile() && !deletes(c) && !(await files.writable(abs))) {
        throw new FcuError('write', `Cannot write ${c.path}: the file is read-only`, {
          location: { file: c.path },
          hint: 'Make the file writable (chmod u+w) for the job, or exclude it in the config.'
        })
      }
    }
    await sweepStaleStaging(
      files,
      root,
      targets.map(t => t.abs),
      suffix,
      options.swept
    )
    let n = 0
    for (const { c, abs } of targets) {
      current = c.path
      const stat = before.get(abs)
      const dir = path.dirname(abs)
      const dev = await deviceOf(files, dir)
      const here = stagingDev !== undefined && dev === stagingDev
      const id = `${suffix}-${n++}`
      const stage = (kind: string) =>
        here
          ? path.join(options.stagingDir!, `${id}.${kind}`)
          : path.join(dir, `.${path.basename(abs)}.${id}.${kind}`)
      const entry: Staged = { rel: c.path, abs, backup: stage('bak'), existed: stat !== undefined }
      if (!deletes(c)) {
        for (const d of await makeDirs(files, dir)) created.push(d)
        entry.tmp = stage('tmp')
        staged.push(entry)
        await files.writeFile(entry.tmp, contentBytes(c), stat ? stat.mode & 0o7777 : undefined)
      } else staged.push(entry)
    }
  } catch (e) {
    await discard()
    throw writeError(e, current, 'nothing was written')
  }

  try {
    for (const s of staged) {
      current = s.rel
      if (s.tmp) {
        if (s.existed) await backUp(files, s.abs, s.backup)
        await files.rename(s.tmp, s.abs)
        s.tmp = undefined
      } else if (s.existed) await files.rename(s.abs, s.backup)
      s.committed = true
    }
  } catch (e) {
    for (const s of [...staged].reverse()) {
      if (!s.committed) continue
      if (s.existed) await files.rename(s.backup, s.abs).catch(() => {})
      else await files.remove(s.abs).catch(() => {})
      s.committed = false
    }
    await discard()
    throw writeError(e, current, 'the working tree was restored')
  }
  await mapBounded(
    staged.filter(s => s.existed),
    REMOVALS_AT_ONCE,
    s => files.remove(s.backup).catch(() => {})
  )
}

/** Backups removed side by side: as many as the thread pool runs at once (four by default). */
const REMOVALS_AT_ONCE = 4

/** The log line for a file `sweepStaleStaging` removed. */
export const sweptNotice =
  (log: Logger) =>
  (file: string): void =>
    log.info(`Removed ${file}: a staging file that a killed run left`)

// Filesystems that refuse hard links (some network and FUSE mounts, FAT): the backup is a copy there.
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS'])

async function backUp(files: Files, file: string, backup: string): Promise<void> {
  try {
    await files.link(file, backup)
  } catch (e) {
    if (!NO_HARD_LINKS.has(String((e as { code?: unknown }).code))) throw e
    await files.copy(file, backup)
  }
}

/** `.<name>.fcu-<pid>-<time>-<n>.tmp|bak`: what `applyChanges` stages beside a target. */
const STAGED_BESIDE = /^\.[^/]+\.fcu-(\d+)-[0-9a-z]+-\d+\.(?:tmp|bak)$/

/**
 * A run killed while staging beside its targets (when the scratch directory is on another filesystem) leaves its
 * hidden files there; the next run that writes in those folders removes them. Only files of a process that is no
 * longer running: another run at work in the same tree keeps its own.
 */
async function sweepStaleStaging(
  files: Files,
  root: string,
  targets: readonly string[],
  ownSuffix: string,
  swept?: (file: string) => void
): Promise<void> {
  for (const dir of [...new Set(targets.map(t => path.dirname(t)))].sort()) {
    for (const name of await files.list(dir)) {
      const m = STAGED_BESIDE.exec(name)
      if (!m || name.includes(ownSuffix) || running(Number(m[1]))) continue
      const file = path.join(dir, name)
      await files.remove(file)
      swept?.(path.relative(root, file).split(path.sep).join('/'))
    }
  }
}

function running(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as { code?: unknown }).code === 'EPERM'
  }
}

/** The filesystem of `dir`, or of its nearest existing parent when it is still to be made. */
async function deviceOf(files: Files, dir: string): Promise<number | undefined> {
  for (let d = dir; ; d = path.dirname(d)) {
    const stat = await files.lstat(d)
    if (stat) return stat.dev
    if (path.dirname(d) === d) return undefined
  }
}

/** Makes `dir` and the parents it lacks; returns those it made, outermost first. */
async function makeDirs(files: Files, dir: string): Promise<string[]> {
  const lacking: string[] = []
  for (let d = dir; !(await files.lstat(d)); d = path.dirname(d)) {
    lacking.unshift(d)
    if (path.dirname(d) === d) break
  }
  const made: string[] = []
  for (const d of lacking) {
    await files.mkdir(d)
    made.push(d)
  }
  return made
}

const reasons: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the filesystem is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  ENOTDIR: 'a parent of it is a file, not a directory',
  EISDIR: 'it is a directory, not a file'
}

function writeError(e: unknown, file: string, outcome: string): FcuError {
  if (e instanceof FcuError) return e
  const code = (e as { code?: unknown }).code
  const reason =
    typeof code === 'string' && reasons[code]
      ? `${reasons[code]} (${code})`
      : e instanceof Error
        ? e.message
        : String(e)
  const full = code === 'ENOSPC' || code === 'EDQUOT'
  return new FcuError('write', `Could not write ${file}: ${reason}; ${outcome}`, {
    location: { file },
    hint: full
      ? 'Free space on the runner (the workspace and RUNNER_TEMP) and run again.'
      : 'Check that the job may write the working tree (its owner and permissions) and run again.',
    cause: e
  })
}
