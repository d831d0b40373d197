import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { FLUX_CONTROLLER_VERSIONS } from '../../src/validate/rules/fluxReleases.js'

export type StandinTool = 'flux' | 'calicoctl'

const here = path.dirname(fileURLToPath(import.meta.url))

/**
 * An executable stand-in for the real tool: a Node script that answers the subcommands the engine uses. The
 * `<tool>.cjs` body is read on every call so the mirror always packs what is on disk, and it is CommonJS because the
 * installed file has no extension and Node would not load it as a module.
 */
export function standinScript(tool: StandinTool, version: string, fixturesDir: string | null): string {
  const body = readFileSync(path.join(here, `${tool}.cjs`), 'utf8')
  const bare = version.replace(/^v/, '')
  // Synthetic output of a real release carries that release's real controller tags (facts measured on the
  // fixtures), so a fresh clone's manifests do not look hand-edited to the image-drift rule.
  const controllers = tool === 'flux' ? (FLUX_CONTROLLER_VERSIONS[bare] ?? null) : null
  const standin = { tool, version: bare, fixtures: fixturesDir, controllers }
  return `#!/usr/bin/env node\nconst STANDIN = ${JSON.stringify(standin)};\n${body}`
}

/** The shared real-world fixtures next to the repository (`../shared/fixtures`), or null in a fresh clone. */
export function defaultFixturesDir(): string | null {
  const dir = path.resolve(here, '../..', '../shared/fixtures')
  return existsSync(dir) ? dir : null
}
