import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  existsSync,
  chmodSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { applyChanges } from '../../src/workspace/transaction.js'
import { readYamlFiles } from '../../src/workspace/repository.js'
import { insideWorkspace } from '../../src/workspace/paths.js'
import { FcuError } from '../../src/errors.js'

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
