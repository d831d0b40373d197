import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { init } from '../../src/init/init.js'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { engineDeps, settingsFor, snapshot } from '../helpers/engine.js'

const fixtures = defaultFixturesDir()

describe('init (engine)', () => {
  let mirror: Mirror
  let toolCache: string
  beforeAll(async () => {
    mirror = await startMirror({ fixturesDir: fixtures })
    toolCache = mkdtempSync(path.join(os.tmpdir(), 'fcu-tc-'))
  })
  afterAll(() => mirror.close())

  it('scaffolds', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fcu-init-'))
    const { deps } = engineDeps(toolCache)
    const r = await init(settingsFor(root, mirror), {
      cluster: 'blue', env: 'staging', management: false, url: 'https://github.com/example/fleet.git', branch: 'main', labels: {}
    }, deps)
    console.log(JSON.stringify(r.validation, null, 2))
    console.log(Object.keys(snapshot(root)))
  }, 60000)
})
