import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { readYamlFiles } from '../../src/workspace/repository.js'
import { realExec } from '../../src/adapters.js'

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-repo-'))
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true })
    writeFileSync(path.join(root, p), content)
  }
  return root
}

const git = (root: string, ...args: string[]) =>
  execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args])

const files = {
  '.gitignore': 'build/\n*.local.yaml\n',
  'clusters/a.yaml': 'kind: A\n',
  'clusters/secret.local.yaml': 'kind: Ignored\n',
  'build/out.yaml': 'kind: Ignored\n',
  'new/untracked.yml': 'kind: New\n',
  'node_modules/pkg/x.yaml': 'kind: Vendored\n',
  'README.md': '# not yaml\n'
}

describe('readYamlFiles', () => {
  it('reads what git sees in a work tree: tracked and untracked files, not ignored ones', async () => {
    const root = tree(files)
    git(root, 'init', '-q')
    git(root, 'add', '.gitignore', 'clusters/a.yaml')
    git(root, 'commit', '-qm', 'init')
    // Tracked although it matches .gitignore: git keeps it, so does the run.
    writeFileSync(path.join(root, 'forced.local.yaml'), 'kind: Forced\n')
    git(root, 'add', '-f', 'forced.local.yaml')
    // In the index but deleted from the working tree, and a symlink: neither is read.
    writeFileSync(path.join(root, 'gone.yaml'), 'kind: Gone\n')
    git(root, 'add', 'gone.yaml')
    rmSync(path.join(root, 'gone.yaml'))
    symlinkSync(path.join(root, 'clusters/a.yaml'), path.join(root, 'link.yaml'))

    const read = await readYamlFiles(root, { exec: realExec })
    expect(read.map(f => f.path)).toEqual(['clusters/a.yaml', 'forced.local.yaml', 'new/untracked.yml'])
    expect(read[0].content).toBe('kind: A\n')
  })

  it('reads the folder of a work tree it is pointed at, with paths relative to that folder', async () => {
    const root = tree(files)
    git(root, 'init', '-q')
    const read = await readYamlFiles(path.join(root, 'clusters'), { exec: realExec })
    expect(read.map(f => f.path)).toEqual(['a.yaml'])
  })

  it('falls back to reading every file (but node_modules, vendor, .git, .terraform) outside a work tree', async () => {
    const root = tree(files)
    const read = await readYamlFiles(root, { exec: realExec })
    expect(read.map(f => f.path)).toEqual([
      'build/out.yaml',
      'clusters/a.yaml',
      'clusters/secret.local.yaml',
      'new/untracked.yml'
    ])
  })

  it('falls back the same way when git cannot be run', async () => {
    const root = tree(files)
    git(root, 'init', '-q')
    const read = await readYamlFiles(root, {
      exec: () => Promise.reject(Object.assign(new Error('spawn git ENOENT'), { code: 'ENOENT' }))
    })
    expect(read.map(f => f.path)).toContain('build/out.yaml')
  })
})
