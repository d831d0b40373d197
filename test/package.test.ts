import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startMirror, type Mirror } from '../support/mirror/server.js'
import { defaultFixturesDir } from '../support/standins/index.js'
import { prepareExample } from '../support/example/prepare.js'
import { repoRoot } from '../support/runner.js'
import { schemaErrors } from './helpers/json-schema.js'

/**
 * The CLI as a package: what `npm pack` puts in the tarball (the bundled CLI and what documents it, nothing of the
 * sources, tests or fixtures), installed from the tarball into a scratch folder with npm offline and no reachable
 * registry (the bundle has every dependency inside), and run there through `npx` as the README shows.
 */
const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/cli-output.schema.json'), 'utf8'))
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'))

// Nothing of an enclosing `npm test` (npm_config_*, npm_lifecycle_*), and a registry that answers nothing: a
// step that needed the network would fail here instead of passing on a connected machine.
const npmEnv = (cache: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  HOME: cache,
  npm_config_cache: path.join(cache, 'npm-cache'),
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false'
})

interface Run {
  code: number
  stdout: string
  stderr: string
}

const spawn = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) =>
  new Promise<Run>(resolve => {
    execFile(cmd, args, { cwd, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })

describe('the npm package of the CLI', () => {
  let mirror: Mirror
  let tarball: string
  let files: { path: string; size: number }[]
  let scratch: string
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: defaultFixturesDir() })
    const home = mkdtempSync(path.join(os.tmpdir(), 'fcu-pack-'))
    env = npmEnv(home)
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', home], {
        cwd: repoRoot,
        env,
        encoding: 'utf8'
      })
    ) as { filename: string; files: { path: string; size: number }[]; size: number; entryCount: number }[]
    tarball = path.join(home, packed[0].filename)
    files = packed[0].files
    console.log(
      `npm pack: ${packed[0].entryCount} files, ${packed[0].size} bytes packed, ${files.reduce((n, f) => n + f.size, 0)} unpacked`
    )
    scratch = mkdtempSync(path.join(os.tmpdir(), 'fcu-scratch-'))
    writeFileSync(path.join(scratch, 'package.json'), '{ "name": "scratch", "private": true }\n')
    execFileSync('npm', ['install', '--offline', '--no-save', '--ignore-scripts', tarball], {
      cwd: scratch,
      env,
      stdio: 'pipe'
    })
  })
  afterAll(() => mirror?.close())

  it('holds the bundled CLI, its output schema, the README and package.json, and nothing else', () => {
    expect(files.map(f => f.path).sort()).toEqual([
      'README.md',
      'dist/cli.js',
      'package.json',
      'schemas/cli-output.schema.json'
    ])
  })

  it('declares no runtime dependency: the bundle carries them, so installing fetches nothing', () => {
    expect(pkg.dependencies).toBeUndefined()
    expect(pkg.bin).toEqual({ 'flux-crs-upgrade': 'dist/cli.js' })
    expect(readFileSync(path.join(repoRoot, 'dist/cli.js'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(
      true
    )
    const installed = JSON.parse(
      readFileSync(path.join(scratch, 'node_modules/flux-crs-upgrade/package.json'), 'utf8')
    )
    expect(installed.version).toBe(pkg.version)
    // The scratch folder holds the package and nothing it would have pulled in.
    expect(
      execFileSync('ls', [path.join(scratch, 'node_modules')], { encoding: 'utf8' }).split('\n')
    ).toEqual(['flux-crs-upgrade', ''])
  })

  const npx = (args: string[]) =>
    spawn('npx', ['--offline', '--no-install', 'flux-crs-upgrade', ...args], scratch, env)

  it('npx flux-crs-upgrade --help: exit 0 with the commands and the exit codes', async () => {
    const r = await npx(['--help'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    for (const command of ['upgrade', 'validate', 'init']) expect(r.stdout).toContain(command)
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 findings or failure')
  })

  const checkJson = (r: Run) => {
    const doc = JSON.parse(r.stdout)
    expect(schemaErrors(schema, doc)).toEqual([])
    expect(doc.exitCode).toBe(r.code)
    expect(doc.ok).toBe(r.code === 0)
    return doc
  }
  const mirrorFlags = () => ['--releases-api-url', mirror.apiUrl, '--download-url', mirror.url]

  it('validate on the example: exit 0, one --json document the schema accepts', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-pack-example-'))
    prepareExample(root, '2.7.5', defaultFixturesDir())
    const r = await npx(['validate', '-C', root, '--json', ...mirrorFlags()])
    expect(r.code).toBe(0)
    const doc = checkJson(r)
    expect(doc.command).toBe('validate')
    expect(doc.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([])
  })

  it('validate with an error in the repository: exit 1; an unknown option: exit 2, both as --json', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-pack-example-'))
    prepareExample(root, '2.7.5', defaultFixturesDir())
    writeFileSync(
      path.join(root, 'clusters/tmp-mgmt/bad.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Name\ndata: {}\n'
    )
    const failing = await npx(['validate', '-C', root, '--json', ...mirrorFlags()])
    expect(failing.code).toBe(1)
    expect(checkJson(failing).findings).toContainEqual(
      expect.objectContaining({ severity: 'error', file: 'clusters/tmp-mgmt/bad.yaml' })
    )
    const usage = await npx(['validate', '--frobnicate', '--json'])
    expect(usage.code).toBe(2)
    expect(checkJson(usage).error).toMatchObject({ kind: 'usage' })
  })
})
