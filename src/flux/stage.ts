import { createHash } from 'node:crypto'
import semver from 'semver'
import { highestVersion } from '../versions/select.js'
import type { Finding } from '../errors.js'
import type { Stage, StageChange, StageOutcome } from '../plan/stage.js'
import type { WorkingTree } from '../plan/tree.js'
import type { ConfigMapOutcome, TargetOutcome } from '../result.js'
import type { DiscoveredTarget } from '../targets/discover.js'
import type { ExpectedVersion } from '../validate/validator.js'
import { joinDocuments } from '../yaml/documents.js'
import { readConfigMaps, releaseValues, type ConfigMapSource, type DataEntry } from '../crs/configmap.js'
import { findFluxObjects, type FluxObject } from './apis.js'
import { FluxDataReader } from '../crs/flux-bundle.js'
import { followReferences, type ConfigMapRename, type Renamed } from '../crs/references.js'
import { upgradeConfigMap } from '../crs/upgrade-configmap.js'
import { minorOf } from './cli.js'
import { parseFluxHeader } from './header.js'
import { migrateFluxObjects, type MigratedObject } from './migrate.js'
import { upgradeFluxComponents, type FluxComponentsFile } from './upgrade.js'
import { isYamlFile } from '../validate/objects.js'
import { pushAll } from '../arrays.js'

/**
 * The Flux component: every `flux install --export` in the repository (gotk-components.yaml files, and the install
 * at the head of each Flux ClusterResourceSet ConfigMap's data) regenerated at the new version with the options it
 * was made with, one `flux install` per distinct option set for all of them; the repository's own Flux objects
 * migrated wherever they are (also the sync objects inside ConfigMap data); versioned names followed.
 */

/** One install the stage regenerates: a whole gotk-components.yaml, or one data key of a Flux ConfigMap. */
interface Install {
  target: DiscoveredTarget
  version: string
  /** The text handed to the upgrade: the file, or the data's install documents (with a header where it had none). */
  content: string
  /** SHA-256 (hex) of `content` as UTF-8, when known without digesting it again. */
  digest?: string
  inData?: {
    document: number
    entry: DataEntry
    /** Lines put in front of the data's install (a header for an install that had none). */
    addedLines: number
    /** Line of the data where the install starts, and where the other documents start. */
    installLine: number
    othersLine: number
    others: string
  }
}

const FLUX_DATA = /app\.kubernetes\.io\/part-of:\s*flux\b/

export const fluxStage: Stage = {
  component: 'flux',
  name: 'flux',
  async run(ctx) {
    // Each ConfigMap file is parsed once here, and that reading serves every later step of the stage.
    const read = new Map<string, ConfigMapSource[]>()
    const found = findInstalls(ctx.tree, ctx.targets, read)
    const installs = found.installs
    if (installs.length === 0) {
      // Nothing to upgrade: no release list is fetched for it.
      return {
        changes: [],
        component: { component: 'flux', action: 'skipped', reason: 'no Flux targets in the repository' }
      }
    }
    const current = highestVersion(installs.map(i => i.version))
    const { selected, overall, notes } = await ctx.upstream.resolve('flux', ctx.spec, current)
    ctx.deps.log.info(`flux: ${current ?? 'none'} → ${overall.version} (${overall.reason})`)
    const to = selected.version
    const outcome: StageOutcome & {
      changes: StageChange[]
      targets: TargetOutcome[]
      versionTargets: ExpectedVersion[]
      configMaps: ConfigMapOutcome[]
      findings: Finding[]
    } = {
      changes: [],
      component: {
        component: 'flux',
        from: current,
        to: overall.version,
        action: overall.action,
        reason: overall.reason,
        releaseNotes: notes(overall.tag)
      },
      targets: [],
      versionTargets: [],
      configMaps: [],
      findings: []
    }

    // A target above the selected version stays as it is, unless the version was pinned exactly.
    const movable = installs.filter(i => ctx.spec.kind === 'exact' || !semver.gt(i.version, to))
    const moving = new Set(movable)
    for (const i of installs.filter(i => !moving.has(i))) {
      outcome.targets.push({
        path: i.target.path,
        type: i.target.type,
        component: 'flux',
        from: i.version,
        to: i.version,
        status: 'kept-newer',
        drift: []
      })
    }
    if (movable.length === 0) return outcome

    const up = await upgradeFluxComponents(
      movable.map<FluxComponentsFile>(i => ({
        file: i.target.path,
        content: i.content,
        ...(i.digest !== undefined ? { digest: i.digest } : {}),
        install: i.target.install
      })),
      to,
      { cli: v => ctx.upstream.flux(v), log: ctx.deps.log }
    )
    outcome.fluxInstallRuns = up.installRuns
    outcome.upgradedCrds = up.crds
    const results = new Map(movable.map((i, n) => [i, up.results[n]]))
    for (const [i, r] of results) {
      outcome.targets.push({
        path: i.target.path,
        type: i.target.type,
        component: 'flux',
        from: r.from,
        to: r.to,
        status: r.changed ? 'upgraded' : 'up-to-date',
        installArgs: r.installArgs,
        drift: i.inData ? r.drift.map(d => ({ ...d, line: d.line && dataLine(i, d.line) })) : r.drift
      })
      if (!i.inData) {
        if (r.changed)
          outcome.changes.push({ path: i.target.path, content: r.content, reason: 'regenerated' })
        outcome.versionTargets.push({ file: i.target.path, component: 'flux', version: r.to })
      }
    }

    // API versions are removed at minor releases: only a minor crossing can strand the repository's own objects.
    const inData = movable.filter(i => i.inData)
    const migratedData = new Map<Install, string>()
    // The companions of the ConfigMap documents whose installs move.
    const moved = new Set(inData.map(i => `${i.target.path}\u0000${i.inData!.document}`))
    const companions = found.companions.filter(c => moved.has(`${c.target.path}\u0000${c.document}`))
    const migratedCompanions = new Map<Companion, string>()
    if (movable.some(i => minorOf(i.version) !== minorOf(to))) {
      const regenerated = ctx.tree.with(outcome.changes)
      const virtual = [
        ...inData.map((i, n) => ({ install: i, path: `${i.target.path}#${n}`, content: i.inData!.others })),
        // A data key beside the install's (the cluster's sync objects on their own) is migrated the same way.
        ...companions.map((c, n) => ({
          companion: c,
          path: `${c.target.path}#c${n}`,
          content: c.entry.value
        }))
      ]
      const migration = await migrateFluxObjects(
        // Generator inputs in the tree are no manifests: only YAML files hold Flux objects.
        [...regenerated.files().filter(f => isYamlFile(f.path)), ...virtual.filter(v => v.content !== '')],
        {
          cli: await ctx.upstream.flux(to),
          crds: up.crds,
          exclude: new Set(installs.filter(i => !i.inData).map(i => i.target.path)),
          tempDir: ctx.deps.tempDir,
          // Found while the values were read, for a file still as it was then.
          objects: (file, content) => {
            const known = found.objects.get(file)
            if (!known) return undefined
            const same =
              known.digest !== undefined
                ? regenerated.stored(file)?.digest === known.digest
                : known.content === content
            return same ? known.objects : undefined
          },
          log: ctx.deps.log
        }
      )
      const virtualAt = new Map(virtual.map(v => [v.path, v]))
      for (const w of migration.writes) {
        const v = virtualAt.get(w.file)
        if (v && 'install' in v) migratedData.set(v.install, w.content)
        else if (v) migratedCompanions.set(v.companion, w.content)
        else outcome.changes.push({ path: w.file, content: w.content, reason: 'migrated' })
      }
      outcome.migrated = migration.migrated.map((m): MigratedObject => {
        const v = virtualAt.get(m.file)
        if (!v) return m
        if (!('install' in v))
          return { ...m, file: v.companion.target.path, line: fileLine(v.companion.entry, m.line) }
        const d = v.install.inData!
        return { ...m, file: v.install.target.path, line: fileLine(d.entry, d.othersLine + m.line - 1) }
      })
    }

    // Each Flux ConfigMap: new install + its other documents (migrated), names moved with the version. The
    // installs are one text per option set, the same string for every ConfigMap: each is digested once.
    const digests: { text: string; hex: string }[] = []
    const digestOf = (text: string): string => {
      let known = digests.find(d => d.text === text)
      if (!known) digests.push((known = { text, hex: createHash('sha256').update(text).digest('hex') }))
      return known.hex
    }
    const renames = { files: [] as Renamed[], configMaps: [] as ConfigMapRename[] }
    const byFile = new Map<string, Install[]>()
    for (const i of inData) byFile.set(i.target.path, [...(byFile.get(i.target.path) ?? []), i])
    const companionsOf = new Map<string, Companion[]>()
    for (const c of companions)
      companionsOf.set(c.target.path, [...(companionsOf.get(c.target.path) ?? []), c])
    for (const [file, list] of byFile) {
      let text = ctx.tree.get(file)!
      let change: StageChange | undefined
      // Last document first, so that a split (which adds documents) leaves the earlier indexes in place.
      const documents = [...new Set(list.map(i => i.inData!.document))].sort((a, b) => b - a)
      for (const document of documents) {
        const ofDocument = list.filter(i => i.inData!.document === document)
        const values = new Map(
          ofDocument.map(i => {
            const d = i.inData!
            const install = results.get(i)!.content
            const others = migratedData.get(i) ?? d.others
            return [d.entry.key, others === '' ? install : joinDocuments([install, others])] as const
          })
        )
        // Every ConfigMap's data starts with one of a few installs: their lines are rendered once.
        const shared = new Map(ofDocument.map(i => [i.inData!.entry.key, results.get(i)!.content] as const))
        for (const c of (companionsOf.get(file) ?? []).filter(c => c.document === document)) {
          const migrated = migratedCompanions.get(c)
          if (migrated !== undefined) values.set(c.entry.key, migrated)
        }
        const from = highestVersion(ofDocument.map(i => i.version))!
        const upgraded = upgradeConfigMap({
          component: 'flux',
          file,
          text,
          read: read.get(file),
          document,
          values,
          shared,
          from,
          to,
          provenance: {
            component: 'flux',
            version: to,
            source: notes(selected.tag),
            sha256: digestOf(results.get(ofDocument[0])!.content)
          }
        })
        text = upgraded.change.content!
        change = upgraded.change
        pushAll(renames.files, upgraded.files)
        pushAll(renames.configMaps, upgraded.configMaps)
        outcome.configMaps.push(upgraded.outcome)
      }
      // Each ConfigMap's new text is its own (a megabyte per cluster): handed to the store, not held by the stage.
      if (change && text !== ctx.tree.get(file)) {
        const kept = { ...change, content: text }
        outcome.changes.push(ctx.keep ? ctx.keep(kept) : kept)
      }
    }
    const unique = { files: dedupe(renames.files), configMaps: dedupe(renames.configMaps) }
    const skip = new Set([...byFile.keys(), ...unique.files.map(f => f.to)])
    const followed = followReferences(ctx.tree.with(outcome.changes), unique, skip)
    for (const c of followed.changes) outcome.changes.push({ ...c, reason: 'reference-followed' })
    outcome.references = followed.followed
    return outcome
  }
}

/** A data key of a Flux ConfigMap that holds no install: migrated with the repository's Flux objects. */
interface Companion {
  target: DiscoveredTarget
  document: number
  entry: DataEntry
}

/** What reading the targets found: the installs, and what the Flux ConfigMaps' values were read for. */
interface Found {
  installs: Install[]
  /** The other data keys of every ConfigMap document that holds an install. */
  companions: Companion[]
  /** The Flux objects of each Flux ConfigMap file, with the digest (or, unstored, the text) they were found in. */
  objects: Map<string, { digest?: string; content?: string; objects: FluxObject[] }>
}

/**
 * gotk-components.yaml targets and every data key of a Flux ConfigMap that holds a Flux install; the ConfigMaps
 * read go into `read` by file, without their install values (each a megabyte, for every cluster of a fleet): what
 * the stage needs of those is worked out here, file by file.
 */
function findInstalls(
  tree: WorkingTree,
  targets: readonly DiscoveredTarget[],
  read: Map<string, ConfigMapSource[]>
): Found {
  const found: Found = { installs: [], companions: [], objects: new Map() }
  const out = found.installs
  const reader = new FluxDataReader()
  for (const target of targets) {
    const text = tree.get(target.path)
    if (text === undefined) continue
    if (target.type === 'flux-components') {
      const digest = tree.stored(target.path)?.digest
      out.push({
        target,
        version: parseFluxHeader(text, target.path).version,
        content: text,
        ...(digest !== undefined ? { digest } : {})
      })
      continue
    }
    if (target.type !== 'flux-configmap') continue
    const configMaps = readConfigMaps(text, target.path)
    read.set(target.path, configMaps)
    const digest = tree.stored(target.path)?.digest
    found.objects.set(target.path, {
      ...(digest !== undefined ? { digest } : { content: text }),
      objects: findFluxObjects(target.path, text, configMaps)
    })
    for (const cm of configMaps) {
      const installs = cm.data.filter(entry => FLUX_DATA.test(entry.value))
      for (const entry of installs) {
        const data = reader.read(entry.value, target.path)
        out.push({
          target,
          version: data.version,
          content: data.content,
          digest: data.digest,
          inData: {
            document: cm.document,
            entry,
            addedLines: data.addedLines,
            installLine: data.installLine,
            othersLine: data.othersLine,
            others: data.others
          }
        })
      }
      if (installs.length === 0) continue
      for (const entry of cm.data)
        if (!installs.includes(entry)) found.companions.push({ target, document: cm.document, entry })
      releaseValues(cm, installs)
    }
  }
  return found
}

/** A line of the text handed to the upgrade, as a line of the ConfigMap file. */
function dataLine(i: Install, line: number): number {
  const d = i.inData!
  return fileLine(d.entry, d.installLine + line - d.addedLines - 1)
}

const fileLine = (entry: DataEntry, dataLineNumber: number): number =>
  entry.lineStarts[dataLineNumber - 1] ?? entry.line

const dedupe = <T>(items: T[]): T[] => {
  const seen = new Set<string>()
  return items.filter(i => {
    const k = JSON.stringify(i)
    return seen.has(k) ? false : (seen.add(k), true)
  })
}
