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
    const renames = { files: [] as Renamed[], configMaps: [] as ConfigMapRename[] }

    // A fleet holds the same manifest in every cluster's ConfigMap: each distinct one is merged once.
    const merges = new MergeMemo()
    const byFile = new Map<string, CalicoData[]>()
    for (const d of found) byFile.set(d.target.path, [...(byFile.get(d.target.path) ?? []), d])
    for (const [file, list] of byFile) {
      let text = ctx.tree.get(file)!
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
      if (change && text !== ctx.tree.get(file)) changes.push({ ...change, content: text })
    }
    const skip = new Set([...byFile.keys(), ...renames.files.map(f => f.to)])
    const followed = followReferences(ctx.tree.with(changes), renames, skip)
    for (const c of followed.changes) changes.push({ ...c, reason: 'reference-followed' })
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
  const out: CalicoData[] = []
  for (const target of targets) {
    if (target.type !== 'calico-configmap') continue
    const text = tree.get(target.path)
    if (text === undefined) continue
    const read = readConfigMaps(text, target.path)
    for (const cm of read) {
      for (const entry of cm.data) {
        if (!CALICO_NODE.test(entry.value)) continue
        const version = currentCalicoVersion(entry.value)
        if (!version) continue
        const manifest = configured ?? recogniseCalicoManifest(entry.value) ?? 'calico.yaml'
        out.push({ target, read, document: cm.document, entry, version, manifest })
      }
    }
  }
  return out
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
