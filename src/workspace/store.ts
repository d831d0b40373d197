import { createHash } from 'node:crypto'
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { getHeapStatistics } from 'node:v8'
import { FcuError } from '../errors.js'
import { decodeUtf8 } from './text.js'
import type { StoredText, Texts } from '../plan/stored.js'

/** Where a text can be read back from: a file of the workspace as read (checked unchanged), or one the store wrote. */
interface Source {
  abs: string
  /** The repository path, for messages; absent for a file the store wrote. */
  file?: string
  size: number
  mtimeMs?: number
}

/**
 * Texts kept in memory, within budgets that bound the store's memory whatever the size of the repository (a fleet
 * of 500 clusters is over 500 MB of text). The resident tier keeps, for the run, the first texts met, read files and
 * new texts alike, so a repository whose texts fit is read once and nothing is written twice. When a new text finds
 * it full, the large files read first give it their room: a file can be read back from the workspace, a new text
 * would have to be spilled and read back, and it is the new texts that validation and writing read afterwards.
 * Past that, the texts used last are kept too (a stage reading a file again right after). Least-recently-used alone
 * would keep nothing useful: a run reads the whole tree several times over in the same order (discovery,
 * references, each validation), so each text would be dropped just before it is asked for again. Readers keep no
 * text they were given beyond what they use (their values are copies, and the validator reads a document's text
 * again when a finding needs its position), so the budget bounds what the run holds of the repository.
 */
const MAX_RESIDENT_BYTES = 1024 * 1024 * 1024
const MIN_RESIDENT_BYTES = 8 * 1024 * 1024
const HELD_BESIDES_TEXTS = 50 * 1024 * 1024

/**
 * The resident budget for a V8 heap of `heapLimit` bytes: a quarter of it, less what a run holds besides texts,
 * leaving the rest to what is parsed from the texts and to the garbage made between collections. On a heap too
 * small for the repository's texts (a runner with little memory, a `--max-old-space-size` in NODE_OPTIONS) the run
 * reads texts back more often instead of dying out of memory: 200 bench clusters under a 400 MB heap need it.
 */
export function residentBudgetFor(heapLimit: number): number {
  return Math.min(
    MAX_RESIDENT_BYTES,
    Math.max(MIN_RESIDENT_BYTES, Math.floor(heapLimit / 4) - HELD_BESIDES_TEXTS)
  )
}

const DEFAULT_RECENT_BYTES = 32 * 1024 * 1024

/** A read file this small keeps its room in the resident tier: many small files cost more to read back than to hold. */
const SMALL_FILE_BYTES = 64 * 1024

/**
 * The memory a text takes, from its UTF-8 length: V8 holds an ASCII text in one byte a character, and one with
 * other characters (a Calico manifest's few) in two, whatever its length on disk.
 */
const heapSize = (text: string, utf8Bytes: number): number =>
  utf8Bytes === text.length ? text.length : 2 * text.length

interface Held {
  text: string
  size: number
}

/** Recent `put` calls compared by identity first: a stage writes one regenerated text into many clusters. */
const RECENT_PUTS = 8

/**
 * The texts of one run, held by digest so that a run's memory does not grow with the repository. A workspace file
 * is registered with its digest as it is read and, once the texts kept in memory are over budget, read again
 * from the workspace when asked for (its size and mtime checked); a new text past that budget is written once to
 * the spill folder (under the run's scratch directory) and read back from there. Identical texts are one string,
 * read and stored once. Without a spill folder (tests, small trees) new texts stay in memory.
 */
export class TextStore implements Texts {
  private readonly resident = new Map<string, Held>()
  private residentSize = 0
  /** Large read files in the resident tier, first read first: the room a new text may take. */
  private readonly yielding = new Set<string>()
  private readonly cache = new Map<string, Held>()
  private cachedSize = 0
  private readonly sources = new Map<string, Source>()
  private readonly pinned = new Map<string, string>()
  private readonly recent: { text: string; ref: StoredText }[] = []
  private spillReady = false
  private readonly residentBudget: number
  private readonly recentBudget: number

  constructor(
    private readonly options: { spillDir?: string; residentBytes?: number; recentBytes?: number } = {}
  ) {
    this.residentBudget = options.residentBytes ?? residentBudgetFor(getHeapStatistics().heap_size_limit)
    this.recentBudget = options.recentBytes ?? DEFAULT_RECENT_BYTES
  }

  /**
   * Registers a workspace file just read, its bytes checked as UTF-8 (by the caller). Decoded only while the texts
   * kept for the run have room: the others are decoded when first asked for, and many files are never asked for.
   */
  addFile(file: string, abs: string, bytes: Buffer, mtimeMs: number): StoredText {
    const ref = { digest: digestOf(bytes), bytes: bytes.length }
    if (!this.sources.has(ref.digest) && !this.pinned.has(ref.digest))
      this.sources.set(ref.digest, { abs, file, size: bytes.length, mtimeMs })
    if (this.inMemory(ref.digest) === undefined && this.residentSize + bytes.length <= this.residentBudget)
      this.remember(ref.digest, decodeUtf8(bytes, file), bytes.length)
    return ref
  }

  /** Keeps a text made during the run: spilled once per digest when there is a spill folder, else held. */
  put(text: string): StoredText {
    for (const r of this.recent) if (r.text === text) return r.ref
    // The digest of its UTF-8 bytes, hashed from the string: a text kept in memory is encoded only when written.
    const ref = {
      digest: createHash('sha256').update(text, 'utf8').digest('hex'),
      bytes: Buffer.byteLength(text, 'utf8')
    }
    if (!this.sources.has(ref.digest) && !this.pinned.has(ref.digest)) {
      const dir = this.options.spillDir
      // Written to disk only past the budget of texts kept for the run: a small run writes nothing twice.
      if (dir && !this.roomFor(heapSize(text, ref.bytes))) {
        if (!this.spillReady) {
          mkdirSync(dir, { recursive: true })
          this.spillReady = true
        }
        const abs = path.join(dir, ref.digest)
        writeFileSync(abs, encode(text, ref.bytes), { flag: 'wx' })
        this.sources.set(ref.digest, { abs, size: ref.bytes })
      } else {
        this.pinned.set(ref.digest, text)
        if (dir) this.residentSize += heapSize(text, ref.bytes)
      }
    }
    this.remember(ref.digest, text, ref.bytes)
    this.recent.unshift({ text, ref })
    if (this.recent.length > RECENT_PUTS) this.recent.pop()
    return ref
  }

  /** The text of `ref`, from memory when it is kept there, else read back. */
  text(ref: StoredText): string {
    const known = this.inMemory(ref.digest)
    if (known !== undefined) {
      this.remember(ref.digest, known, ref.bytes)
      return known
    }
    const source = this.source(ref)
    const text = decodeUtf8(readBack(source), source.file ?? ref.digest)
    this.remember(ref.digest, text, ref.bytes)
    return text
  }

  /** The UTF-8 bytes of `ref`, for writing it: read from its file without decoding, where it has one. */
  bytes(ref: StoredText): Buffer {
    const held = this.pinned.get(ref.digest)
    return held !== undefined ? encode(held, ref.bytes) : readBack(this.source(ref))
  }

  private source(ref: StoredText): Source {
    const source = this.sources.get(ref.digest)
    if (!source) throw new FcuError('internal', `no text stored for ${ref.digest}`)
    return source
  }

  private inMemory(digest: string): string | undefined {
    return this.pinned.get(digest) ?? this.resident.get(digest)?.text ?? this.cache.get(digest)?.text
  }

  /** Whether the resident tier has room for `size` more bytes, once large read files have given theirs. */
  private roomFor(size: number): boolean {
    for (const digest of this.yielding) {
      if (this.residentSize + size <= this.residentBudget) break
      this.yielding.delete(digest)
      this.residentSize -= this.resident.get(digest)!.size
      this.resident.delete(digest)
    }
    return this.residentSize + size <= this.residentBudget
  }

  /** Keeps `text` (of `utf8Bytes` UTF-8 bytes) in the first tier with room for it. */
  private remember(digest: string, text: string, utf8Bytes: number): void {
    if (this.pinned.has(digest) || this.resident.has(digest)) return
    const size = heapSize(text, utf8Bytes)
    if (this.residentSize + size <= this.residentBudget) {
      const cached = this.cache.get(digest)
      if (cached) {
        this.cache.delete(digest)
        this.cachedSize -= cached.size
      }
      this.resident.set(digest, { text, size })
      this.residentSize += size
      if (size > SMALL_FILE_BYTES) this.yielding.add(digest)
      return
    }
    // Most recently used last: a Map iterates in insertion order, so the first key is the one to drop.
    const cached = this.cache.get(digest)
    if (cached) {
      this.cache.delete(digest)
      this.cache.set(digest, cached)
      return
    }
    if (size > this.recentBudget) return
    this.cache.set(digest, { text, size })
    this.cachedSize += size
    for (const [k, v] of this.cache) {
      if (this.cachedSize <= this.recentBudget) break
      this.cache.delete(k)
      this.cachedSize -= v.size
    }
  }
}

/** A file's bytes, refused when it is no longer the file the run read (edited meanwhile). */
function readBack(source: Source): Buffer {
  const fd = openSync(source.abs, 'r')
  try {
    const stat = fstatSync(fd)
    if (stat.size !== source.size || (source.mtimeMs !== undefined && stat.mtimeMs !== source.mtimeMs)) {
      throw new FcuError(
        'manifest',
        `${source.file ?? source.abs} changed on disk while the run was reading it`,
        {
          location: source.file ? { file: source.file } : {},
          hint: 'Run again when nothing else writes the working tree.'
        }
      )
    }
    const bytes = Buffer.allocUnsafe(source.size)
    for (let at = 0; at < bytes.length;) {
      const n = readSync(fd, bytes, at, bytes.length - at, at)
      if (n === 0)
        throw new FcuError('manifest', `${source.file ?? source.abs} was truncated while the run read it`)
      at += n
    }
    return bytes
  } finally {
    closeSync(fd)
  }
}

const digestOf = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/**
 * A text's UTF-8 bytes. Most manifests are ASCII, whose UTF-8 is its Latin-1, which encodes at twice the speed: a
 * string is ASCII exactly when its UTF-8 has as many bytes as it has characters.
 */
function encode(text: string, bytes = Buffer.byteLength(text, 'utf8')): Buffer {
  return Buffer.from(text, bytes === text.length ? 'latin1' : 'utf8')
}
