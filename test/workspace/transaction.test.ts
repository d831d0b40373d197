import { jest } from '@jest/globals'
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  existsSync,
  chmodSync,
  statSync
} from 'node:fs'
import os from 'node:os'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { applyChanges, nodeFiles, stageChanges } from '../../src/workspace/transaction.js'
import type { Files } from '../../src/deps.js'
import { readYamlFiles } from '../../src/workspace/repository.js'
import { insideWorkspace } from '../../src/workspace/paths.js'
import { FcuError } from '../../src/errors.js'
import { TextStore } from '../../src/workspace/store.js'
import { withStoredContent } from '../../src/plan/stored.js'

const tree = (root: string): Record<string, string> => {
  const out: Record<string, string> = {}
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else out[path.relative(root, p)] = readFileSync(p, 'utf8')
    }
  }
  walk(root)
  return out
}

describe('applyChanges', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'fcu-tx-'))
    mkdirSync(path.join(root, 'a'))
    writeFileSync(path.join(root, 'a/old.yaml'), 'old: 1\n')
    writeFileSync(path.join(root, 'a/keep.yaml'), 'keep: 1\n')
  })

  it('writes, adds and deletes files, leaving no temporary files', async () => {
    await applyChanges(root, [
      { path: 'a/keep.yaml', content: 'keep: 2\n' },
      { path: 'b/new.yaml', content: 'new: 1\n' },
      { path: 'a/old.yaml', content: null }
    ])
    expect(tree(root)).toEqual({ 'a/keep.yaml': 'keep: 2\n', 'b/new.yaml': 'new: 1\n' })
  })

  it('leaves the tree as it was when one write cannot happen', async () => {
    const before = tree(root)
    mkdirSync(path.join(root, 'locked'))
    chmodSync(path.join(root, 'locked'), 0o500)
    const isRoot = process.getuid?.() === 0
    // root ignores directory permissions; a path under a regular file fails for everyone.
    const impossible = isRoot ? 'a/keep.yaml/child.yaml' : 'locked/x.yaml'
    await expect(
      applyChanges(root, [
        { path: 'a/old.yaml', content: 'changed\n' },
        { path: impossible, content: 'x\n' }
      ])
    ).rejects.toThrow(FcuError)
    chmodSync(path.join(root, 'locked'), 0o700)
    expect(tree(root)).toEqual(before)
  })

  it('refuses paths outside the workspace before writing anything', async () => {
    const before = tree(root)
    await expect(
      applyChanges(root, [
        { path: 'a/keep.yaml', content: 'changed\n' },
        { path: '../escape.yaml', content: 'x\n' }
      ])
    ).rejects.toThrow(/outside the workspace/)
    expect(tree(root)).toEqual(before)
    expect(existsSync(path.join(root, '..', 'escape.yaml'))).toBe(false)
  })
})

/** The real filesystem, with every path written recorded and a failure injected where `fail` says. */
function faultyFiles(fail: (op: keyof Files, file: string, count: number) => Error | undefined): {
  files: Files
  written: string[]
} {
  const written: string[] = []
  const counts = new Map<string, number>()
  const wrap =
    <K extends keyof Files>(op: K) =>
    async (...args: Parameters<Files[K]>): Promise<Awaited<ReturnType<Files[K]>>> => {
      const n = (counts.get(op) ?? 0) + 1
      counts.set(op, n)
      const e = fail(op, String(args[0]), n)
      if (e) throw e
      if (op === 'writeFile') written.push(String(args[0]))
      return (nodeFiles[op] as (...a: unknown[]) => Promise<Awaited<ReturnType<Files[K]>>>)(...args)
    }
  const files = Object.fromEntries(
    (Object.keys(nodeFiles) as (keyof Files)[]).map(op => [op, wrap(op)])
  ) as unknown as Files
  return { files, written }
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })

/** Three changes (a write, a new file in new folders, a deletion) to the tree `workspaceWithScratch` makes. */
const CHANGES = [
  { path: 'a/keep.yaml', content: 'keep: 2\n' },
  { path: 'b/c/new.yaml', content: 'new: 1\n' },
  { path: 'a/old.yaml', content: null }
]

/** A workspace with two files (one executable) and a scratch directory beside it, on the same filesystem. */
function workspaceWithScratch(): { root: string; staging: string } {
  const base = mkdtempSync(path.join(os.tmpdir(), 'fcu-tx-'))
  const root = path.join(base, 'work')
  const staging = path.join(base, 'temp')
  mkdirSync(path.join(root, 'a'), { recursive: true })
  mkdirSync(staging)
  writeFileSync(path.join(root, 'a/old.yaml'), 'old: 1\n')
  writeFileSync(path.join(root, 'a/keep.yaml'), 'keep: 1\n', { mode: 0o755 })
  return { root, staging }
}

describe('applyChanges under faults', () => {
  let root: string
  let staging: string
  const changes = CHANGES
  beforeEach(() => {
    ;({ root, staging } = workspaceWithScratch())
  })

  it('stages every new content in the scratch directory when it shares the filesystem, and keeps file modes', async () => {
    const { files, written } = faultyFiles(() => undefined)
    await applyChanges(root, changes, { files, stagingDir: staging })
    expect(written).toHaveLength(2)
    for (const w of written) expect(path.dirname(w)).toBe(staging)
    expect(tree(root)).toEqual({ 'a/keep.yaml': 'keep: 2\n', 'b/c/new.yaml': 'new: 1\n' })
    expect(statSync(path.join(root, 'a/keep.yaml')).mode & 0o777).toBe(0o755)
    expect(readdirSync(staging)).toEqual([])
  })

  it('stages beside the target, hidden, without a scratch directory, and leaves none behind', async () => {
    const { files, written } = faultyFiles(() => undefined)
    await applyChanges(root, changes, { files })
    expect(written.map(w => path.basename(w))).toEqual([
      expect.stringMatching(/^\.keep\.yaml\.fcu-\d+-\w+-0\.tmp$/),
      expect.stringMatching(/^\.new\.yaml\.fcu-\d+-\w+-1\.tmp$/)
    ])
    expect(tree(root)).toEqual({ 'a/keep.yaml': 'keep: 2\n', 'b/c/new.yaml': 'new: 1\n' })
  })

  it('fails on a full disk midway with the file and the reason, and changes nothing', async () => {
    const before = tree(root)
    // The first file is staged; the second write finds the disk full.
    const { files } = faultyFiles((op, _f, n) => (op === 'writeFile' && n === 2 ? enospc() : undefined))
    const error = await applyChanges(root, changes, { files, stagingDir: staging }).catch(e => e)
    expect(error).toBeInstanceOf(FcuError)
    expect(error).toMatchObject({
      code: 'write',
      message: 'Could not write b/c/new.yaml: no space left on the device (ENOSPC); nothing was written',
      location: { file: 'b/c/new.yaml' },
      hint: 'Free space on the runner (the workspace and RUNNER_TEMP) and run again.'
    })
    expect(tree(root)).toEqual(before)
    // No folder made for the new file is left, and nothing staged stays in the scratch directory.
    expect(existsSync(path.join(root, 'b'))).toBe(false)
    expect(readdirSync(staging)).toEqual([])
  })

  it('puts back the files already replaced when a rename fails midway', async () => {
    const before = tree(root)
    const { files } = faultyFiles((op, _f, n) =>
      op === 'rename' && n === 2 ? Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }) : undefined
    )
    await expect(applyChanges(root, changes, { files, stagingDir: staging })).rejects.toThrow(
      'Could not write b/c/new.yaml: EIO: i/o error; the working tree was restored'
    )
    expect(tree(root)).toEqual(before)
    expect(readdirSync(staging)).toEqual([])
  })

  it('backs files up by copying where the filesystem refuses hard links, and still restores them', async () => {
    const before = tree(root)
    const eperm = () => Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' })
    const failing = faultyFiles((op, _f, n) =>
      op === 'link'
        ? eperm()
        : op === 'rename' && n === 2
          ? Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })
          : undefined
    )
    await expect(applyChanges(root, changes, { files: failing.files, stagingDir: staging })).rejects.toThrow(
      'Could not write b/c/new.yaml: EIO: i/o error; the working tree was restored'
    )
    expect(tree(root)).toEqual(before)
    expect(statSync(path.join(root, 'a/keep.yaml')).mode & 0o777).toBe(0o755)
    expect(readdirSync(staging)).toEqual([])

    const { files } = faultyFiles(op => (op === 'link' ? eperm() : undefined))
    await applyChanges(root, changes, { files, stagingDir: staging })
    expect(tree(root)).toEqual({ 'a/keep.yaml': 'keep: 2\n', 'b/c/new.yaml': 'new: 1\n' })
    expect(readdirSync(staging)).toEqual([])
  })

  it('fails without a fallback when a hard link fails for another reason', async () => {
    const before = tree(root)
    const { files } = faultyFiles(op =>
      op === 'link' ? Object.assign(new Error('EIO: i/o error, link'), { code: 'EIO' }) : undefined
    )
    await expect(applyChanges(root, changes, { files, stagingDir: staging })).rejects.toThrow(
      'Could not write a/keep.yaml: EIO: i/o error, link; the working tree was restored'
    )
    expect(tree(root)).toEqual(before)
  })

  it('removes the hidden staging files a killed run left beside its targets, and only those', async () => {
    // A process that has ended: its pid names no running process (until reused, which takes a while).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8'
    }).stdout
    const left = [`.keep.yaml.fcu-${dead}-mdk2x1-0.tmp`, `.old.yaml.fcu-${dead}-mdk2x1-1.bak`]
    // pid 1 runs for as long as the machine does; a file named like ours but not ours is the user's.
    const kept = ['.keep.yaml.fcu-1-mdk2x1-0.tmp', '.keep.yaml.fcu-notes.tmp', 'keep.yaml.fcu-9-x-0.tmp']
    for (const f of [...left, ...kept]) writeFileSync(path.join(root, 'a', f), 'staged\n')
    mkdirSync(path.join(root, 'elsewhere'))
    writeFileSync(path.join(root, 'elsewhere', `.x.yaml.fcu-${dead}-mdk2x1-0.tmp`), 'staged\n')
    const swept: string[] = []
    await applyChanges(root, changes, { files: nodeFiles, swept: f => swept.push(f) })
    expect(swept.sort()).toEqual(left.map(f => `a/${f}`).sort())
    expect(readdirSync(path.join(root, 'a')).sort()).toEqual(['keep.yaml', ...kept].sort())
    // Only the folders this run writes in are looked at.
    expect(readdirSync(path.join(root, 'elsewhere'))).toHaveLength(1)
  })

  it('refuses a directory where a file is written before writing anything', async () => {
    const before = tree(root)
    mkdirSync(path.join(root, 'b/c/new.yaml'), { recursive: true })
    const { files, written } = faultyFiles(() => undefined)
    await expect(applyChanges(root, changes, { files, stagingDir: staging })).rejects.toMatchObject({
      code: 'write',
      message: 'Cannot write b/c/new.yaml: it is a directory, not a file'
    })
    expect(written).toEqual([])
    expect(tree(root)).toEqual(before)
  })

  const asRoot = process.getuid?.() === 0
  ;(asRoot ? it.skip : it)('refuses a read-only target file before writing anything', async () => {
    const before = tree(root)
    chmodSync(path.join(root, 'a/keep.yaml'), 0o444)
    await expect(applyChanges(root, changes, { stagingDir: staging })).rejects.toThrow(
      'Cannot write a/keep.yaml: the file is read-only'
    )
    expect(tree(root)).toEqual(before)
  })
  if (asRoot)
    console.warn(
      'read-only target file not tested: running as root, who may write any file (the directory case is)'
    )
})

describe('stageChanges on the real filesystem', () => {
  let root: string
  let staging: string
  const changes = CHANGES
  beforeEach(() => {
    ;({ root, staging } = workspaceWithScratch())
  })

  it('writes the new contents into the scratch directory and touches the workspace only on commit', async () => {
    const before = tree(root)
    const staged = await stageChanges(root, changes, { stagingDir: staging })
    // The worker thread writes while the caller goes on (validation, in a run); the tree is as it was.
    expect(tree(root)).toEqual(before)
    expect(existsSync(path.join(root, 'b'))).toBe(false)
    await staged.commit()
    expect(tree(root)).toEqual({ 'a/keep.yaml': 'keep: 2\n', 'b/c/new.yaml': 'new: 1\n' })
    expect(statSync(path.join(root, 'a/keep.yaml')).mode & 0o777).toBe(0o755)
    expect(readdirSync(staging)).toEqual([])
  })

  it('writes a stored content that several targets get into each of them', async () => {
    const store = new TextStore()
    const install = store.put(`kind: Install\ndata: ${'x'.repeat(100_000)}\n`)
    const other = store.put('kind: Other\n')
    const changes = ['c0', 'c1', 'c2'].map(c =>
      withStoredContent({ path: `${c}/install.yaml` }, install, store)
    )
    changes.splice(1, 0, withStoredContent({ path: 'c0/other.yaml' }, other, store))
    const staged = await stageChanges(root, changes, { stagingDir: staging })
    await staged.commit()
    const written = tree(root)
    for (const c of ['c0', 'c1', 'c2']) expect(written[`${c}/install.yaml`]).toBe(store.text(install))
    expect(written['c0/other.yaml']).toBe('kind: Other\n')
    expect(readdirSync(staging)).toEqual([])
  })

  it('hands the writing thread no more bytes ahead of commit than its bound, and writes the rest in commit', async () => {
    const many = Array.from({ length: 6 }, (_, i) => ({
      path: `m/f${i}.yaml`,
      content: `n: ${i}\n`.repeat(10)
    }))
    const staged = await stageChanges(root, many, { stagingDir: staging, aheadBytes: 60 })
    // 50 bytes each: one goes ahead; the thread writes it while the caller goes on.
    for (let i = 0; i < 100 && readdirSync(staging).length === 0; i++)
      await new Promise(r => setTimeout(r, 10))
    await new Promise(r => setTimeout(r, 50))
    expect(readdirSync(staging)).toHaveLength(1)
    await staged.commit()
    expect(Object.keys(tree(root)).filter(p => p.startsWith('m/'))).toHaveLength(6)
    for (const c of many) expect(readFileSync(path.join(root, c.path), 'utf8')).toBe(c.content)
    expect(readdirSync(staging)).toEqual([])
  })

  it('leaves the workspace as it was and the scratch directory empty when discarded', async () => {
    const before = tree(root)
    const staged = await stageChanges(root, changes, { stagingDir: staging })
    await staged.discard()
    expect(tree(root)).toEqual(before)
    expect(readdirSync(staging)).toEqual([])
  })

  it('reports a write the worker thread could not make at commit, naming the file, and changes nothing', async () => {
    const before = tree(root)
    const now = Date.now()
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now)
    // Something already sits where the second content is staged: a staging name is never written through.
    writeFileSync(path.join(staging, `fcu-${process.pid}-${now.toString(36)}-1.tmp`), 'planted\n')
    try {
      const staged = await stageChanges(root, changes, { stagingDir: staging })
      await expect(staged.commit()).rejects.toMatchObject({
        code: 'write',
        message: expect.stringMatching(/^Could not write b\/c\/new\.yaml: EEXIST: .*; nothing was written$/),
        location: { file: 'b/c/new.yaml' }
      })
    } finally {
      clock.mockRestore()
    }
    expect(tree(root)).toEqual(before)
    expect(existsSync(path.join(root, 'b'))).toBe(false)
    // The planted file is not the run's to remove; the one the run staged is gone.
    expect(readdirSync(staging)).toEqual([`fcu-${process.pid}-${now.toString(36)}-1.tmp`])
  })

  it('reports a target it cannot write at commit, not before: a failed validation is reported first', async () => {
    mkdirSync(path.join(root, 'b/c/new.yaml'), { recursive: true })
    const before = tree(root)
    const staged = await stageChanges(root, changes, { stagingDir: staging })
    await expect(staged.commit()).rejects.toThrow('Cannot write b/c/new.yaml: it is a directory, not a file')
    expect(tree(root)).toEqual(before)
    expect(readdirSync(staging)).toEqual([])
  })
})

describe('insideWorkspace', () => {
  it('resolves relative paths and refuses escapes', () => {
    expect(insideWorkspace('/w', 'sub/dir', 'working-directory')).toBe('/w/sub/dir')
    expect(() => insideWorkspace('/w', '../x', 'config')).toThrow(/input|outside/)
    expect(() => insideWorkspace('/w', '/etc', 'config')).toThrow(/outside the workspace/)
  })
})

describe('readYamlFiles', () => {
  it('reads YAML files in path order, skipping .git and node_modules', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-read-'))
    for (const d of ['.git', 'node_modules/x', 'z', 'a']) mkdirSync(path.join(root, d), { recursive: true })
    writeFileSync(path.join(root, '.git/config.yaml'), 'x: 1')
    writeFileSync(path.join(root, 'node_modules/x/a.yaml'), 'x: 1')
    writeFileSync(path.join(root, 'z/b.yml'), 'b: 1')
    writeFileSync(path.join(root, 'a/a.yaml'), 'a: 1')
    writeFileSync(path.join(root, 'a/readme.md'), '# no')
    expect(await readYamlFiles(root)).toEqual([
      { path: 'a/a.yaml', content: 'a: 1' },
      { path: 'z/b.yml', content: 'b: 1' }
    ])
  })
})
