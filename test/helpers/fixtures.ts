import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** This checkout's root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The shared real-world fixtures (`../shared/fixtures`); absent in a fresh clone, where the tests that need them skip. */
export const fixturesDir = path.resolve(repoRoot, '../shared/fixtures')
