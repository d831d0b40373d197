/**
 * Shell metacharacters in every string input (issue 14, item 3): programs run through execFile (no shell), so a
 * value is only ever characters. A value an input cannot take is refused with the input named; one it can take
 * reaches git and the API as written, and nothing it spells out runs.
 */
import { existsSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { connectPublisher } from '../../src/publish/connect.js'
import type { RunDeps } from '../../src/deps.js'
import { run } from '../../src/run.js'
import { readSettings } from '../../src/settings/inputs.js'
import { parseVersionSpec } from '../../src/versions/spec.js'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { git, startFleet, type Fleet } from '../../support/github/fleet.js'
import { engineDeps, settingsFor } from '../helpers/engine.js'
import { thrown } from '../helpers/errors.js'

const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'fcu-shell-')), 'pwned')
const subst = `$(touch ${marker})`
const backticks = `\`touch ${marker}\``
const chained = `x; touch ${marker}`
const newline = `x\ntouch ${marker}`

describe('shell metacharacters in inputs an input cannot take', () => {
  const settingsWith = (input: string, value: string) => () =>
    readSettings(name => (name === input ? value : ''))

  it.each([
    ['mode', subst, `Input mode must be "upgrade" or "validate", got "${subst}"`],
    ['components', backticks, `Input components names an unknown component "${backticks}"`],
    ['dry-run', chained, `Input dry-run must be true or false, got "${chained}"`],
    ['releases-api-url', subst, `Input releases-api-url is not a URL: "${subst}"`],
    ['download-url', backticks, `Input download-url is not a URL: "${backticks}"`],
    ['author', newline, `Input author must be "Name <email>", got "${newline}"`],
    [
      'committer',
      `a <$(touch ${marker})>`,
      `Input committer must be "Name <email>", got "a <$(touch ${marker})>"`
    ],
    [
      'branch-prefix',
      subst,
      `Input branch-prefix is not a valid git branch name prefix: ${JSON.stringify(subst)}`
    ],
    ['base', newline, `Input base is not a valid git branch name: ${JSON.stringify(newline)}`]
  ])('%s %j is refused with the input named', (input, value, message) => {
    const e = thrown(settingsWith(input, value))
    expect(e.message).toBe(message)
    expect(e.location).toEqual({ input })
  })

  it.each([['flux-version'], ['calico-version']])(
    '%s with a command substitution is not a version',
    input => {
      const e = thrown(() => parseVersionSpec(subst, input))
      expect(e.location).toEqual({ input })
      expect(e.message).toContain(subst)
    }
  )
})

describe('shell metacharacters in inputs that take them, through a real publish', () => {
  const fixtures = defaultFixturesDir()
  const TOKEN = 'ghs_shelltoken0123456789'
  let mirror: Mirror
  let fleet: Fleet
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
    fleet = await startFleet({ token: TOKEN, fixtures })
  })
  afterAll(async () => {
    await fleet.close()
    await mirror.close()
  })

  it('reach git and the API as written, and nothing runs', async () => {
    // Valid for git (no space), and a command for any shell that met it.
    const prefix = `fcu-$(touch\${IFS}${marker})-\`id\`;/`
    const message = `${subst}\n\n${backticks}\n${chained}`
    const settings = settingsFor(fleet.workspace, mirror, {
      'dry-run': 'false',
      token: TOKEN,
      components: 'flux',
      'branch-prefix': prefix,
      'commit-message': message,
      labels: `${subst}\n${chained}`,
      author: `${backticks} <bot@example.invalid>`,
      config: subst
    })
    expect(settings.configExplicit).toBe(true)
    const recorded = engineDeps(mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-')))
    const deps: RunDeps = { ...recorded.deps }
    // The config input is a path: a file of that name does not exist, and that is the whole story.
    await expect(run(settings, deps)).rejects.toThrow(`Config file ${subst} does not exist`)

    const accepted = { ...settings, config: '.github/flux-crs-upgrade.yaml', configExplicit: false }
    deps.publish = connectPublisher(
      accepted,
      {
        GITHUB_API_URL: fleet.github.apiUrl,
        GITHUB_SERVER_URL: fleet.github.serverUrl,
        GITHUB_REPOSITORY: 'example-org/fleet'
      },
      deps
    )
    const { result } = await run(accepted, deps)
    expect(result.pullRequests.map(p => p.operation)).toEqual(['created'])
    expect(fleet.github.pulls[0]).toMatchObject({ head: `${prefix}flux`, labels: [subst, chained] })
    const head = `refs/heads/${prefix}flux`
    expect(git(fleet.workspace, ['log', '-1', '--format=%B', `origin/${prefix}flux`]).trimEnd()).toBe(message)
    expect(git(fleet.workspace, ['log', '-1', '--format=%an', `origin/${prefix}flux`]).trim()).toBe(backticks)
    expect(head).toContain('$(touch${IFS}')
    // Every program was one of the engine's own, never a shell.
    expect(new Set(recorded.commands.map(c => c[0]))).toEqual(new Set(['git', 'flux']))
    expect(existsSync(marker)).toBe(false)
  }, 120_000)
})
