import { promises as fs } from 'node:fs'
import path from 'node:path'
import * as posix from 'node:path/posix'
import type { Exec } from '../deps.js'
import { CONFIGMAP_MAX_BYTES } from '../kubernetes/limits.js'
import { tryParseDocuments } from '../yaml/documents.js'
import { kustomizationFileNames, type UnreadReason } from '../kustomize/files.js'
import { inSkippedDirectory, isSkippedDirectory, isYamlPath, toRepoPath } from './paths.js'
import { checkUtf8, decodeUtf8, readYamlBytes } from './text.js'
import type { TextStore } from './store.js'
import { withStoredContent } from '../plan/stored.js'
import { FcuError, type Finding } from '../errors.js'

/** The repository as the engine sees it: YAML files by repo-relative path. Read once per run (SPEC §9). */
export interface RepoFile {
  path: string
  content: string
}

/** A file a kustomization names that was not read, and why; the renderer says so rather than "does not exist". */
export interface UnreadFile {
  path: string
  reason: UnreadReason
}

/** YAML files, plus the files of any type that kustomizations read into ConfigMaps and Secrets. */
export interface RepositoryRead {
  files: RepoFile[]
  unread: UnreadFile[]
  /**
   * YAML files refused unread (over the size limit, not UTF-8), as warnings: most are no manifest (an application's
   * Latin-1 config), and one file must not stop a run over the whole repository. A kustomization that lists one gets
   * an error from the renderer, as for any file it cannot read.
   */
  refused: Finding[]
  /** YAML paths that are symbolic links: never read or written through, so a config naming one is told why. */
  links: string[]
}

const KUSTOMIZATION = new Set<string>(kustomizationFileNames)

/**
 * A generator input larger than a ConfigMap can hold cannot be applied anyway; the budget bounds what one run
 * reads into memory however many kustomizations name large files.
 */
const GENERATOR_INPUT_MAX_BYTES = CONFIGMAP_MAX_BYTES
const GENERATOR_INPUTS_BUDGET_BYTES = 64 * CONFIGMAP_MAX_BYTES

/** A listed path; its kind on disk, where the listing tells it (a walk does, git does not). */
interface Listed {
  path: string
  kind?: 'file' | 'symlink' | 'other'
}

/** The kind on disk: lstat only for the paths read, so listing a large repository stays one git call. */
async function kindOf(root: string, f: Listed): Promise<Listed['kind']> {
  if (f.kind) return f.kind
  try {
    const stat = await fs.lstat(path.join(root, ...f.path.split('/')))
    f.kind = stat.isFile() ? 'file' : stat.isSymbolicLink() ? 'symlink' : 'other'
  } catch {
    f.kind = 'other' // in the index, deleted from the working tree
  }
  return f.kind
}

/** The listed YAML files, with the kind of each. */
async function yamlEntries(root: string, listed: readonly Listed[]): Promise<Listed[]> {
  const yaml = listed.filter(f => isYamlPath(f.path))
  await Promise.all(yaml.map(f => kindOf(root, f)))
  return yaml
}

/**
 * Lists and reads every YAML file under root, sorted by path so runs are deterministic. Where root is in a git
 * work tree (and `exec` can run git), the files are those git sees: tracked ones and untracked ones that no
 * `.gitignore` excludes, so generated or ignored files (build output, local secrets) are never validated.
 * Elsewhere (no git, no work tree) every file under root is read, except in the folders never read
 * (`isSkippedDirectory`), which the git listing skips as well.
 */
export async function readYamlFiles(root: string, options: { exec?: Exec } = {}): Promise<RepoFile[]> {
  const yaml = await yamlEntries(root, await listFiles(root, options.exec))
  const { files, refused } = await readAll(
    root,
    yaml.filter(f => f.kind === 'file')
  )
  if (refused.length > 0) throw refused[0].error
  return files
}

/**
 * The YAML files (as `readYamlFiles`), and the non-YAML files that `configMapGenerator` / `secretGenerator`
 * entries (`files`, `envs`, `env`) of the kustomizations among them name, as kustomize-controller reads them: a
 * symlink is followed while it resolves inside the repository. A named file that is a symlink leading out of the
 * repository, or larger than a ConfigMap holds, is not read and is listed in `unread`. Only files the listing
 * has are read, so a file git ignores is as absent as it is for Flux.
 */
export async function readRepository(
  root: string,
  options: { exec?: Exec; store?: TextStore } = {}
): Promise<RepositoryRead> {
  const listed = await listFiles(root, options.exec)
  const byPath = new Map(listed.map(f => [f.path, f]))
  const yaml = await yamlEntries(root, listed)
  const { files, refused } = await readAll(
    root,
    yaml.filter(f => f.kind === 'file'),
    options.store
  )
  const have = new Set(files.map(f => f.path))
  const realRoot = await fs.realpath(root)
  const unread: UnreadFile[] = refused.map(r => ({ path: r.path, reason: 'refused' }))
  let budget = GENERATOR_INPUTS_BUDGET_BYTES
  const inputs = [
    ...new Set(files.filter(f => KUSTOMIZATION.has(posix.basename(f.path))).flatMap(generatorInputs))
  ].sort()
  for (const p of inputs) {
    const entry = byPath.get(p)
    if (!entry || have.has(p)) continue
    const kind = await kindOf(root, entry)
    if (kind === 'other') continue
    const abs = path.join(root, ...p.split('/'))
    let real: string
    try {
      real = await fs.realpath(abs)
    } catch {
      continue // a dangling symlink: the renderer reports the file missing
    }
    const rel = path.relative(realRoot, real)
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      unread.push({ path: p, reason: 'outside-repository' })
      continue
    }
    const stat = await fs.stat(real)
    if (!stat.isFile()) continue
    if (stat.size > GENERATOR_INPUT_MAX_BYTES || stat.size > budget) {
      unread.push({ path: p, reason: 'too-large' })
      continue
    }
    budget -= stat.size
    files.push({ path: p, content: await fs.readFile(real, 'utf8') })
    have.add(p)
  }
  // A YAML resource that is a symlink leading out of the repository is not followed either; say so where named.
  for (const f of yaml) {
    if (f.kind !== 'symlink' || have.has(f.path)) continue
    const real = await fs.realpath(path.join(root, ...f.path.split('/'))).catch(() => undefined)
    if (!real) continue
    const rel = path.relative(realRoot, real)
    if (rel.startsWith('..') || path.isAbsolute(rel))
      unread.push({ path: f.path, reason: 'outside-repository' })
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  unread.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return {
    files,
    unread,
    links: yaml.filter(f => f.kind === 'symlink').map(f => f.path),
    refused: refused.map(({ path: file, error }) => ({
      severity: 'warning',
      rule: 'yaml/unreadable',
      ...error.location,
      file,
      message: `${error.message}: not read, so not validated`,
      hint: error.hint
    }))
  }
}

/** The repository paths a kustomization file's generators read, resolved against its directory. */
function generatorInputs(file: RepoFile): string[] {
  const dir = posix.dirname(file.path)
  const out: string[] = []
  const add = (entry: unknown) => {
    if (typeof entry !== 'string' || entry === '') return
    const eq = entry.indexOf('=')
    const joined = posix.normalize(posix.join(dir, eq > 0 ? entry.slice(eq + 1) : entry))
    if (joined.startsWith('../') || joined === '..' || posix.isAbsolute(joined) || inSkippedDirectory(joined))
      return
    out.push(joined)
  }
  for (const doc of tryParseDocuments(file.content, file.path).documents) {
    const spec = doc.value as Record<string, unknown> | null
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) continue
    for (const field of ['configMapGenerator', 'secretGenerator']) {
      const generators = spec[field]
      if (!Array.isArray(generators)) continue
      for (const g of generators as unknown[]) {
        if (g === null || typeof g !== 'object') continue
        const args = g as Record<string, unknown>
        for (const key of ['files', 'envs'])
          if (Array.isArray(args[key])) (args[key] as unknown[]).forEach(add)
        add(args.env)
      }
    }
  }
  return out
}

async function readAll(
  root: string,
  listed: readonly Listed[],
  store?: TextStore
): Promise<{ files: RepoFile[]; refused: { path: string; error: FcuError }[] }> {
  const files: RepoFile[] = []
  const refused: { path: string; error: FcuError }[] = []
  // One file in memory at a time: with a store, what stays is its digest (and the text, while the store has room).
  // Each is read into the same buffer, which neither the store nor the decoded text keeps.
  let buffer = Buffer.allocUnsafeSlow(0)
  const into = (size: number) => (buffer.length >= size ? buffer : (buffer = Buffer.allocUnsafeSlow(size)))
  for (const p of listed.map(f => f.path).sort()) {
    const abs = path.join(root, ...p.split('/'))
    try {
      const { bytes, mtimeMs } = readYamlBytes(abs, p, into)
      if (store) {
        checkUtf8(bytes, p)
        files.push(withStoredContent({ path: p }, store.addFile(p, abs, bytes, mtimeMs), store))
      } else files.push({ path: p, content: decodeUtf8(bytes, p) })
    } catch (e) {
      if (e instanceof FcuError && e.code === 'manifest') refused.push({ path: p, error: e })
      else throw e
    }
  }
  return { files, refused }
}

/**
 * The files and symlinks under root, repository-relative, outside the folders never read: git's listing where root is
 * in a work tree, else a walk of the directory.
 */
async function listFiles(root: string, exec: Exec | undefined): Promise<Listed[]> {
  return (exec ? await gitFiles(root, exec) : undefined) ?? (await walk(root))
}

/** What git lists under root; undefined where git cannot tell. */
async function gitFiles(root: string, exec: Exec): Promise<Listed[] | undefined> {
  let listing
  try {
    listing = await exec('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'])
  } catch {
    return undefined // no git on PATH
  }
  if (listing.exitCode !== 0) return undefined // not a work tree
  const paths = [...new Set(listing.stdout.split('\0').filter(p => p !== '' && !inSkippedDirectory(p)))]
  // The index also lists files deleted from the working tree, submodules and symlinks: `kindOf` tells them apart.
  return paths.map(p => ({ path: p }))
}

async function walk(root: string): Promise<Listed[]> {
  const found: Listed[] = []
  const visit = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true })
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!isSkippedDirectory(e.name)) await visit(path.join(dir, e.name))
      } else if (e.isFile() || e.isSymbolicLink()) {
        const kind = e.isFile() ? 'file' : 'symlink'
        found.push({ path: toRepoPath(root, path.join(dir, e.name)), kind })
      }
    }
  }
  await visit(root)
  return found
}
