import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { schemaErrors } from '../helpers/json-schema.js'
import { snapshot } from '../helpers/engine.js'

/**
 * `flux-crs-upgrade init` as people run it: `dist/cli.js` spawned (rebuild it with `npm run bundle`), exit codes,
 * stdout and every `--json` document checked against the committed schema.
 */
const fixtures = defaultFixturesDir()
const withCalico = fixtures ? it : it.skip
if (!fixtures)
  console.warn('init CLI: ../shared/fixtures is absent, the ClusterResourceSet cases are skipped')
const CLI = path.resolve('dist/cli.js')
const schema = JSON.parse(readFileSync(path.resolve('schemas/cli-output.schema.json'), 'utf8'))
const home = mkdtempSync(path.join(os.tmpdir(), 'fcu-home-'))
const URL = 'https://github.com/example/fleet.git'
const DIR = 'clusters/staging/blue'

function spawnCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(
      process.execPath,
      [CLI, ...argv],
      { env: { PATH: process.env.PATH ?? '', HOME: home }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    )
  })
}

describe('flux-crs-upgrade init (dist/cli.js)', () => {
  let mirror: Mirror
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run bundle`)
    mirror = await startMirror({ fixturesDir: fixtures })
  })
  afterAll(() => mirror.close())
  const initArgs = (root: string, ...more: string[]) => [
    'init',
    '-C',
    root,
    '--releases-api-url',
    mirror.apiUrl,
    '--download-url',
    mirror.url,
    '--url',
    URL,
    ...more
  ]
  const json = async (argv: string[]) => {
    const r = await spawnCli([...argv, '--json'])
    const doc = JSON.parse(r.stdout)
    expect(schemaErrors(schema, doc)).toEqual([])
    expect(doc.exitCode).toBe(r.code)
    return { ...r, doc }
  }
  const fresh = () => mkdtempSync(path.join(os.tmpdir(), 'fcu-cli-init-'))

  it('prints init --help: its options, examples and exit codes', async () => {
    const r = await spawnCli(['init', '--help'])
    expect(r.code).toBe(0)
    for (const part of [
      'Usage: flux-crs-upgrade init [options]',
      '--cluster',
      '--env',
      '--management',
      '--url'
    ])
      expect(r.stdout).toContain(part)
    for (const part of ['--branch', '--path', '--namespace', '--secret', '--labels', 'Exit codes:'])
      expect(r.stdout).toContain(part)
    expect(r.stdout).not.toContain('--check')
    expect((await spawnCli(['--help'])).stdout).toMatch(/^ {2}init +scaffold a cluster/m)
  })

  withCalico(
    'scaffolds a cluster, validates, and a second run changes nothing (exit 0 both times)',
    async () => {
      const root = fresh()
      const first = await spawnCli(initArgs(root, '--env', 'staging', '--cluster', 'blue'))
      expect(first.code).toBe(0)
      expect(first.stdout).toContain(`added ${DIR}/cm-flux-v2.9.3.yaml`)
      expect(first.stdout).toContain(`added ${DIR}/crs-blue.yaml`)
      expect(first.stdout).toMatch(/Wrote 4 file\(s\)/)
      const written = snapshot(root)

      const again = await json(initArgs(root, '--env', 'staging', '--cluster', 'blue'))
      expect(again.code).toBe(0)
      expect(again.doc).toMatchObject({
        ok: true,
        command: 'init',
        error: null,
        result: { mode: 'init', changed: false, written: false, flux: { version: '2.9.3' } }
      })
      expect(again.doc.result.notes.join('\n')).toMatch(/Nothing to do/)
      expect(snapshot(root)).toEqual(written)

      const validate = await spawnCli([
        'validate',
        '-C',
        root,
        '--releases-api-url',
        mirror.apiUrl,
        '--download-url',
        mirror.url
      ])
      expect(validate.stdout).toMatch(/0 error\(s\)/)
      expect(validate.code).toBe(0)
    }
  )

  withCalico(
    'refuses to overwrite a file it did not write: exit 1, the file named, nothing written',
    async () => {
      const root = fresh()
      mkdirSync(path.join(root, DIR), { recursive: true })
      writeFileSync(path.join(root, DIR, 'crs-blue.yaml'), '# hand-written\n')
      const before = snapshot(root)
      const r = await json(initArgs(root, '--env', 'staging', '--cluster', 'blue'))
      expect(r.code).toBe(1)
      expect(r.doc.error).toMatchObject({ kind: 'manifest', file: `${DIR}/crs-blue.yaml` })
      expect(snapshot(root)).toEqual(before)
      const text = await spawnCli(initArgs(root, '--env', 'staging', '--cluster', 'blue'))
      expect(text.code).toBe(1)
      expect(text.stdout).toContain(`${DIR}/crs-blue.yaml`)
    }
  )

  it('scaffolds a management cluster with --management', async () => {
    const root = fresh()
    const r = await json(initArgs(root, '--management', '--cluster', 'tmp-mgmt'))
    expect(r.code).toBe(0)
    expect(r.doc.result.files.map((f: { path: string }) => f.path)).toEqual([
      'clusters/tmp-mgmt/flux-system/gotk-components.yaml',
      'clusters/tmp-mgmt/flux-system/gotk-sync.yaml',
      'clusters/tmp-mgmt/flux-system/kustomization.yaml'
    ])
    expect(Object.keys(snapshot(root)).sort()).toEqual(
      r.doc.result.files.map((f: { path: string }) => f.path)
    )
  })

  it.each([
    [['init', '--cluster', 'blue'], /init needs --url/],
    [['init', '--url', URL], /init needs --cluster/],
    [['validate', '--cluster', 'blue'], /--cluster does not apply to validate/],
    [['init', '--url', URL, '--cluster', 'blue', '--check'], /--check does not apply to init/]
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const r = await json(argv)
    expect(r.code).toBe(2)
    expect(r.doc.error.kind).toBe('usage')
    expect(r.stderr).toMatch(message)
  })

  it('a bad option value is exit 1 naming the option', async () => {
    const r = await json(initArgs(fresh(), '--env', 'staging', '--cluster', 'Blue'))
    expect(r.code).toBe(1)
    expect(r.doc.error).toMatchObject({ kind: 'input', input: 'cluster' })
    expect(r.doc.error.message).toMatch(/--cluster Blue must be a lowercase RFC 1123 label/)
  })
})
