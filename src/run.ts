import path from 'node:path'
import { compareFindings, dedupeFindings, type Finding } from './errors.js'
import type { FindingsOf, RunDeps } from './deps.js'
import { loadConfig } from './config/load.js'
import type { Component, Settings } from './settings/inputs.js'
import { detectTargetType, discoverTargets } from './targets/discover.js'
import type { TargetType } from './config/config.js'
import { readRepository, type UnreadFile } from './workspace/repository.js'
import { stageChanges, sweptNotice } from './workspace/transaction.js'
import { TextStore } from './workspace/store.js'
import { contentDigest, removes, withStoredContent } from './plan/stored.js'
import { parseVersionSpec, type VersionSpec } from './versions/spec.js'
import { CollectCache, validateRepository, type ValidationInput } from './validate/validator.js'
import { mentionsCalicoApi, validateCalicoResources } from './validate/calicoctl.js'
import { fluxCrdSources } from './validate/flux-crds.js'
import { calicoCrdSources } from './validate/calico-crds.js'
import { Baseline } from './validate/baseline.js'
import { isYamlFile } from './validate/objects.js'
import { findKustomizeBinary, referencesWithBinary, withRecheck } from './validate/kustomize-binary.js'
import {
  ChangeSet,
  combinedChanges,
  describeChanges,
  makePlan,
  planComponents,
  treeAfter,
  type Plan
} from './plan/plan.js'
import { WorkingTree } from './plan/tree.js'
import { Upstream, versionInput } from './upstream.js'
import { fluxStage } from './flux/stage.js'
import { calicoStage } from './calico/stage.js'
import type { Stage, StageOutcome } from './plan/stage.js'
import type { RunResult } from './result.js'
import { timed } from './timing.js'
import { pushAll } from './arrays.js'

/** A run's report, and the plan of file changes that writing the working tree and publishing consume. */
export interface RunOutput {
  result: RunResult
  plan: Plan
}

/**
 * One run of the engine: read the repository, resolve versions, let each component's stages compute their changes
 * from the repository as read, validate the result (all components together, and each alone where several
 * change files), and only then write (dry-run): all or nothing. `settings.workingDirectory` is absolute.
 */
export async function run(settings: Settings, deps: RunDeps, stages = defaultStages): Promise<RunOutput> {
  // Inputs first: a bad version is reported before anything touches the network or the disk.
  const specs: Partial<Record<Component, VersionSpec>> = {}
  for (const c of settings.components)
    specs[c] = parseVersionSpec(c === 'flux' ? settings.fluxVersion : settings.calicoVersion, versionInput(c))

  const root = settings.workingDirectory
  const config = await loadConfig(root, settings)
  deps.log.info(
    config.file
      ? `Config file: ${config.file}`
      : `No config file (${settings.config} does not exist): targets are found by content, with no exclusions`
  )
  // The run's texts by digest: workspace files read again when asked, new ones spilled to the scratch directory.
  const store = new TextStore({ spillDir: path.join(deps.tempDir, 'texts') })
  const { read, base, targets } = await timed(deps.log, 'read', async () => {
    const read = await readRepository(root, { exec: deps.exec, store })
    const base = new WorkingTree(read.files)
    // Generator inputs (scripts, env files) are in the tree for the renderer; targets are YAML files.
    // A fleet holds the same file in many clusters: each distinct content is recognised once.
    const types = new Map<string, TargetType | undefined>()
    const targets = discoverTargets(
      base.files().filter(f => isYamlFile(f.path)),
      config,
      new Set(read.links),
      f => {
        const digest = contentDigest(f)
        if (digest === undefined) return detectTargetType(f.content)
        if (!types.has(digest)) types.set(digest, detectTargetType(f.content))
        return types.get(digest)
      }
    )
    return { read, base, targets }
  })
  deps.log.info(
    `Found ${targets.length} target(s): ${targets.map(t => `${t.path} (${t.type})`).join(', ') || 'none'}`
  )
  const upstream = new Upstream(settings, deps)
  const result = emptyResult(settings.mode, settings.dryRun)
  pushAll(result.findings, read.refused)

  if (settings.mode === 'validate') {
    const plan = makePlan(base, [])
    const flux = specs.flux
    const crdSources = await fluxCrdSources(
      base.files(),
      async () =>
        (await upstream.resolve('flux', flux ?? parseVersionSpec('latest', 'flux-version'))).selected.version,
      v => upstream.flux(v),
      deps.log
    )
    const calico = specs.calico
    crdSources.push(
      ...(await calicoCrdSources(
        base.files(),
        async () => (calico ? (await upstream.resolve('calico', calico)).selected.version : undefined),
        v => upstream.calicoManifest(v, 'calico.yaml'),
        deps.log
      ))
    )
    await validateInto(
      result,
      { files: base.files(), crdSources, unread: read.unread },
      upstream,
      specs.calico,
      deps
    )
    await recheckWithKustomize(result, base, root, read.unread, deps)
    result.tools = upstream.installed
    return { result, plan }
  }

  const sets: ChangeSet[] = []
  const outcomes = new Map<Component, StageOutcome[]>()
  for (const component of settings.components) {
    const set = new ChangeSet(component, base, store)
    const done: StageOutcome[] = []
    for (const stage of stages.filter(s => s.component === component)) {
      const outcome = await timed(deps.log, `stage-${stage.name}`, () =>
        stage.run({
          tree: set.tree,
          spec: specs[component]!,
          targets,
          config,
          upstream,
          deps,
          keep: c =>
            contentDigest(c) !== undefined || c.content === null
              ? c
              : withStoredContent({ ...c }, store.put(c.content), store)
        })
      )
      for (const c of outcome.changes) set.apply(c)
      // The stage's texts are in the store now: what the outcome keeps for the report is not held twice.
      outcome.changes = []
      done.push(outcome)
    }
    sets.push(set)
    outcomes.set(component, done)
  }
  const { plan, combined } = await timed(deps.log, 'plan', () => {
    const plan = makePlan(base, sets)
    return { plan, combined: combinedChanges(plan) }
  })
  const all = [...outcomes.values()].flat()
  result.components = all.flatMap(o => (o.component ? [o.component] : []))
  result.targets = all.flatMap(o => o.targets ?? [])
  result.migrated = all.flatMap(o => o.migrated ?? [])
  result.configMaps = all.flatMap(o => o.configMaps ?? [])
  result.references = all.flatMap(o => o.references ?? [])
  pushAll(
    result.findings,
    all.flatMap(o => o.findings ?? [])
  )
  result.fluxInstallRuns = all.reduce((n, o) => n + (o.fluxInstallRuns ?? 0), 0)
  pushAll(
    result.notes,
    all.flatMap(o => o.notes ?? [])
  )

  result.files = describeChanges(base, combined)
  result.changed = combined.length > 0

  const writing = { files: deps.files, stagingDir: deps.tempDir, swept: sweptNotice(deps.log) }
  // A dry-run's new contents are staged in the scratch directory while the upgrade is validated; they reach the
  // working tree only once it has passed.
  const staged =
    settings.dryRun && result.changed
      ? await timed(deps.log, 'stage', () => stageChanges(root, combined, writing))
      : undefined
  const alone = await timed(deps.log, 'validate', () =>
    validatePlan(result, plan, outcomes, { upstream, calico: specs.calico, unread: read.unread }, deps)
  ).catch(async (e: unknown) => {
    await staged?.discard()
    throw e
  })
  // What one component's pull request merges is validated alone when several change files; otherwise (one
  // component, or one pull request for all) the run's own validation is that of the pull request.
  const findingsOf: FindingsOf = components =>
    (components.length === 1 ? alone.get(components[0]) : undefined) ?? result.findings
  result.tools = upstream.installed
  // A run whose result does not validate writes nothing; the caller reports the findings and fails.
  const errors = result.findings.filter(f => f.severity === 'error').length
  if (errors > 0) {
    result.notes.push(
      `Validation found ${errors} error(s) in what the upgrade would write: nothing was written.`
    )
    await staged?.discard()
    return { result, plan }
  }

  if (settings.dryRun) {
    if (!result.changed) {
      result.notes.push('Everything is up to date: nothing to write.')
      return { result, plan }
    }
    await timed(deps.log, 'write', () => staged!.commit())
    result.written = true
    result.notes.push(
      `Wrote ${combined.length} file(s) to the working tree; no commit, push or pull request.`
    )
  } else if (deps.publish) {
    // Also when nothing changes: a pull request whose base already has the versions is closed.
    await deps.publish(plan, result, findingsOf)
    if (!result.changed) result.notes.push('Everything is up to date: nothing to change.')
  } else if (!result.changed) {
    result.notes.push('Everything is up to date: nothing to write.')
  } else {
    // Words for both edges: the CLI's --check lands here too, and it has no dry-run flag.
    result.notes.push('Pull requests are opened by the action: nothing was written here.')
  }
  return { result, plan }
}

function emptyResult(mode: Settings['mode'], dryRun: boolean): RunResult {
  return {
    mode,
    dryRun,
    changed: false,
    written: false,
    components: [],
    targets: [],
    files: [],
    migrated: [],
    configMaps: [],
    references: [],
    findings: [],
    validation: { resources: 0, skipped: [] },
    tools: [],
    fluxInstallRuns: 0,
    pullRequests: [],
    notes: []
  }
}

/**
 * Validates the repository with every component's changes, and, where several components change files, with each
 * component's changes alone: that is what one pull request per component merges. A finding that only one
 * component's change has is reported with that component named. Returns each component's own findings (its
 * stages' and its tree's), when several change files.
 */
async function validatePlan(
  result: RunResult,
  plan: Plan,
  outcomes: ReadonlyMap<Component, StageOutcome[]>,
  {
    upstream,
    calico,
    unread
  }: { upstream: Upstream; calico: VersionSpec | undefined; unread: readonly UnreadFile[] },
  deps: RunDeps
): Promise<Map<Component, Finding[]>> {
  const input = (components: readonly Component[]): ValidationInput => {
    const of = components.flatMap(c => outcomes.get(c) ?? [])
    return {
      files: treeAfter(plan, components).files(),
      unread,
      // A regenerated target that came out unchanged is what the run would write: the same scope either way.
      written: [
        ...new Set([
          ...combinedChanges(plan, components)
            .filter(c => !removes(c))
            .map(c => c.path),
          ...of.flatMap(o => (o.versionTargets ?? []).map(t => t.file)),
          ...of.flatMap(o => (o.configMaps ?? []).map(c => c.renamedTo ?? c.file))
        ])
      ],
      targets: of.flatMap(o => o.versionTargets ?? []),
      upgradedCrds: of.flatMap(o => o.upgradedCrds ?? [])
    }
  }
  const changing = planComponents(plan)
  const cache = new CollectCache()
  await timed(deps.log, 'validate-all', () =>
    validateInto(result, input([...outcomes.keys()]), upstream, calico, deps, cache)
  )
  const alone: { component: Component; findings: Finding[] }[] = []
  if (changing.length >= 2) {
    for (const component of changing) {
      const only = emptyResult(result.mode, result.dryRun)
      await timed(deps.log, `validate-${component}`, () =>
        validateInto(only, input([component]), upstream, calico, deps, cache)
      )
      alone.push({ component, findings: only.findings })
    }
  }
  // The repository as read, against the CRDs it had: what fails there is not what this upgrade breaks. Only
  // checked when there is an error to weigh, so a clean upgrade costs no second validation.
  let baseline = new Baseline([])
  if ([result, ...alone].some(r => r.findings.some(f => f.severity === 'error'))) {
    const before = emptyResult(result.mode, result.dryRun)
    await validateInto(before, { files: plan.base.files(), unread }, upstream, calico, deps, cache)
    baseline = new Baseline(before.findings)
  }
  const seen = new Set(result.findings.map(findingKey))
  for (const { component, findings } of alone) {
    for (const f of findings) {
      if (seen.has(findingKey(f)) || baseline.has(f)) continue
      seen.add(findingKey(f))
      result.findings.push({ ...f, message: `${f.message} (with only the ${component} changes applied)` })
    }
  }
  result.findings = dedupeFindings(baseline.mark(result.findings)).sort(compareFindings)
  const own = new Map<Component, Finding[]>()
  for (const { component, findings } of alone) {
    const staged = (outcomes.get(component) ?? []).flatMap(o => o.findings ?? [])
    own.set(component, dedupeFindings(baseline.mark([...staged, ...findings])).sort(compareFindings))
  }
  return own
}

const findingKey = (f: Finding): string => [f.rule, f.file, f.line, f.message].join('\u0000')

export const defaultStages: readonly Stage[] = [fluxStage, calicoStage]

/**
 * The repository validator, then calicoctl on the repository's Calico resources. calicoctl is resolved and
 * installed only when there are such resources (and calico is one of the components): most runs never need it.
 */
async function validateInto(
  result: RunResult,
  input: ValidationInput,
  upstream: Upstream,
  calico: VersionSpec | undefined,
  deps: RunDeps,
  cache?: CollectCache
): Promise<void> {
  const report = validateRepository(input, cache)
  result.validation = {
    resources: report.resources,
    skipped: report.skipped,
    schemas: report.schemas,
    groups: report.groups
  }
  pushAll(result.findings, report.findings)
  if (
    calico &&
    input.files.some(
      f => isYamlFile(f.path) && (cache ? cache.mentionsCalicoApi(f) : mentionsCalicoApi(f.content))
    )
  ) {
    const { selected } = await upstream.resolve('calico', calico)
    const tool = await upstream.install('calicoctl', selected.version)
    const checked = await validateCalicoResources(input.files, tool, deps.exec)
    pushAll(result.findings, checked.findings)
    if (checked.skipped) result.notes.push(checked.skipped)
  }
  result.findings = dedupeFindings(result.findings).sort(compareFindings)
}

/**
 * Where the in-process kustomize render is incomplete (components, replacements, remote bases), the runner's own
 * `kustomize` (or `kubectl kustomize`) builds those kustomizations and the ClusterResourceSet checks are made again
 * on its output. Only for the repository as it is on disk: an upgrade's changes exist only in memory until written.
 */
async function recheckWithKustomize(
  result: RunResult,
  tree: WorkingTree,
  root: string,
  unread: readonly UnreadFile[],
  deps: RunDeps
): Promise<void> {
  const binary = deps.which ? await findKustomizeBinary(deps.which) : undefined
  if (!binary) return
  const rechecked = await referencesWithBinary(
    new Map(tree.files().map(f => [f.path, f.content])),
    binary,
    root,
    deps.exec,
    new Map(unread.map(u => [u.path, u.reason]))
  )
  if (!rechecked) return
  if (rechecked.rebuilt.length > 0)
    deps.log.info(
      `${binary.kind} built ${rechecked.rebuilt.join(', ')}: ClusterResourceSet references checked on its output`
    )
  if (rechecked.failed.length > 0)
    deps.log.info(`${binary.kind} failed to build ${rechecked.failed.join(', ')} (reported as errors)`)
  result.findings = withRecheck(result.findings, rechecked).sort(compareFindings)
}
