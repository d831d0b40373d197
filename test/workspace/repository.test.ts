import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { readRepository, readYamlFiles } from '../../src/workspace/repository.js'
import { realExec } from '../../src/adapters.js'
import { TextStore } from '../../src/workspace/store.js'

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

describe('readRepository', () => {
  const app = {
    'app/kustomization.yaml': [
      'configMapGenerator:',
      '  - name: scripts',
      '    files:',
      '      - entrypoint.sh=./resources/script.sh',
      '      - resources/plain.txt',
      '      - linked.sh',
      '      - outside.sh',
      '      - big.bin',
      '      - ../../escape.sh',
      'secretGenerator:',
      '  - name: env',
      '    envs: [./resources/app.env]',
      '  - name: legacy',
      '    env: resources/legacy.env',
      ''
    ].join('\n'),
    'app/resources/script.sh': '#!/bin/sh\necho hi\n',
    'app/resources/plain.txt': 'plain\n',
    'app/resources/app.env': 'A=1\n',
    'app/resources/legacy.env': 'B=2\n',
    'app/resources/unnamed.sh': 'never named\n',
    'app/ignored.env': 'SECRET=1\n'
  }

  const prepare = () => {
    const root = tree(app)
    const elsewhere = tree({ 'outside.sh': 'echo outside\n', 'outside.yaml': 'kind: Outside\n' })
    symlinkSync(path.join(elsewhere, 'outside.yaml'), path.join(root, 'app/outside.yaml'))
    symlinkSync('resources/script.sh', path.join(root, 'app/linked.sh'))
    symlinkSync(path.join(elsewhere, 'outside.sh'), path.join(root, 'app/outside.sh'))
    writeFileSync(path.join(root, 'app/big.bin'), Buffer.alloc(1_048_577, 'x'))
    return root
  }

  it('gives each file its own bytes, small after large and large after small', async () => {
    // Read one after the other into one buffer: no file may show another's bytes.
    const contents = {
      'a.yaml': 'kind: A\n',
      'b.yaml': `kind: B\ndata: "${'b'.repeat(200_000)}"\n`,
      'c.yaml': 'c: 1\n',
      'd.yaml': `kind: D\ndata: "${'d'.repeat(300_000)}"\n`,
      'e.yaml': ''
    }
    const root = tree(contents)
    for (const store of [undefined, new TextStore()]) {
      const read = await readRepository(root, { store })
      expect(Object.fromEntries(read.files.map(f => [f.path, f.content]))).toEqual(contents)
    }
  })

  it('reads the files generators name, of any type, besides the YAML files', async () => {
    const read = await readRepository(prepare())
    expect(read.files.map(f => f.path)).toEqual([
      'app/kustomization.yaml',
      'app/linked.sh',
      'app/resources/app.env',
      'app/resources/legacy.env',
      'app/resources/plain.txt',
      'app/resources/script.sh'
    ])
    expect(read.files.find(f => f.path === 'app/linked.sh')?.content).toBe('#!/bin/sh\necho hi\n')
  })

  it('follows no symlink out of the repository and reads no file larger than a ConfigMap holds', async () => {
    const read = await readRepository(prepare())
    expect(read.unread).toEqual([
      { path: 'app/big.bin', reason: 'too-large' },
      { path: 'app/outside.sh', reason: 'outside-repository' },
      { path: 'app/outside.yaml', reason: 'outside-repository' }
    ])
  })

  it('in a work tree, reads only the generator inputs git sees', async () => {
    const root = prepare()
    writeFileSync(path.join(root, '.gitignore'), '*.env\n')
    git(root, 'init', '-q')
    const read = await readRepository(root, { exec: realExec })
    expect(read.files.map(f => f.path)).not.toContain('app/resources/app.env')
    expect(read.files.map(f => f.path)).toContain('app/resources/script.sh')
  })
})
