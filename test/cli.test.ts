import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { cli } from '../src/cli.js'
import { startMirror, type Mirror } from '../support/mirror/server.js'
import { defaultFixturesDir } from '../support/standins/index.js'
import { prepareExample } from '../support/example/prepare.js'

const fixtures = defaultFixturesDir()

async function invoke(argv: string[], cwd = process.cwd()) {
  let stdout = ''
  let stderr = ''
  const code = await cli(argv, {
    stdout: s => (stdout += s),
    stderr: s => (stderr += s),
    env: { HOME: mkdtempSync(path.join(os.tmpdir(), 'fcu-home-')) },
    cwd
  })
  return { code, stdout, stderr }
}

describe('flux-crs-upgrade CLI', () => {
  let mirror: Mirror
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
  })
  afterAll(() => mirror.close())
  const mirrorFlags = () => ['--releases-api-url', mirror.apiUrl, '--download-url', mirror.url]

  it('prints help with exit 0', async () => {
    const r = await invoke(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: flux-crs-upgrade <command>')
  })

  it.each([[[]], [['deploy']], [['upgrade', '--frobnicate']], [['upgrade', '--flux-version']]])(
    'exits 2 on usage errors: %j',
    async argv => {
      const r = await invoke(argv)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('Usage:')
    }
  )

  it('upgrade writes the working tree and prints a plain summary; progress goes to stderr', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-cli-'))
    prepareExample(root, '2.7.5', fixtures)
    const r = await invoke(['upgrade', '-C', root, '--components', 'flux', ...mirrorFlags()])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('flux: 2.7.5 -> 2.9.3')
    expect(r.stdout).toContain('modified clusters/tmp-mgmt/flux-system/gotk-components.yaml')
    expect(r.stderr).toContain('Found')
    expect(
      readFileSync(path.join(root, 'clusters/tmp-mgmt/flux-system/gotk-components.yaml'), 'utf8')
    ).toContain('# Flux Version: v2.9.3')
  })

  it('validate exits 1 with file:line findings on a broken repository', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-cli-'))
    prepareExample(root, '2.9.3', fixtures)
    writeFileSync(
      path.join(root, 'broken.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [unclosed\n'
    )
    const r = await invoke(['validate', '-C', root, '--components', 'flux', ...mirrorFlags()])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^broken\.yaml:\d+(:\d+)?: error /m)
  })
})
