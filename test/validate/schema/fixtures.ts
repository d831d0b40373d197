/** The shared real-world fixtures as bundles of parsed objects, for the schema tests. */
import fs from 'node:fs'
import path from 'node:path'
import { parseDocuments } from '../../../src/yaml/documents.js'
import { fixturesDir } from '../../helpers/fixtures.js'
import { isObject } from '../../../src/yaml/values.js'

export { fixturesDir }
export const haveFixtures = fs.existsSync(fixturesDir)
export const describeIfFixtures = haveFixtures ? describe : describe.skip
if (!haveFixtures) console.log(`schema tests on real manifests skipped: ${fixturesDir} is absent`)

export type K8sObject = {
  apiVersion?: string
  kind?: string
  metadata?: { name?: string; namespace?: string; [key: string]: unknown }
  [key: string]: unknown
}

export interface Bundle {
  /** Relative to the fixtures folder; `file#key` for a manifest held in a ConfigMap's data. */
  name: string
  objects: K8sObject[]
}

const objectsOf = (text: string, file: string): K8sObject[] =>
  parseDocuments(text, file).flatMap(d => (isObject(d.value) ? [d.value] : []))

/** Every YAML fixture, plus every manifest stored in a ConfigMap's data (CRS ConfigMaps), as its own bundle. */
export function fixtureBundles(): Bundle[] {
  const files: string[] = []
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (p.endsWith('.yaml')) files.push(path.relative(fixturesDir, p))
    }
  }
  walk(fixturesDir)
  const bundles: Bundle[] = []
  for (const file of files.sort()) {
    const objects = objectsOf(fs.readFileSync(path.join(fixturesDir, file), 'utf8'), file)
    bundles.push({ name: file, objects })
    for (const o of objects) {
      if (o.kind !== 'ConfigMap' || typeof o.data !== 'object' || o.data === null) continue
      for (const [key, value] of Object.entries(o.data as Record<string, unknown>)) {
        if (typeof value === 'string' && /^kind: /m.test(value)) {
          bundles.push({ name: `${file}#${key}`, objects: objectsOf(value, `${file}#${key}`) })
        }
      }
    }
  }
  return bundles
}

export const readObjects = (relative: string): K8sObject[] =>
  objectsOf(fs.readFileSync(path.join(fixturesDir, relative), 'utf8'), relative)
