import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Exec } from '../../src/deps.js'
import { silentLogger } from '../../src/deps.js'
import { fluxCli, type FluxCli } from '../../src/flux/cli.js'
import { realExec } from '../../src/adapters.js'
import { standinScript } from '../../support/standins/index.js'
import { fixturesDir } from '../helpers/fixtures.js'

export { fixturesDir }
export const hasFixtures = existsSync(path.join(fixturesDir, 'flux'))
if (!hasFixtures)
  console.log(`flux fixture tests skipped: ${fixturesDir} is absent (a fresh clone has no ../shared)`)
export const describeWithFixtures = hasFixtures ? describe : describe.skip

export const fixture = (version: string, set: 'default' | 'image'): string =>
  readFileSync(path.join(fixturesDir, 'flux', `v${version}`, set, 'gotk-components.yaml'), 'utf8')
export const fixtureExists = (version: string, set: 'default' | 'image'): boolean =>
  existsSync(path.join(fixturesDir, 'flux', `v${version}`, set, 'gotk-components.yaml'))

export interface Call {
  /** The stand-in's version, from its install directory. */
  version: string
  args: string[]
  cwd?: string
}

/**
 * Executable `flux` stand-ins in a temp directory, one per version, run for real; every command line they receive
 * is recorded.
 */
export class Standins {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'fcu-flux-'))
  readonly calls: Call[] = []
  readonly log = silentLogger

  constructor(private readonly fixtures: string | null) {}

  bin(version: string): string {
    const file = path.join(this.dir, version, 'flux')
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, standinScript('flux', version, this.fixtures))
      chmodSync(file, 0o755)
    }
    return file
  }

  readonly exec: Exec = (file, args, options) => {
    this.calls.push({
      version: path.basename(path.dirname(file)),
      args,
      ...(options?.cwd ? { cwd: options.cwd } : {})
    })
    return realExec(file, args, options)
  }

  cli = async (version: string): Promise<FluxCli> => fluxCli(this.bin(version), version, this.exec)

  run(version: string, args: string[], cwd?: string) {
    return this.exec(this.bin(version), args, cwd ? { cwd } : undefined)
  }

  installs(version?: string): Call[] {
    return this.calls.filter(c => c.args[0] === 'install' && (version === undefined || c.version === version))
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
