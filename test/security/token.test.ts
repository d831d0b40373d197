import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { runAction, type ActionRun } from '../../support/runner.js'
import { startFleet, type Fleet } from '../../support/github/fleet.js'

/**
 * Token hygiene over the whole flow of the bundled action (dist/index.js as a runner runs it): a push a hook
 * refuses, an upgrade that opens its pull request, validate, and a run whose token GitHub rejects (401). The run
 * token and the releases token are recognisable random strings; neither appears, plain or base64 (alone, at any
 * offset inside a longer base64 text, or as git's `x-access-token:<token>` credential), in stdout, stderr, the job
 * summary, the report, the outputs or other file commands, the workspace's .git/config, or any object of origin.
 */
const fixtures = defaultFixturesDir()

const recognisable = (): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return `ghs_${[...randomBytes(36)].map(b => alphabet[b % alphabet.length]).join('')}`
}
const TOKEN = recognisable()
const RELEASES_TOKEN = recognisable()

/**
 * The texts that betray `secret`: itself, and its base64 at each of the three byte offsets it can start at in a
 * longer encoded text (the groups it shares with its neighbours left out), also inside git's basic credential.
 */
function forms(secret: string): string[] {
  const out = [secret]
  for (const text of [secret, `x-access-token:${secret}`]) {
    out.push(Buffer.from(text).toString('base64'))
    for (let offset = 0; offset < 3; offset++) {
      const encoded = Buffer.from('\0'.repeat(offset) + text).toString('base64')
      out.push(encoded.slice(offset === 0 ? 0 : 4, -4))
    }
  }
  return out
}

describe('the tokens of a run', () => {
  let mirror: Mirror
  let fleet: Fleet
  const runs: { name: string; run: ActionRun }[] = []
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
    fleet = await startFleet({ token: TOKEN, fixtures })
    const act = (inputs: Record<string, string> = {}) =>
      runAction({
        workspace: fleet.workspace,
        token: TOKEN,
        apiUrl: fleet.github.apiUrl,
        serverUrl: fleet.github.serverUrl,
        repository: 'example-org/fleet',
        inputs: {
          'releases-api-url': mirror.apiUrl,
          'download-url': mirror.url,
          'releases-token': RELEASES_TOKEN,
          ...inputs
        }
      })
    fleet.github.refusePushes(`token check: refusing ${fleet.github.cloneUrl}`)
    runs.push({ name: 'push refused', run: await act() })
    fleet.github.refusePushes(undefined)
    runs.push({ name: 'upgrade', run: await act({ labels: 'dependencies' }) })
    runs.push({ name: 'validate', run: await act({ mode: 'validate' }) })
    // GitHub no longer takes the run's token: every API call and git request answers 401.
    fleet.github.token = recognisable()
    runs.push({ name: 'token rejected', run: await act({ 'flux-version': '2.8.3' }) })
  }, 240_000)
  afterAll(async () => {
    await fleet?.close()
    await mirror?.close()
  })

  it('ran the flow it checks: a refused push, a pull request, a validation, a rejected token', () => {
    expect(runs.map(r => [r.name, r.run.exitCode])).toEqual([
      ['push refused', 1],
      ['upgrade', 0],
      ['validate', 0],
      ['token rejected', 1]
    ])
    expect(runs[0].run.stdout).toMatch(/^::error.*origin refused the push of flux-crs-upgrade\/flux/m)
    expect(fleet.github.pulls).toEqual([expect.objectContaining({ number: 1, labels: ['dependencies'] })])
    expect(runs[3].run.stdout).toMatch(/^::error.*Bad credentials/m)
  })

  it('masks both tokens and git’s credential before anything else is printed', () => {
    const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64')
    for (const { run } of runs) {
      const masks = run.stdout.split('\n').filter(l => l.startsWith('::add-mask::'))
      expect(masks).toEqual(
        expect.arrayContaining([
          `::add-mask::${TOKEN}`,
          `::add-mask::${RELEASES_TOKEN}`,
          `::add-mask::${basic}`
        ])
      )
      // The masks come first: no line before them could carry a token unmasked.
      expect(run.stdout.split('\n').slice(0, masks.length)).toEqual(masks)
    }
  })

  it('finds a token in any of the forms it is looked for in', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const header = Buffer.from(`${prefix}x-access-token:${TOKEN}:trailer`).toString('base64')
      expect(forms(TOKEN).some(f => header.includes(f))).toBe(true)
      const alone = Buffer.from(`${prefix}${TOKEN}`).toString('base64')
      expect(forms(TOKEN).some(f => alone.includes(f))).toBe(true)
    }
    expect(forms(TOKEN).some(f => `Bearer ${RELEASES_TOKEN}`.includes(f))).toBe(false)
  })

  it('appears in no log, summary, report, output, config or object of origin', () => {
    const texts: [string, string][] = []
    for (const { name, run } of runs) {
      const logged = run.stdout
        .split('\n')
        .filter(l => !l.startsWith('::add-mask::'))
        .join('\n')
      texts.push(
        [`${name}: stdout`, logged],
        [`${name}: stderr`, run.stderr],
        [`${name}: summary`, run.summary],
        [`${name}: outputs`, JSON.stringify(run.outputs)],
        [`${name}: env, path and state files`, run.env + run.path + run.state]
      )
      if (run.outputs.report) texts.push([`${name}: report`, readFileSync(run.outputs.report, 'utf8')])
    }
    expect(texts.filter(([, t]) => t.length > 0).length).toBeGreaterThan(10)
    texts.push(['.git/config', readFileSync(path.join(fleet.workspace, '.git/config'), 'utf8')])
    // Every object origin holds, reachable or not: commits, trees, blobs.
    const objects = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], {
      cwd: fleet.github.bareDir,
      maxBuffer: 1 << 30
    }).toString('latin1')
    expect(objects).toContain('Upgrade flux from 2.7.5 to 2.9.3')
    texts.push(['origin objects', objects])
    const leaks = texts.flatMap(([where, text]) =>
      [...forms(TOKEN), ...forms(RELEASES_TOKEN)].filter(f => text.includes(f)).map(f => `${where}: ${f}`)
    )
    expect(leaks).toEqual([])
  })

  it('sends the run token only to the run’s GitHub, and the releases token only to releases-api-url', () => {
    const sent = mirror.requests.map(r => String(r.headers.authorization ?? ''))
    expect(sent.some(a => a.includes(TOKEN))).toBe(false)
    const api = mirror.requests.filter(r => r.path.startsWith('/api/'))
    expect(api.length).toBeGreaterThan(0)
    for (const r of api) expect(r.headers.authorization).toBe(`Bearer ${RELEASES_TOKEN}`)
    for (const r of mirror.requests.filter(r => !r.path.startsWith('/api/')))
      expect(r.headers.authorization).toBeUndefined()
  })
})
