import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startMirror, type Mirror } from '../support/mirror/server.js'
import { defaultFixturesDir } from '../support/standins/index.js'
import { prepareExample } from '../support/example/prepare.js'
import { schemaErrors } from './helpers/json-schema.js'

/**
 * The CLI as people use it: `dist/cli.js` (the bundle `npm run bundle` builds, which `bin` points at) spawned with
 * argv and an environment, its stdout, stderr and exit code asserted. Every `--json` output is parsed and checked
 * against the committed schema.
 */
const fixtures = defaultFixturesDir()
const CLI = path.resolve('dist/cli.js')
const schema = JSON.parse(readFileSync(path.resolve('schemas/cli-output.schema.json'), 'utf8'))
const version = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')).version as string
const GOTK = 'clusters/tmp-mgmt/flux-system/gotk-components.yaml'

interface Run {
  code: number
  stdout: string
  stderr: string
}

const freshHome = () => mkdtempSync(path.join(os.tmpdir(), 'fcu-home-'))
// One tool cache for the runs that do not test downloads: flux is installed once.
const sharedHome = freshHome()

function spawnCli(argv: string[], opts: { cwd?: string; env?: Record<string, string>; home?: string } = {}) {
  return new Promise<Run>(resolve => {
    execFile(
      process.execPath,
      [CLI, ...argv],
      {
        cwd: opts.cwd ?? process.cwd(),
        // Nothing of the test runner's environment: no token, no RUNNER_* of an enclosing Actions job.
        env: { PATH: process.env.PATH ?? '', HOME: opts.home ?? sharedHome, ...opts.env },
        maxBuffer: 64 << 20
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      }
    )
  })
}

/** A `--json` run: stdout is one JSON document that the schema accepts, and says the exit code it exits with. */
async function json(argv: string[], opts: Parameters<typeof spawnCli>[1] = {}) {
  const r = await spawnCli([...argv, '--json'], opts)
  const doc = JSON.parse(r.stdout)
  expect(schemaErrors(schema, doc)).toEqual([])
  expect(doc.exitCode).toBe(r.code)
  expect(doc.ok).toBe(r.code === 0)
  return { ...r, doc }
}

function example(fluxVersion: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-cli-'))
  prepareExample(root, fluxVersion, fixtures)
  return root
}

/** The example on Flux 2.9 with its sync objects on the API versions 2.9 serves: validates without errors. */
function healthy(): string {
  const root = example('2.9.3')
  for (const f of ['clusters/tmp-mgmt/flux-system/gotk-sync.yaml', 'clusters/tmp-mgmt/infrastructure.yaml']) {
    const p = path.join(root, f)
    writeFileSync(p, readFileSync(p, 'utf8').replace(/toolkit\.fluxcd\.io\/v1beta2/g, 'toolkit.fluxcd.io/v1'))
  }
  return root
}

const platformAsset = (v: string) => {
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64'
  return `/fluxcd/flux2/releases/download/v${v}/flux_${v}_${process.platform}_${arch}.tar.gz`
}

describe('flux-crs-upgrade CLI (dist/cli.js)', () => {
  let mirror: Mirror
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run bundle`)
    mirror = await startMirror({ fixturesDir: fixtures })
  })
  afterAll(() => mirror.close())
  const mirrorFlags = () => ['--releases-api-url', mirror.apiUrl, '--download-url', mirror.url]

  describe('help and version', () => {
    it('prints the commands with --help, exit 0', async () => {
      const r = await spawnCli(['--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('Usage: flux-crs-upgrade <command> [options]')
      expect(r.stdout).toMatch(/^ {2}upgrade /m)
      expect(r.stdout).toMatch(/^ {2}validate /m)
    })

    it.each(['upgrade', 'validate'])(
      'prints %s --help: its options, defaults, examples, exit codes',
      async cmd => {
        const r = await spawnCli([cmd, '--help'])
        expect(r.code).toBe(0)
        expect(r.stdout).toContain(`Usage: flux-crs-upgrade ${cmd} [options]`)
        for (const part of ['Options:', 'Examples:', 'Exit codes:', '--working-directory', '(default: .)'])
          expect(r.stdout).toContain(part)
        expect(r.stdout).toContain('RELEASES_TOKEN')
        if (cmd === 'upgrade') expect(r.stdout).toContain('--check')
        else {
          expect(r.stdout).not.toContain('--check')
          expect(r.stdout).not.toContain('--flux-version')
        }
      }
    )

    it('prints the package version with --version', async () => {
      const r = await spawnCli(['--version'])
      expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
    })
  })

  describe('usage errors: one line and where help is, exit 2', () => {
    const file = path.resolve('README.md')
    it.each([
      [[], /a command is required/],
      [['deploy'], /unknown command "deploy"/],
      [['upgrade', '--frobnicate'], /unknown option --frobnicate/],
      [['upgrade', '--flux-version'], /--flux-version needs a value/],
      [['upgrade', '--flux-version', '--check'], /--flux-version needs a value <v>; --check is an option/],
      [['validate', '--check'], /--check does not apply to validate/],
      [['validate', '--flux-version', '2.9.3'], /--flux-version does not apply to validate/],
      [['validate', '-C', '/nonexistent/fleet'], /-C \/nonexistent\/fleet: no such directory/],
      [['validate', '-C', file], /is not a directory/]
    ])('%j', async (argv, message) => {
      const r = await spawnCli(argv)
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(message)
      expect(r.stderr).toMatch(/^flux-crs-upgrade: [^\n]+ \(see flux-crs-upgrade [a-z ]*--help\)\n$/)
    })

    it('answers a usage error with one JSON document under --json, even when --json was taken as a value', async () => {
      const r = await json(['upgrade', '--flux-version'])
      expect(r.code).toBe(2)
      expect(r.doc.error).toMatchObject({ kind: 'usage', message: expect.stringContaining('--flux-version') })
      expect(r.doc.command).toBe('upgrade')
      const bad = await json(['validate', '-C', '/nonexistent/fleet'])
      expect(bad.doc.error.kind).toBe('usage')
    })
  })

  describe('upgrade', () => {
    it('writes the working tree, prints a plain summary in CLI words; progress and no library noise on stderr', async () => {
      const root = example('2.7.5')
      const r = await spawnCli(['upgrade', '-C', root, '--components', 'flux', ...mirrorFlags()], {
        home: freshHome()
      })
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('flux: 2.7.5 -> 2.9.3')
      expect(r.stdout).toContain(`modified ${GOTK}`)
      expect(r.stdout).toMatch(/^Wrote \d+ file\(s\) to the working tree/m)
      expect(r.stdout).not.toContain('dry-run')
      // Progress speaks in CLI words too.
      expect(r.stderr).not.toMatch(/releases-token|input [a-z]/)
      expect(r.stderr).toContain('Downloading flux 2.9.3')
      // tool-cache's workflow commands and exec's echo of tar are for --verbose only.
      expect(r.stderr).not.toContain('::debug::')
      expect(r.stderr).not.toContain('[command]')
      expect(readFileSync(path.join(root, GOTK), 'utf8')).toContain('# Flux Version: v2.9.3')
    })

    it('shows tool-cache debug lines on stderr with --verbose, never on stdout', async () => {
      const root = example('2.7.5')
      const r = await spawnCli(
        ['upgrade', '-C', root, '--components', 'flux', '--verbose', ...mirrorFlags()],
        {
          home: freshHome()
        }
      )
      expect(r.code).toBe(0)
      expect(r.stderr).toMatch(/::debug::|\[command\]/)
      expect(r.stdout).not.toMatch(/::debug::|\[command\]/)
    })

    it('--check writes nothing, lists what would change and exits 1; 0 once the tree is current', async () => {
      const root = example('2.7.5')
      const before = readFileSync(path.join(root, GOTK), 'utf8')
      const flags = ['-C', root, '--components', 'flux', ...mirrorFlags()]
      const check = await spawnCli(['upgrade', '--check', ...flags])
      expect(check.code).toBe(1)
      expect(check.stdout).toContain(`would be modified: ${GOTK}`)
      expect(check.stdout).toMatch(/file\(s\) would change: run upgrade without --check/)
      expect(readFileSync(path.join(root, GOTK), 'utf8')).toBe(before)
      expect(check.stdout + check.stderr).not.toMatch(/dry-run|releases-token/)

      const checkJson = await json(['upgrade', '--check', ...flags])
      expect(checkJson.code).toBe(1)
      expect(checkJson.doc.failure).toContain(GOTK)
      expect(checkJson.doc.result.files.map((f: { path: string }) => f.path)).toContain(GOTK)

      expect((await spawnCli(['upgrade', ...flags])).code).toBe(0)
      const current = await json(['upgrade', '--check', ...flags])
      expect(current.code).toBe(0)
      expect(current.doc.result.changed).toBe(false)
    })
  })

  describe('what is checked is what is said', () => {
    type Counts = { resources: number; skipped: { kind: string; count: number; reason: string }[] }
    const total = (v: Counts) => v.resources + v.skipped.reduce((n, s) => n + s.count, 0)

    it('counts the same objects of the same tree whichever command reads it, and says what was not checked', async () => {
      const root = example('2.7.5')
      const flags = ['-C', root, '--components', 'flux', ...mirrorFlags()]
      const check = (await json(['upgrade', '--check', ...flags])).doc.result.validation as Counts
      const first = (await json(['upgrade', ...flags])).doc.result.validation as Counts
      expect(first).toEqual(check)
      const second = (await json(['upgrade', ...flags])).doc.result.validation as Counts
      // The regenerated file is in scope whether or not it changed.
      expect(second.resources).toBe(first.resources)
      const validate = (await json(['validate', ...flags.filter((_, i) => i !== 2 && i !== 3)])).doc.result
        .validation as Counts
      expect(total(second)).toBe(total(validate))
      // What an upgrade leaves out is counted and said, not silently dropped.
      const notAffected = second.skipped.filter(s => s.reason.startsWith('not written or affected'))
      expect(second.resources + notAffected.reduce((n, s) => n + s.count, 0)).toBeGreaterThanOrEqual(
        validate.resources
      )

      const text = await spawnCli(['validate', '-C', root, ...mirrorFlags()])
      const skippedCount = validate.skipped.reduce((n, s) => n + s.count, 0)
      expect(text.stdout).toContain(`Validated ${validate.resources} object(s): `)
      if (skippedCount > 0) {
        expect(text.stdout).toContain(`; ${skippedCount} not checked:`)
        for (const s of validate.skipped)
          expect(text.stdout).toContain(` ${s.kind} × ${s.count}: ${s.reason}`)
      }
    })

    it('does not read files that .gitignore excludes in a git work tree', async () => {
      const root = healthy()
      mkdirSync(path.join(root, 'build'))
      writeFileSync(
        path.join(root, 'build/broken.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [unclosed\n'
      )
      const flags = ['validate', '-C', root, '--components', 'flux', ...mirrorFlags()]
      const outside = await spawnCli(flags)
      expect(outside.code).toBe(1)
      expect(outside.stdout).toMatch(/^build\/broken\.yaml:\d+(:\d+)?: error yaml\/parse/m)

      writeFileSync(path.join(root, '.gitignore'), 'build/\n')
      execFileSync('git', ['-C', root, 'init', '-q'])
      const ignored = await json(flags)
      expect(ignored.code).toBe(0)
      expect(ignored.doc.findings.filter((f: { file?: string }) => f.file?.startsWith('build/'))).toEqual([])
    })
  })

  describe('messages in the words of the CLI', () => {
    it('gives the real reason for a bad version, naming the flag', async () => {
      const r = await spawnCli(['upgrade', '--flux-version', 'latest; rm -rf /', ...mirrorFlags()], {
        cwd: example('2.9.3')
      })
      expect(r.code).toBe(1)
      expect(r.stdout).toContain(
        '--flux-version: error run/input: --flux-version "latest; rm -rf /" is not a version: it contains characters that are not part of a version or range'
      )
      expect(r.stdout).not.toMatch(/prerelease|input flux-version/)
    })

    it('names RELEASES_TOKEN, not the releases-token input, when a mirror refuses the token', async () => {
      mirror.fault('/api/repos/fluxcd/flux2/releases', { kind: 'status', statuses: [401] })
      const root = example('2.9.3')
      const r = await json(['upgrade', '-C', root, '--components', 'flux', ...mirrorFlags()], {
        env: { RELEASES_TOKEN: 'mirror-token-0123456789' }
      })
      expect(r.code).toBe(1)
      expect(r.doc.error.kind).toBe('network')
      expect(r.doc.error.input).toBe('releases-api-url')
      expect(r.doc.error.hint).toContain('RELEASES_TOKEN')
      expect(r.doc.error.hint).not.toMatch(/releases-token|(?<!-)releases-api-url/)
      expect(r.stdout + r.stderr).not.toContain('mirror-token-0123456789')
    })

    it('blames a missing download on the URL and its status, not on --flux-version', async () => {
      mirror.fault(platformAsset('2.9.3'), { kind: 'status', statuses: [404] })
      const root = example('2.7.5')
      const r = await json(['upgrade', '-C', root, '--components', 'flux', ...mirrorFlags()], {
        home: freshHome()
      })
      expect(r.code).toBe(1)
      expect(r.doc.error.kind).toBe('version')
      expect(r.doc.error.message).toContain(`${mirror.url}${platformAsset('2.9.3')} answered HTTP 404`)
      expect(r.doc.error.input).toBeUndefined()
      expect(r.doc.error.hint).toContain('--download-url')
    })
  })

  describe('config errors', () => {
    it('lists every error at once, each with its location once', async () => {
      const root = example('2.9.3')
      mkdirSync(path.join(root, '.github'))
      writeFileSync(path.join(root, '.github/flux-crs-upgrade.yaml'), 'exlude: [a]\nflux:\n  instal: {}\n')
      const r = await spawnCli(['validate', '-C', root, ...mirrorFlags()])
      expect(r.code).toBe(1)
      const lines = r.stdout.trim().split('\n')
      expect(lines).toEqual([
        '.github/flux-crs-upgrade.yaml:1:1: error run/config: unknown key "exlude" in the config (Allowed keys: targets, exclude, flux, calico.)',
        '.github/flux-crs-upgrade.yaml:3:3: error run/config: unknown key "instal" in flux (Allowed keys: install.)',
        '.github/flux-crs-upgrade.yaml: error run/config: .github/flux-crs-upgrade.yaml has 2 errors (Fix each error above; the config is read only when it has none.)'
      ])
      const j = await json(['validate', '-C', root, ...mirrorFlags()])
      expect(j.doc.error.kind).toBe('config')
      expect(j.doc.findings).toHaveLength(3)
    })

    it('accepts an absolute --config path inside the repository, refuses one outside it', async () => {
      const root = example('2.9.3')
      const config = path.join(root, 'fcu.yaml')
      writeFileSync(config, 'exclude: [clusters/staging/**]\n')
      const inside = await json(['validate', '-C', root, '--config', config, ...mirrorFlags()])
      expect(inside.doc.error).toBeNull()
      // Read as the repository's own file: its errors are reported at its repository path.
      writeFileSync(config, 'exlude: []\n')
      const read = await json(['validate', '-C', root, '--config', config, ...mirrorFlags()])
      expect(read.doc.error).toMatchObject({ kind: 'config', file: 'fcu.yaml', line: 1 })
      const outside = await json([
        'validate',
        '-C',
        root,
        '--config',
        path.join(os.tmpdir(), 'elsewhere.yaml'),
        ...mirrorFlags()
      ])
      expect(outside.code).toBe(1)
      expect(outside.doc.error).toMatchObject({ kind: 'input', input: 'config' })
      expect(outside.doc.error.message).toMatch(/^--config "/)
    })
  })

  describe('--json is one document on stdout for every outcome', () => {
    it.each([
      ['a bad version', ['--components', 'flux', '--flux-version', '2.9.9'], 'version'],
      ['a bad flag value', ['--components', 'flux,helm'], 'input'],
      [
        'a download that does not match its checksum',
        ['--components', 'flux', '--flux-version', '2.8.3'],
        'integrity'
      ]
    ])('%s', async (_name, argv, kind) => {
      mirror.fault(platformAsset('2.8.3'), { kind: 'corrupt' })
      const root = example('2.7.5')
      const r = await json(['upgrade', ...argv, '-C', root, ...mirrorFlags()], { home: freshHome() })
      expect(r.code).toBe(1)
      expect(r.doc.result).toBeNull()
      expect(r.doc.error.kind).toBe(kind)
      expect(r.doc.findings.length).toBeGreaterThan(0)
      expect(r.stderr).not.toContain('{')
    })

    it('validation findings: a result, its findings, exit 1', async () => {
      const root = example('2.9.3')
      writeFileSync(
        path.join(root, 'broken.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [unclosed\n'
      )
      const r = await json(['validate', '-C', root, '--components', 'flux', ...mirrorFlags()])
      expect(r.code).toBe(1)
      expect(r.doc.error).toBeNull()
      expect(r.doc.failure).toMatch(/Validation found \d+ error\(s\)/)
      expect(r.doc.findings[0]).toMatchObject({ file: 'broken.yaml', severity: 'error', rule: 'yaml/parse' })
    })
  })
})
