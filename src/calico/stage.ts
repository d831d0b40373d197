import semver from 'semver'
import { highestVersion } from '../versions/select.js'
import { toFindings, type Finding } from '../errors.js'
import type { Stage, StageChange } from '../plan/stage.js'
import type { ConfigMapOutcome, TargetOutcome } from '../result.js'
import type { DiscoveredTarget } from '../targets/discover.js'
import type { WorkingTree } from '../plan/tree.js'
import { readConfigMaps, type ConfigMapSource, type DataEntry } from '../crs/configmap.js'
import { followReferences, type ConfigMapRename, type Renamed } from '../crs/references.js'
import { upgradeConfigMap } from '../crs/upgrade-configmap.js'
import {
  currentCalicoVersion,
  isCalicoManifest,
  recogniseCalicoManifest,
  type CalicoManifest
} from './manifest.js'
import {
  mergeCalicoManifest,
  mergeConflictError,
  type CalicoMergeInput,
  type CalicoMergeResult,
  type KeptCustomisation
} from './merge.js'
import { timed } from '../timing.js'
import { textKey } from '../yaml/text-key.js'
import { pushAll } from '../arrays.js'

/**
 * The Calico component: each Calico ClusterResourceSet ConfigMap moved to the new version's upstream manifest,
 * keeping the user's customisations (a three-way merge with the pristine manifest of the current version), with
 * its versioned names followed. A conflict fails that ConfigMap, names object and field, and the run writes nothing.
 */

interface CalicoData {
  target: DiscoveredTarget
  /** Every ConfigMap of the target's file as read here, handed to the upgrade so that it does not parse again. */
  read: readonly ConfigMapSource[]
  document: number
  entry: DataEntry
  version: string
  manifest: CalicoManifest
}

const CALICO_NODE = /kind:\s*DaemonSet[\s\S]{0,400}?name:\s*calico-node\b/

export const calicoStage: Stage = {
  component: 'calico',
  name: 'calico',
  async run(ctx) {
    const configured = ctx.config.calico.manifest
    const found = findCalicoData(
      ctx.tree,
      ctx.targets,
      configured && isCalicoManifest(configured) ? configured : undefined
    )
    if (found.length === 0) {
      return {
        changes: [],
        component: {
          component: 'calico',
          action: 'skipped',
          reason: 'no Calico ConfigMaps in the repository'
        }
      }
    }
    const current = highestVersion(found.map(d => d.version))
    const { selected, overall, notes } = await ctx.upstream.resolve('calico', ctx.spec, current)
    ctx.deps.log.info(`calico: ${current ?? 'none'} → ${overall.version} (${overall.reason})`)
    const to = selected.version
    const targets: TargetOutcome[] = []
    const configMaps: ConfigMapOutcome[] = []
    const findings: Finding[] = []
    const changes: StageChange[] = []
    const keep = ctx.keep ?? ((c: StageChange) => c)
    const renames = { files: [] as Renamed[], configMaps: [] as ConfigMapRename[] }

    // A fleet holds the same manifest in every cluster's ConfigMap: each distinct one is merged once.
    const merges = new MergeMemo()
    const byFile = new Map<string, CalicoData[]>()
    for (const d of found) byFile.set(d.target.path, [...(byFile.get(d.target.path) ?? []), d])
    for (const [file, list] of byFile) {
      // The text the ConfigMaps were read from: not asked of the tree again, which may read it back from disk.
      const original = list[0].read[0].text
      let text = original
      let change: StageChange | undefined
      const documents = [...new Set(list.map(d => d.document))].sort((a, b) => b - a)
      for (const document of documents) {
        const values = new Map<string, string>()
        const kept: KeptCustomisation[] = []
        let source: { url: string; sha256: string } | undefined
        const ofDocument = list.filter(d => d.document === document)
        let failed = false
        for (const d of ofDocument) {
          const status = d.version === to || (ctx.spec.kind !== 'exact' && semver.gt(d.version, to))
          if (status) {
            targets.push(targetOutcome(d, d.version, d.version === to ? 'up-to-date' : 'kept-newer'))
            continue
          }
          try {
            const [base, theirs] = await timed(ctx.deps.log, 'calico-download', () =>
              Promise.all([
                ctx.upstream.calicoManifest(d.version, d.manifest),
                ctx.upstream.calicoManifest(to, d.manifest)
              ])
            )
            const merged = await timed(ctx.deps.log, 'calico-merge', () =>
              merges.merge({ base: base.text, ours: d.entry.value, theirs: theirs.text })
            )
            if (!merged.ok) {
              throw mergeConflictError(merged.conflicts, { file, line: d.entry.line }, to)
            }
            values.set(d.entry.key, merged.text)
            pushAll(kept, merged.kept)
            source = { url: theirs.url, sha256: theirs.sha256 }
            targets.push(targetOutcome(d, to, 'upgraded'))
          } catch (e) {
            // One ConfigMap that cannot be upgraded fails the run, with every other target still reported.
            findings.push(
              ...toFindings(e).map(f => ({ ...f, file: f.file ?? file, line: f.line ?? d.entry.line }))
            )
            failed = true
          }
        }
        // Up to date too: the ConfigMap is listed, and stays in the validation's scope on every run.
        if (failed) continue
        const from = highestVersion(ofDocument.map(d => d.version))!
        const upgraded = upgradeConfigMap({
          component: 'calico',
          file,
          text,
          read: ofDocument[0].read,
          document,
          values,
          from,
          // Nothing moved (up to date, or above a range's pick): the names stay as they are.
          to: values.size === 0 ? from : to,
          provenance: {
            component: 'calico',
            version: to,
            ...(source ? { source: source.url, sha256: source.sha256 } : {})
          },
          kept: kept.map(k => ({ object: k.object, path: k.path, change: k.change }))
        })
        text = upgraded.change.content!
        change = upgraded.change
        pushAll(renames.files, upgraded.files)
        pushAll(renames.configMaps, upgraded.configMaps)
        configMaps.push(upgraded.outcome)
      }
      // Kept as it is made: the stage holds no cluster's new text while it goes on to the next.
      if (change && text !== original) changes.push(keep({ ...change, content: text }))
    }
    const skip = new Set([...byFile.keys(), ...renames.files.map(f => f.to)])
    const followed = followReferences(ctx.tree.with(changes), renames, skip)
    for (const c of followed.changes) changes.push(keep({ ...c, reason: 'reference-followed' }))
    return {
      changes,
      component: {
        component: 'calico',
        from: current,
        to: overall.version,
        action: overall.action,
        reason: overall.reason,
        releaseNotes: notes(overall.tag)
      },
      targets,
      configMaps,
      references: followed.followed,
      findings
    }
  }
}

function findCalicoData(
  tree: WorkingTree,
  targets: readonly DiscoveredTarget[],
  configured?: CalicoManifest
): CalicoData[] {
  const facts = new ValueFacts()
  const out: CalicoData[] = []
  for (const target of targets) {
    if (target.type !== 'calico-configmap') continue
    const text = tree.get(target.path)
    if (text !== undefined) pushAll(out, calicoDataOf(target, text, facts, configured))
  }
  return out
}

/** The calico-node manifests in the data of a target's ConfigMaps, with the version and manifest of each. */
function calicoDataOf(
  target: DiscoveredTarget,
  text: string,
  facts: ValueFacts,
  configured?: CalicoManifest
): CalicoData[] {
  const out: CalicoData[] = []
  const read = readConfigMaps(text, target.path)
  for (const cm of read) {
    for (const entry of cm.data) {
      const found = facts.of(entry.value)
      if (!found) continue
      out.push({
        target,
        read,
        document: cm.document,
        entry,
        version: found.version,
        manifest: configured ?? found.manifest
      })
    }
  }
  return out
}

/**
 * What a data value says of the Calico it installs: undefined for a value that is no calico-node manifest with a
 * version. Pure in the value, and a fleet's ConfigMaps hold one value in every cluster (the parser hands out the
 * same string for equal blocks), so the patterns run once per distinct value: the last ones met are compared by
 * identity first, which costs nothing when the string is the same one.
 */
class ValueFacts {
  private readonly recent: {
    value: string
    facts: { version: string; manifest: CalicoManifest } | undefined
  }[] = []

  of(value: string): { version: string; manifest: CalicoManifest } | undefined {
    const known = this.recent.find(r => r.value === value)
    if (known) return known.facts
    const facts = factsOf(value)
    this.recent.unshift({ value, facts })
    this.recent.length = Math.min(this.recent.length, 4)
    return facts
  }
}

function factsOf(value: string): { version: string; manifest: CalicoManifest } | undefined {
  if (!CALICO_NODE.test(value)) return undefined
  const version = currentCalicoVersion(value)
  if (!version) return undefined
  return { version, manifest: recogniseCalicoManifest(value) ?? 'calico.yaml' }
}

const targetOutcome = (d: CalicoData, to: string, status: TargetOutcome['status']): TargetOutcome => ({
  path: d.target.path,
  type: 'calico-configmap',
  component: 'calico',
  from: d.version,
  to,
  status,
  drift: []
})

/**
 * Three-way merges by their texts. The merge is a function of the three texts alone, and its result is only read,
 * so equal inputs share one result.
 */
class MergeMemo {
  private readonly known = new Map<string, Map<string, Map<string, CalicoMergeResult>>>()

  /** Digests of the texts seen last: the upstream manifests are the same strings for every ConfigMap. */
  private readonly recent: { text: string; key: string }[] = []

  private keyOf(text: string): string {
    let known = this.recent.find(r => r.text === text)
    if (!known) {
      known = { text, key: textKey(text) }
      this.recent.unshift(known)
      this.recent.length = Math.min(this.recent.length, 4)
    }
    return known.key
  }

  merge(input: CalicoMergeInput): CalicoMergeResult {
    // By digest: a Map keyed by long texts of one length compares them text by text (see text-key.ts).
    const base = this.keyOf(input.base)
    const byBase = this.known.get(base) ?? new Map<string, Map<string, CalicoMergeResult>>()
    this.known.set(base, byBase)
    const theirs = this.keyOf(input.theirs)
    const byTheirs = byBase.get(theirs) ?? new Map<string, CalicoMergeResult>()
    byBase.set(theirs, byTheirs)
    const ours = this.keyOf(input.ours)
    let result = byTheirs.get(ours)
    if (!result) {
      result = mergeCalicoManifest(input)
      byTheirs.set(ours, result)
    }
    return result
  }
}
