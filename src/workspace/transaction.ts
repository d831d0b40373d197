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
import type { Files, FileStat, Logger } from '../deps.js'
import { WorkerWrites } from './worker-writes.js'
import { insideWorkspace } from './paths.js'
import { contentDigest, removes, storedContent } from '../plan/stored.js'

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
const existing = (e: unknown): boolean => (e as { code?: unknown }).code === 'EEXIST'

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
  /** How many bytes of new contents may wait for the writing thread at once (`STAGED_AHEAD_BYTES`). */
  aheadBytes?: number
}

interface Staged {
  rel: string
  abs: string
  change: FileChange
  /** The target as it was before the run wrote anything; undefined when nothing was there. */
  stat: FileStat | undefined
  /** The new content, written and ready to be renamed over `abs`; absent for a deletion. */
  tmp?: string
  /** Its write by the worker thread, when it was staged before validation ended. */
  writing?: Promise<void>
  /** Something else was at `tmp` (the write refused it): not the run's to remove. */
  foreign?: boolean
  /** Written by the worker thread: ahead of `commit` (`writing` set) or in it. */
  byWorker?: boolean
  /** A hard link to the file as it was (a copy where links are refused; the file itself, for a deletion), for putting it back. */
  backup: string
  existed: boolean
  /** Whether `abs` is already the new content (or gone), so a rollback must put the backup back. */
  committed?: boolean
}

/** Changes checked and, where they can be, written to the scratch directory: `commit` puts them in place. */
export interface StagedChanges {
  /** Replaces every target, or none: what `applyChanges` promises. Fails with what staging met, if it met anything. */
  commit(): Promise<void>
  /** Removes what was staged; the working tree was never touched. */
  discard(): Promise<void>
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
  await (await stageChanges(root, changes, options)).commit()
}

/**
 * The first half of `applyChanges`, started while the upgrade is still being validated: every target is checked,
 * and the contents staged in the scratch directory are written there by a worker thread (on the real filesystem)
 * while the caller goes on. Nothing in the workspace changes until `commit`; what fails here is reported by
 * `commit`, so a run whose validation fails reports that instead, and `discard` leaves no file behind.
 */
export async function stageChanges(
  root: string,
  changes: readonly FileChange[],
  options: ApplyOptions = {}
): Promise<StagedChanges> {
  const files = options.files ?? nodeFiles
  // An injected filesystem (faults, tests) is called file by file, as it expects.
  const writer = files === nodeFiles ? new WorkerWrites() : undefined
  const suffix = `fcu-${process.pid}-${Date.now().toString(36)}`
  const staged: Staged[] = []
  const created: string[] = []
  let failure: { error: unknown; file: string } | undefined

  const aheadBytes = options.aheadBytes ?? STAGED_AHEAD_BYTES
  const sent = new Set<string>()
  let ahead = 0
  const post = (entry: Staged) => {
    const c = entry.change
    const digest = contentDigest(c)
    if (digest !== undefined) sent.add(digest)
    const shared = digest !== undefined ? { key: digest, uses: uses.get(digest) ?? 1 } : undefined
    entry.writing = writer!
      .write(entry.tmp!, () => asBytes(contentBytes(c)), mode(entry.stat), shared)
      .catch((e: unknown) => {
        entry.foreign = existing(e)
        throw e
      })
    // Settled (and reported) in `commit`; an early failure must not be an unhandled rejection meanwhile.
    entry.writing.catch(() => {})
  }
  // How many targets get each stored content: the worker thread is given each one once.
  const uses = new Map<string, number>()

  let current = ''
  try {
    const stagingDev = options.stagingDir ? (await files.lstat(options.stagingDir))?.dev : undefined
    const targets = changes.map(c => ({ c, abs: insideWorkspace(root, c.path, 'target') }))
    for (const { c } of targets) {
      const digest = deletes(c) ? undefined : contentDigest(c)
      if (digest !== undefined) uses.set(digest, (uses.get(digest) ?? 0) + 1)
    }
    // Every target is checked before anything is written: a directory or a read-only file where a file is written
    // fails the run while the tree is untouched.
    for (const { c, abs } of targets) {
      current = c.path
      const stat = await files.lstat(abs)
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
      const here = stagingDev !== undefined && (await deviceOf(files, path.dirname(abs))) === stagingDev
      const id = `${suffix}-${staged.length}`
      const stage = (kind: string) =>
        here
          ? path.join(options.stagingDir!, `${id}.${kind}`)
          : path.join(path.dirname(abs), `.${path.basename(abs)}.${id}.${kind}`)
      const entry: Staged = {
        rel: c.path,
        abs,
        change: c,
        stat,
        backup: stage('bak'),
        existed: stat !== undefined
      }
      staged.push(entry)
      if (deletes(c)) continue
      entry.tmp = stage('tmp')
      if (here && writer) {
        entry.byWorker = true
        // Bytes handed to the thread wait in memory until it has written them: only so many go ahead of `commit`.
        const bytes = sizeOf(c, sent)
        if (ahead === 0 || ahead + bytes <= aheadBytes) {
          ahead += bytes
          post(entry)
        }
      }
    }
  } catch (e) {
    failure = { error: e, file: current }
  }

  const settle = async () => {
    for (const s of staged) await s.writing?.catch(() => {})
  }
  const discard = async () => {
    await settle()
    await writer?.close()
    for (const s of staged) {
      if (s.tmp && !s.foreign) await files.remove(s.tmp).catch(() => {})
      if (!s.committed) await files.remove(s.backup).catch(() => {})
    }
    // Folders this run made, deepest first; one that is not empty (someone wrote into it) stays.
    for (const dir of [...created].reverse()) await files.rmdir(dir).catch(() => {})
  }

  const commit = async () => {
    if (failure) {
      await discard()
      throw writeError(failure.error, failure.file, 'nothing was written')
    }
    try {
      await sweepStaleStaging(
        files,
        root,
        staged.map(s => s.abs),
        suffix,
        options.swept
      )
      // What did not go ahead goes now, with as many bytes on their way at once as went ahead.
      const window: { entry: Staged; bytes: number }[] = []
      let waiting = 0
      for (const s of staged) {
        if (!s.byWorker || s.writing) continue
        const bytes = sizeOf(s.change, sent)
        while (window.length > 0 && waiting + bytes > aheadBytes) {
          const done = window.shift()!
          waiting -= done.bytes
          current = done.entry.rel
          await done.entry.writing
        }
        post(s)
        window.push({ entry: s, bytes })
        waiting += bytes
      }
      for (const s of staged) {
        current = s.rel
        if (!s.tmp) continue
        for (const d of await makeDirs(files, path.dirname(s.abs))) created.push(d)
        if (s.writing) await s.writing
        else {
          await files.writeFile(s.tmp, contentBytes(s.change), mode(s.stat)).catch((e: unknown) => {
            s.foreign = existing(e)
            throw e
          })
        }
      }
    } catch (e) {
      await discard()
      throw writeError(e, current, 'nothing was written')
    }
    await writer?.close()

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

  return { commit, discard }
}

/**
 * How many bytes of staged contents may wait for the worker thread at once: a fleet of 100 clusters stages about
 * 90 MB; a larger one goes on in `commit`, within the same bound.
 */
const STAGED_AHEAD_BYTES = 128 * 1024 * 1024

/** The bytes a content adds to what waits for the worker thread: none for a stored content already sent. */
function sizeOf(c: FileChange, sent: ReadonlySet<string>): number {
  const s = storedContent(c)
  if (s) return sent.has(s.ref.digest) ? 0 : s.ref.bytes
  return Buffer.byteLength(c.content ?? '', 'utf8')
}

/** A new file keeps the mode of the file it replaces. */
const mode = (stat: FileStat | undefined): number | undefined => (stat ? stat.mode & 0o7777 : undefined)

const asBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : data

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
