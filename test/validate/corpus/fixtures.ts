import fs from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import { fixturesDir } from '../../helpers/fixtures.js'

/** The shared upstream fixtures (../shared/fixtures); absent in a fresh clone, where the tests that need them skip. */
export { fixturesDir }
export const haveFixtures = fs.existsSync(fixturesDir)

export const readFixture = (relative: string): string =>
  fs.readFileSync(path.join(fixturesDir, relative), 'utf8')

const crdCache = new Map<string, unknown[]>()

/** The CustomResourceDefinitions of a fixture manifest, parsed with js-yaml (independently of the validator). */
export function fixtureCrds(relative: string): unknown[] {
  let crds = crdCache.get(relative)
  if (!crds) {
    crds = yaml
      .loadAll(readFixture(relative))
      .filter(d => (d as { kind?: unknown } | null)?.kind === 'CustomResourceDefinition')
    crdCache.set(relative, crds)
  }
  return crds
}

/** Every fixture file as the validator takes it: paths relative to the fixtures folder. */
export function allFixtureFiles(): { path: string; content: string }[] {
  const out: { path: string; content: string }[] = []
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name)
      if (e.isDirectory()) walk(abs)
      else if (/\.ya?ml$/.test(e.name)) {
        out.push({
          path: path.relative(fixturesDir, abs).split(path.sep).join('/'),
          content: fs.readFileSync(abs, 'utf8')
        })
      }
    }
  }
  walk(fixturesDir)
  return out.sort((a, b) => (a.path < b.path ? -1 : 1))
}
