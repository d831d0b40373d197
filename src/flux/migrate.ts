import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Logger } from '../deps.js'
import { findFluxObjects, servedApis, unservedObjects, type FluxObject } from './apis.js'
import { minorOf, supportsFileMigration, type FluxCli } from './cli.js'
import { isFluxComponentsFile } from './header.js'
import { pushAll } from '../arrays.js'

/** An object whose apiVersion the migration rewrote; `line` is its `apiVersion` line, the same before and after. */
export interface MigratedObject {
  file: string
  line: number
  kind: string
  name: string
  namespace?: string
  /** Full apiVersions, e.g. `source.toolkit.fluxcd.io/v1beta2` → `source.toolkit.fluxcd.io/v1`. */
  from: string
  to: string
}

export interface FluxMigrationResult {
  writes: { file: string; content: string }[]
  migrated: MigratedObject[]
  /** Still on a version the new CRDs do not serve: validation names them (SPEC §3). */
  unmigrated: FluxObject[]
}

export interface MigrationOptions {
  /** The CLI of the version being upgraded to. */
  cli: FluxCli
  /** The CRDs the upgrade installs (parsed objects): what they serve decides what needs migrating. */
  crds: readonly unknown[]
  /** Files the upgrade regenerates itself (targets); gotk-components files are skipped whatever this says. */
  exclude?: ReadonlySet<string>
  /** Where the scratch copy goes (the run's temp directory); the system temp directory otherwise. */
  tempDir?: string
  /** The Flux objects of a file with this content, when the caller has found them already. */
  objects?: (file: string, content: string) => readonly FluxObject[] | undefined
  log: Logger
}

/**
 * Migrates the repository's own Flux objects that the new CRDs no longer serve, with the new CLI's
 * `flux migrate -f`. Only the files holding such objects are copied, under neutral names, into a scratch
 * directory; flux rewrites the copies, and the new contents come back as writes for the caller to apply
 * atomically. The repository is never touched here.
 */
export async function migrateFluxObjects(
  files: readonly { path: string; content: string }[],
  o: MigrationOptions
): Promise<FluxMigrationResult> {
  const served = servedApis(o.crds)
  const stale = new Map<string, { content: string; objects: FluxObject[] }>()
  for (const f of files) {
    if (o.exclude?.has(f.path) || isFluxComponentsFile(f.content)) continue
    const objects = unservedObjects(
      o.objects?.(f.path, f.content) ?? findFluxObjects(f.path, f.content),
      served
    )
    if (objects.length > 0) stale.set(f.path, { content: f.content, objects })
  }
  const unmigrated = [...stale.values()].flatMap(s => s.objects)
  if (stale.size === 0) return { writes: [], migrated: [], unmigrated: [] }
  if (!supportsFileMigration(o.cli.version)) {
    o.log.warning(
      `${unmigrated.length} Flux object(s) use API versions the new CRDs do not serve, and flux ${o.cli.version} cannot migrate files (flux migrate -f needs 2.7.1 or later)`
    )
    return { writes: [], migrated: [], unmigrated }
  }

  const dir = await mkdtemp(path.join(o.tempDir ?? os.tmpdir(), 'flux-migrate-'))
  try {
    // Neutral names: flux only walks `.yaml`/`.yml` (case-sensitive) and resolves `-f` inside its working
    // directory, so repository paths with other spellings or outside characters would not all be seen.
    const copies = [...stale.keys()].map((file, i) => ({ file, copy: `${String(i).padStart(4, '0')}.yaml` }))
    await Promise.all(copies.map(c => writeFile(path.join(dir, c.copy), stale.get(c.file)!.content)))
    // A FluxCli's version is a release's semver, so it has a minor.
    const said = await o.cli.migrate(dir, minorOf(o.cli.version)!)
    o.log.debug(said)

    const result: FluxMigrationResult = { writes: [], migrated: [], unmigrated: [] }
    for (const { file, copy } of copies) {
      const before = stale.get(file)!.content
      const after = await readFile(path.join(dir, copy), 'utf8')
      if (after !== before) result.writes.push({ file, content: after })
      // flux rewrites the apiVersion line in place, so the objects line up one to one.
      const old = findFluxObjects(file, before)
      const now = findFluxObjects(file, after)
      now.forEach((n, i) => {
        const was = old[i]
        if (was && was.line === n.line && was.apiVersion !== n.apiVersion) {
          result.migrated.push({
            file,
            line: n.line,
            kind: n.kind,
            name: n.name,
            ...(n.namespace !== undefined ? { namespace: n.namespace } : {}),
            from: was.apiVersion,
            to: n.apiVersion
          })
        }
      })
      pushAll(result.unmigrated, unservedObjects(now, served))
    }
    o.log.info(
      `flux migrate: ${result.migrated.length} object(s) in ${result.writes.length} file(s) moved to served API versions` +
        (result.unmigrated.length > 0 ? `; ${result.unmigrated.length} could not be migrated` : '')
    )
    return result
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
