import semver from 'semver'
import type { Finding } from './errors.js'
import type { Exec } from './deps.js'
import type { RetryDeps } from './http/retry.js'
import { loadConfig } from './config/load.js'
import type { Component, Settings } from './settings/inputs.js'
import { discoverTargets, type DiscoveredTarget } from './targets/discover.js'
import { currentCalicoVersion } from './targets/calico-version.js'
import { readYamlFiles, type RepoFile } from './workspace/repository.js'
import { applyChanges, type FileChange } from './workspace/transaction.js'
import { parseVersionSpec, type VersionSpec } from './versions/spec.js'
import { componentRepository, resolveVersion, type Release, type Resolution } from './versions/select.js'
import { listReleases } from './versions/releases.js'
import { releasesCredentials } from './versions/auth.js'
import { installTool, type ToolCache } from './tools/install.js'
import type { ToolPlatform } from './tools/platform.js'
import { fluxCli, minorOf, type FluxCli } from './flux/cli.js'
import { upgradeFluxComponents } from './flux/upgrade.js'
import { migrateFluxObjects } from './flux/migrate.js'
import { parseFluxHeader } from './flux/header.js'
import { validateRepository, type ValidationInput, type ExpectedVersion } from './validate/validator.js'
import { validateCalicoResources } from './validate/calicoctl.js'
import { findKustomizeBinary, referencesWithBinary, type ToolLookup } from './validate/kustomize-binary.js'
import type { RunResult } from './result.js'

/** Everything the engine needs from outside; `main.ts` and `cli.ts` pass real ones, tests local servers. */
export interface RunDeps extends RetryDeps {
  exec: Exec
  toolCache: ToolCache
  /** A scratch directory for downloads and migrations; removed by the caller. */
  tempDir: string
  platform: ToolPlatform
  /** `GITHUB_API_URL` of the run: the run token goes to this API only. */
  runApiUrl?: string
  /** Finds a program on PATH (kustomize, kubectl); absent means none is used. */
  which?: ToolLookup
}

type Specs = Partial<Record<Component, VersionSpec>>

/** The release's own page as the release list gives it (GHES, a mirror), else its page on github.com. */
const releaseNotesUrl = (component: Component, tag: string, releases: readonly Release[]): string =>
  releases.find(r => r.tag === tag)?.htmlUrl ??
  `https://github.com/${componentRepository[component]}/releases/tag/${tag}`

const versionInput = (component: Component) => (component === 'flux' ? 'flux-version' : 'calico-version')

/**
 * One run of the engine: read the repository, resolve versions, regenerate targets with the real tools, validate
 * everything written, and only then write (dry-run): all or nothing. `settings.workingDirectory` is absolute.
 */
export async function run(settings: Settings, deps: RunDeps): Promise<RunResult> {
  const result: RunResult = {
    mode: settings.mode,
    dryRun: settings.dryRun,
    changed: false,
    written: false,
    components: [],
    targets: [],
    files: [],
    migrated: [],
    findings: [],
    validation: { resources: 0, skipped: [] },
    tools: [],
    fluxInstallRuns: 0,
    pullRequests: [],
    notes: []
  }

  // Inputs first: a bad version is reported before anything touches the network or the disk.
  const specs: Specs = {}
  for (const c of settings.components)
    specs[c] = parseVersionSpec(c === 'flux' ? settings.fluxVersion : settings.calicoVersion, versionInput(c))

  const root = settings.workingDirectory
  const config = await loadConfig(root, settings)
  const files = await readYamlFiles(root)
  const targets = discoverTargets(files, config)
  deps.log.info(
    `Found ${targets.length} target(s): ${targets.map(t => `${t.path} (${t.type})`).join(', ') || 'none'}`
  )
  const upstream = new Upstream(settings, deps, result)

  if (settings.mode === 'validate') {
    await validateStage(result, { files }, upstream, specs, deps)
    await recheckWithKustomize(result, files, root, deps)
    return result
  }

  const byPath = new Map(files.map(f => [f.path, f.content]))
  const changes = new Map<string, string | null>()
  const stage = { upgradedCrds: [] as unknown[], versionTargets: [] as ExpectedVersion[] }

  if (specs.flux) await fluxStage(result, { specs, files, byPath, targets, changes, stage, upstream, deps })
  if (specs.calico) await calicoStage(result, { spec: specs.calico, byPath, targets, upstream })
  for (const t of targets.filter(t => t.type === 'flux-configmap')) {
    result.targets.push({
      path: t.path,
      type: t.type,
      component: 'flux',
      status: 'not-supported-yet',
      drift: []
    })
  }

  // Only real differences count: regenerating an up-to-date file is not a change.
  const effective: FileChange[] = [...changes.entries()]
    .filter(([p, c]) => byPath.get(p) !== c)
    .map(([p, c]) => ({ path: p, content: c }))
  result.files = effective.map(c => ({
    path: c.path,
    operation: c.content === null ? 'deleted' : byPath.has(c.path) ? 'modified' : 'added',
    bytes: c.content === null ? 0 : Buffer.byteLength(c.content, 'utf8')
  }))
  result.changed = effective.length > 0

  const after = files
    .map(f => ({ path: f.path, content: changes.has(f.path) ? changes.get(f.path)! : f.content }))
    .filter((f): f is RepoFile => f.content !== null)
  await validateStage(
    result,
    {
      files: after,
      written: effective.map(c => c.path),
      targets: stage.versionTargets,
      upgradedCrds: stage.upgradedCrds
    },
    upstream,
    specs,
    deps
  )
  // A run whose result does not validate writes nothing; the caller reports the findings and fails.
  const errors = result.findings.filter(f => f.severity === 'error').length
  if (errors > 0) {
    result.notes.push(
      `Validation found ${errors} error(s) in what the upgrade would write: nothing was written.`
    )
    return result
  }

  if (!result.changed) {
    result.notes.push('Everything is up to date: nothing to write.')
  } else if (settings.dryRun) {
    await applyChanges(root, effective)
    result.written = true
    result.notes.push(
      `dry-run: wrote ${effective.length} file(s) to the working tree; no commit, push or pull request.`
    )
  } else {
    result.notes.push(
      'Opening pull requests is not part of this release: nothing was written. Use dry-run: true to write the working tree.'
    )
  }
  return result
}

/**
 * Release lists and tool installs, each fetched once per run: the credentials rule (the run token only to the
 * run's own API) is applied here and nowhere else.
 */
class Upstream {
  private readonly releases = new Map<Component, Promise<Release[]>>()
  private readonly tools = new Map<string, Promise<{ path: string; version: string }>>()
  private readonly token?: string
  private announced = false
  private readonly message: string

  constructor(
    private readonly settings: Settings,
    private readonly deps: RunDeps,
    private readonly result: RunResult
  ) {
    const credentials = releasesCredentials({
      releasesApiUrl: settings.releasesApiUrl,
      runApiUrl: deps.runApiUrl,
      token: settings.token,
      releasesToken: settings.releasesToken
    })
    this.token = credentials.token
    this.message = credentials.message
  }

  /**
   * Two answers: what the spec selects among the releases (the version targets move to), and how that compares
   * with the repository's highest current version (for the report). Ranges and `latest` never downgrade.
   */
  async resolve(
    component: Component,
    spec: VersionSpec,
    current?: string
  ): Promise<{ selected: Resolution; overall: Resolution; notes: (tag: string) => string }> {
    let list = this.releases.get(component)
    if (!list) {
      if (!this.announced) this.deps.log.info(this.message)
      this.announced = true
      list = listReleases(
        componentRepository[component],
        { baseUrl: this.settings.releasesApiUrl, token: this.token },
        this.deps
      )
      this.releases.set(component, list)
    }
    const releases = await list
    const input = versionInput(component)
    return {
      selected: resolveVersion(spec, releases, { component, input }),
      overall: resolveVersion(spec, releases, { component, current, input }),
      notes: tag => releaseNotesUrl(component, tag, releases)
    }
  }

  install(tool: 'flux' | 'calicoctl', version: string): Promise<{ path: string; version: string }> {
    const key = `${tool}@${version}`
    let p = this.tools.get(key)
    if (!p) {
      p = installTool(
        tool,
        version,
        { downloadUrl: this.settings.downloadUrl, platform: this.deps.platform },
        { ...this.deps, cache: this.deps.toolCache, tempDir: this.deps.tempDir }
      ).then(t => {
        this.result.tools.push({ tool, version: t.version, downloaded: t.downloaded })
        return t
      })
      this.tools.set(key, p)
    }
    return p
  }

  async flux(version: string): Promise<FluxCli> {
    const t = await this.install('flux', version)
    return fluxCli(t.path, t.version, this.deps.exec)
  }
}

async function fluxStage(
  result: RunResult,
  ctx: {
    specs: Specs
    files: RepoFile[]
    byPath: Map<string, string>
    targets: DiscoveredTarget[]
    changes: Map<string, string | null>
    stage: { upgradedCrds: unknown[]; versionTargets: ExpectedVersion[] }
    upstream: Upstream
    deps: RunDeps
  }
): Promise<void> {
  const spec = ctx.specs.flux!
  const fluxTargets = ctx.targets.filter(t => t.type === 'flux-components')
  const headers = fluxTargets.map(t => ({
    target: t,
    header: parseFluxHeader(ctx.byPath.get(t.path)!, t.path)
  }))
  const current = highest(headers.map(h => h.header.version))
  const { selected, overall, notes } = await ctx.upstream.resolve('flux', spec, current)
  result.components.push({
    component: 'flux',
    from: current,
    to: overall.version,
    action: fluxTargets.length === 0 ? 'skipped' : overall.action,
    reason: fluxTargets.length === 0 ? 'no Flux targets in the repository' : overall.reason,
    releaseNotes: notes(overall.tag)
  })
  ctx.deps.log.info(`flux: ${current ?? 'none'} → ${overall.version} (${overall.reason})`)

  // A target above the selected version stays as it is, unless the version was pinned exactly.
  const movable = headers.filter(h => spec.kind === 'exact' || !semver.gt(h.header.version, selected.version))
  for (const h of headers.filter(h => !movable.includes(h))) {
    const v = h.header.version
    result.targets.push({
      path: h.target.path,
      type: 'flux-components',
      component: 'flux',
      from: v,
      to: v,
      status: 'kept-newer',
      drift: []
    })
  }
  if (movable.length === 0) return

  const up = await upgradeFluxComponents(
    movable.map(h => ({
      file: h.target.path,
      content: ctx.byPath.get(h.target.path)!,
      install: h.target.install
    })),
    selected.version,
    { cli: v => ctx.upstream.flux(v), log: ctx.deps.log }
  )
  result.fluxInstallRuns = up.installRuns
  for (const w of up.writes) ctx.changes.set(w.file, w.content)
  for (const r of up.results) {
    result.targets.push({
      path: r.file,
      type: 'flux-components',
      component: 'flux',
      from: r.from,
      to: r.to,
      status: r.changed ? 'upgraded' : 'up-to-date',
      installArgs: r.installArgs,
      drift: r.drift
    })
    ctx.stage.versionTargets.push({ file: r.file, component: 'flux', version: r.to })
  }
  ctx.stage.upgradedCrds = up.crds

  // API versions are removed at minor releases: only a minor crossing can strand the repository's own objects.
  const toMinor = minorOf(selected.version)
  if (movable.some(h => minorOf(h.header.version) !== toMinor)) {
    const overlay = ctx.files.map(f => ({ path: f.path, content: ctx.changes.get(f.path) ?? f.content }))
    const migration = await migrateFluxObjects(overlay, {
      cli: await ctx.upstream.flux(selected.version),
      crds: up.crds,
      exclude: new Set(fluxTargets.map(t => t.path)),
      tempDir: ctx.deps.tempDir,
      log: ctx.deps.log
    })
    for (const w of migration.writes) ctx.changes.set(w.file, w.content)
    result.migrated.push(...migration.migrated)
  }
}

/** Calico is resolved (for the outputs and calicoctl); regenerating its ConfigMaps is not part of this release. */
async function calicoStage(
  result: RunResult,
  ctx: { spec: VersionSpec; byPath: Map<string, string>; targets: DiscoveredTarget[]; upstream: Upstream }
): Promise<void> {
  const calicoTargets = ctx.targets.filter(t => t.type === 'calico-configmap')
  const versions = calicoTargets.map(t => currentCalicoVersion(ctx.byPath.get(t.path)!))
  const current = highest(versions.filter((v): v is string => v !== undefined))
  const { selected, notes } = await ctx.upstream.resolve('calico', ctx.spec, current)
  result.components.push({
    component: 'calico',
    from: current,
    to: selected.version,
    action: 'skipped',
    reason:
      calicoTargets.length === 0
        ? 'no Calico ConfigMaps in the repository'
        : 'regenerating Calico ConfigMaps is not part of this release; they are validated as they are',
    releaseNotes: notes(selected.tag)
  })
  calicoTargets.forEach((t, i) =>
    result.targets.push({
      path: t.path,
      type: t.type,
      component: 'calico',
      from: versions[i],
      status: 'not-supported-yet',
      drift: []
    })
  )
}

/**
 * The repository validator, then calicoctl on the repository's Calico resources. calicoctl is resolved and
 * installed only when there are such resources (and calico is one of the components): most runs never need it.
 */
async function validateStage(
  result: RunResult,
  input: ValidationInput,
  upstream: Upstream,
  specs: Specs,
  deps: RunDeps
): Promise<void> {
  const report = validateRepository(input)
  result.validation = { resources: report.resources, skipped: report.skipped }
  result.findings.push(...report.findings)
  if (specs.calico && input.files.some(f => /apiVersion:\s*["']?projectcalico\.org\/v3/.test(f.content))) {
    const { selected } = await upstream.resolve('calico', specs.calico)
    const tool = await upstream.install('calicoctl', selected.version)
    const calico = await validateCalicoResources(input.files, tool, deps.exec)
    result.findings.push(...calico.findings)
    if (calico.skipped) result.notes.push(calico.skipped)
  }
  result.findings.sort(byLocation)
}

/**
 * Where the in-process kustomize render is incomplete (components, replacements, remote bases), the runner's own
 * `kustomize` (or `kubectl kustomize`) builds those kustomizations and the ClusterResourceSet checks are made again
 * on its output. Only for the repository as it is on disk: an upgrade's changes exist only in memory until written.
 */
async function recheckWithKustomize(
  result: RunResult,
  files: RepoFile[],
  root: string,
  deps: RunDeps
): Promise<void> {
  const binary = deps.which ? await findKustomizeBinary(deps.which) : undefined
  if (!binary) return
  const rechecked = await referencesWithBinary(
    new Map(files.map(f => [f.path, f.content])),
    binary,
    root,
    deps.exec
  )
  if (!rechecked) return
  deps.log.info(
    `${binary.kind} built ${rechecked.rebuilt.join(', ')}: ClusterResourceSet references checked on its output`
  )
  result.findings = [...result.findings.filter(f => !f.rule.startsWith('crs/')), ...rechecked.findings].sort(
    byLocation
  )
}

function highest(versions: string[]): string | undefined {
  const valid = versions.filter(v => semver.valid(v))
  return valid.length ? valid.sort(semver.rcompare)[0] : undefined
}

function byLocation(a: Finding, b: Finding): number {
  return (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0)
}
