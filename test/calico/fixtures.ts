import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fixturesDir } from '../helpers/fixtures.js'

export { fixturesDir }
export const haveFixtures = existsSync(path.join(fixturesDir, 'calico'))
if (!haveFixtures) console.warn(`${fixturesDir} is absent: Calico manifest tests are skipped`)
export const describeIfFixtures = haveFixtures ? describe : describe.skip

/** Upstream calico.yaml at a fixture version; v3.21.5 is the manifest extracted from the seed ConfigMap. */
export const calicoYaml = (version: string): string =>
  readFileSync(
    version === 'v3.21.5'
      ? path.join(fixturesDir, 'calico/v3.21.5-extracted/calico-v3.21.yaml')
      : path.join(fixturesDir, 'calico', version, 'calico.yaml'),
    'utf8'
  )

export const newerVersions = ['v3.26.4', 'v3.28.2', 'v3.29.7', 'v3.30.7', 'v3.31.7']

/** Replaces exactly one occurrence, so a test fails loudly when a fixture does not hold what it edits. */
export function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from)
  if (at < 0 || text.indexOf(from, at + 1) >= 0)
    throw new Error(`expected exactly one ${JSON.stringify(from)}`)
  return text.slice(0, at) + to + text.slice(at + from.length)
}
