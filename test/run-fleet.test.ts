import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { run } from '../src/run.js'
import { startMirror, type Mirror } from '../support/mirror/server.js'
import { defaultFixturesDir } from '../support/standins/index.js'
import { generateFleet } from '../support/fleet.js'
import { engineDeps, settingsFor } from './helpers/engine.js'

/**
 * `mode: validate` through `run()` on the generated home-lab fleet written to disk: what the repository reader
 * gives the validator (YAML files, and the scripts and env files the generators read) validates with no error.
 */

const fixtures = defaultFixturesDir()

function writeFleet(files: Map<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-homelab-'))
  for (const [p, content] of files) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true })
    writeFileSync(path.join(root, p), content)
  }
  return root
}

const git = (root: string, ...args: string[]) =>
  execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args])

describe('run (validate) on a generated home-lab fleet on disk', () => {
  let mirror: Mirror
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
  })
  afterAll(() => mirror.close())

  const validate = async (root: string) =>
    (
      await run(
        settingsFor(root, mirror, { mode: 'validate', components: 'flux' }),
        engineDeps(mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-'))).deps
      )
    ).result

  it.each([
    ['a plain directory', (root: string) => root],
    [
      'a git work tree',
      (root: string) => {
        git(root, 'init', '-q')
        git(root, 'add', '.')
        git(root, 'commit', '-qm', 'fleet')
        return root
      }
    ]
  ])('in %s, validates with no error: the generator inputs on disk are read', async (_, prepare) => {
    const root = prepare(writeFleet(generateFleet()))
    const result = await validate(root)
    const show = result.findings.map(f => `${f.severity} ${f.rule} ${f.file}:${f.line} ${f.message}`)
    expect(show.filter(l => l.startsWith('error'))).toEqual([])
    expect(result.findings.filter(f => f.rule === 'kustomize/missing-file')).toEqual([])
    expect(result.validation.resources).toBeGreaterThan(20)
  })

  it('says a generator input that is a symlink out of the repository is outside it, not that it does not exist', async () => {
    const root = writeFleet(generateFleet())
    const dir = 'kubernetes/apps/ns-0/app-0-0/app'
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'fcu-elsewhere-'))
    writeFileSync(path.join(elsewhere, 'script.sh'), '#!/bin/sh\n')
    rmSync(path.join(root, dir, 'resources/script.sh'))
    symlinkSync(path.join(elsewhere, 'script.sh'), path.join(root, dir, 'resources/script.sh'))
    const errors = (await validate(root)).findings.filter(f => f.severity === 'error')
    expect(errors.map(f => [f.rule, f.file, f.message])).toEqual([
      [
        'kustomize/missing-file',
        `${dir}/kustomization.yaml`,
        expect.stringContaining('a symlink to a file outside the repository, which is not followed')
      ]
    ])
    expect(errors[0].message).not.toContain('does not exist')
  })

  it('still reports a generator input that is not there, at its line', async () => {
    const files = generateFleet()
    const kustomization = 'kubernetes/apps/ns-0/app-0-0/app/kustomization.yaml'
    files.delete('kubernetes/apps/ns-0/app-0-0/app/resources/script.sh')
    const result = await validate(writeFleet(files))
    const line =
      files.get(kustomization)!.split('\n').indexOf('      - entrypoint.sh=./resources/script.sh') + 1
    expect(result.findings.filter(f => f.severity === 'error').map(f => [f.rule, f.file, f.line])).toEqual([
      ['kustomize/missing-file', kustomization, line]
    ])
  })
})
