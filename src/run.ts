import path from 'node:path'
import { promises as fs } from 'node:fs'
import semver from 'semver'
import { FcuError, type Finding } from './errors.js'
import type { Exec } from './deps.js'
import type { RetryDeps } from './http/retry.js'
import { emptyConfig, parseConfig, type RepoConfig } from './config/config.js'
import type { Settings } from './settings/inputs.js'
import { discoverTargets, type Target } from './targets/discover.js'
import { readYamlFiles, type RepoFile } from './workspace/repository.js'
import { insideWorkspace } from './workspace/paths.js'
import { applyChanges, type FileChange } from './workspace/transaction.js'
import { parseVersionSpec, type VersionSpec } from './versions/spec.js'
import { componentRepository, resolveVersion, type Resolution } from './versions/select.js'
import { listReleases } from './versions/releases.js'
import { releasesCredentials } from './versions/auth.js'
import { installTool, type ToolCache } from './tools/install.js'
import type { ToolPlatform } from './tools/platform.js'
import { fluxCli, type FluxCli } from './flux/cli.js'
import { upgradeFluxComponents } from './flux/upgrade.js'
import { migrateFluxObjects } from './flux/migrate.js'
import { parseFluxHeader } from './flux/header.js'
import { validateRepository } from './validate/validator.js'
import { validateCalicoResources } from './validate/calicoctl.js'
import { currentCalicoVersion } from './targets/calico-version.js'
import type { ComponentOutcome, RunResult, ToolOutcome } from './result.js'

/** Everything the engine needs from outside; `main.ts` and `cli.ts` pass real ones, tests local servers. */
export interface RunDeps extends RetryDeps {
  exec: Exec
  toolCache: ToolCache
  /** A scratch directory for downloads and migrations; removed by the caller. */
  tempDir: string
  platform: ToolPlatform
  /** `GITHUB_API_URL` of the run: the run token goes to this API only. */
  runApiUrl?: string
}

const releaseNotesUrl = (component: 'flux' | 'calico', tag: string): string =>
  component === 'flux'
    ? `https://github.com/fluxcd/flux2/releases/tag/${tag}`
    : `https://github.com/projectcalico/calico/releases/tag/${tag}`

/**
 * One run of the engine: read the repository, resolve versions, regenerate targets with the real tools, validate
 * everything written, and only then write (dry-run) — all or nothing. `settings.workingDirectory` is absolute.
 */
export async function run(settings: Settings, deps: RunDeps): Promise<RunResult> {
  const root = settings.workingDirectory
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

  // Inputs first: a bad version is reported before anything touches the network.
  const specs: { flux?: VersionSpec; calico?: VersionSpec } = {}
  if (settings.components.includes('flux'))
    specs.flux = parseVersionSpec(settings.fluxVersion, 'flux-version')
  if (settings.components.includes('calico'))
    specs.calico = parseVersionSpec(settings.calicoVersion, 'calico-version')

  const config = await loadConfig(root, settings)
  const files = await readYamlFiles(root)
  const targets = discoverTargets(files, config)
  deps.log.info(
    `Found ${targets.length} target(s): ${targets.map(t => `${t.path} (${t.type})`).join(', ') || 'none'}`
  )

  if (settings.mode === 'validate') {
    await validateInto(
      result,
      { files, written: [], targets: [], upgradedCrds: [] },
      settings,
      deps,
      specs.calico
    )
    result.findings.sort(byLocation)
    return result
  }

  const byPath = new Map(files.map(f => [f.path, f.content]))
  const changes = new Map<string, string | null>()
  const credentials = releasesCredentials({
    releasesApiUrl: settings.releasesApiUrl,
    runApiUrl: deps.runApiUrl,
    token: settings.token,
    releasesToken: settings.releasesToken
  })
  deps.log.info(credentials.message)
  /**
   * Two answers per component: what the spec selects among the releases (the version targets move to), and how
   * that compares with the repository's highest current version (for the report). A target above the selected
   * version is left alone unless the version was pinned exactly: ranges and `latest` never downgrade.
   */
  const resolve = async (
    component: 'flux' | 'calico',
    spec: VersionSpec,
    current?: string
  ): Promise<{ selected: Resolution; overall: Resolution }> => {
    const releases = await listReleases(
      componentRepository[component],
      { baseUrl: settings.releasesApiUrl, token: credentials.token },
      deps
    )
    const input = component === 'flux' ? 'flux-version' : 'calico-version'
    return {
      selected: resolveVersion(spec, releases, { component, input }),
      overall: resolveVersion(spec, releases, { component, current, input })
    }
  }
  const tools = new Map<string, Promise<{ path: string; version: string }>>()
  const install = (tool: 'flux' | 'calicoctl', version: string) => {
    const key = `${tool}@${version}`
    let p = tools.get(key)
    if (!p) {
      p = installTool(
        tool,
        version,
        { downloadUrl: settings.downloadUrl, platform: deps.platform },
        {
          ...deps,
          cache: deps.toolCache,
          tempDir: deps.tempDir
        }
      ).then(t => {
        result.tools.push({ tool, version: t.version, downloaded: t.downloaded } satisfies ToolOutcome)
        return t
      })
      tools.set(key, p)
    }
    return p
  }

  let upgradedCrds: unknown[] = []
  const validationTargets: { file: string; component: 'flux' | 'calico'; version: string }[] = []

  if (specs.flux) {
    const fluxTargets = targets.filter(t => t.type === 'flux-components')
    const headers = fluxTargets.map(t => ({
      target: t,
      header: parseFluxHeader(byPath.get(t.path)!, t.path)
    }))
    const current = highest(headers.map(h => h.header.version))
    const { selected: resolution, overall } = await resolve('flux', specs.flux, current)
    const outcome: ComponentOutcome = {
      component: 'flux',
      from: current,
      to: overall.version,
      action: fluxTargets.length === 0 ? 'skipped' : overall.action,
      reason: fluxTargets.length === 0 ? 'no Flux targets in the repository' : overall.reason,
      releaseNotes: releaseNotesUrl('flux', overall.tag)
    }
    result.components.push(outcome)
    deps.log.info(`flux: ${outcome.from ?? 'none'} → ${outcome.to} (${outcome.reason})`)

    // Never downgrade a target unless the version was pinned exactly.
    const movable = headers.filter(
      h => specs.flux!.kind === 'exact' || !semver.gt(h.header.version, resolution.version)
    )
    for (const h of headers) {
      if (!movable.includes(h)) {
        result.targets.push({
          path: h.target.path,
          type: 'flux-components',
          component: 'flux',
          from: h.header.version,
          to: h.header.version,
          status: 'kept-newer',
          drift: []
        })
      }
    }
    if (movable.length > 0) {
      const cli = async (version: string): Promise<FluxCli> => {
        const t = await install('flux', version)
        return fluxCli(t.path, t.version, deps.exec)
      }
      const up = await upgradeFluxComponents(
        movable.map(h => ({
          file: h.target.path,
          content: byPath.get(h.target.path)!,
          install: h.target.install
        })),
        resolution.version,
        { cli, log: deps.log }
      )
      result.fluxInstallRuns = up.installRuns
      for (const w of up.writes) changes.set(w.file, w.content)
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
        validationTargets.push({ file: r.file, component: 'flux', version: r.to })
      }
      upgradedCrds = up.crds

      const fromMinors = new Set(
        movable.map(h => `${semver.major(h.header.version)}.${semver.minor(h.header.version)}`)
      )
      const toMinor = `${semver.major(resolution.version)}.${semver.minor(resolution.version)}`
      if ([...fromMinors].some(m => m !== toMinor)) {
        const overlay = files.map(f => ({ path: f.path, content: changes.get(f.path) ?? f.content }))
        const migration = await migrateFluxObjects(overlay, {
          cli: await cli(resolution.version),
          crds: up.crds,
          exclude: new Set(fluxTargets.map(t => t.path)),
          tempDir: deps.tempDir,
          log: deps.log
        })
        for (const w of migration.writes) changes.set(w.file, w.content)
        result.migrated.push(...migration.migrated)
      }
    }
  }

  if (specs.calico) {
    const calicoTargets = targets.filter(t => t.type === 'calico-configmap')
    const current = highest(
      calicoTargets.map(t => currentCalicoVersion(byPath.get(t.path)!)).filter(isString)
    )
    const { selected: resolution } = await resolve('calico', specs.calico, current)
    result.components.push({
      component: 'calico',
      from: current,
      to: resolution.version,
      action: 'skipped',
      reason:
        calicoTargets.length === 0
          ? 'no Calico ConfigMaps in the repository'
          : 'regenerating Calico ConfigMaps is not part of this release; calicoctl validates the Calico resources',
      releaseNotes: releaseNotesUrl('calico', resolution.tag)
    })
    for (const t of calicoTargets) {
      result.targets.push({
        path: t.path,
        type: t.type,
        component: 'calico',
        from: currentCalicoVersion(byPath.get(t.path)!),
        status: 'not-supported-yet',
        drift: []
      })
    }
  }
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

  const after: RepoFile[] = files
    .map(f => ({ path: f.path, content: changes.has(f.path) ? changes.get(f.path)! : f.content }))
    .filter((f): f is RepoFile => f.content !== null)
  await validateInto(
    result,
    { files: after, written: effective.map(c => c.path), targets: validationTargets, upgradedCrds },
    settings,
    deps,
    specs.calico,
    resolveCalicoctl(result)
  )
  result.findings.sort(byLocation)

  const errors = result.findings.filter(f => f.severity === 'error')
  if (errors.length > 0) {
    throw new FcuError(
      'validation',
      `Validation found ${errors.length} error(s) in what the upgrade would write; nothing was written`,
      {
        findings: result.findings,
        hint: 'Fix the findings (or the repository objects they name) and run again.'
      }
    )
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

  function resolveCalicoctl(r: RunResult) {
    return async () => {
      const calico = r.components.find(c => c.component === 'calico')
      if (!calico?.to) return undefined
      const t = await install('calicoctl', calico.to)
      return { path: t.path, version: t.version }
    }
  }
}

async function validateInto(
  result: RunResult,
  input: Parameters<typeof validateRepository>[0],
  settings: Settings,
  deps: RunDeps,
  calicoSpec: VersionSpec | undefined,
  calicoctl?: () => Promise<{ path: string; version: string } | undefined>
): Promise<void> {
  const report = validateRepository(input)
  result.validation = { resources: report.resources, skipped: report.skipped }
  result.findings.push(...report.findings)
  const hasCalicoResources = input.files.some(f => /apiVersion:\s*projectcalico\.org\/v3/.test(f.content))
  if (!hasCalicoResources || !calicoSpec) return
  const tool = calicoctl ? await calicoctl() : undefined
  const calico = await validateCalicoResources(input.files, tool, deps.exec)
  result.findings.push(...calico.findings)
  if (calico.skipped) result.notes.push(calico.skipped)
  void settings
}

async function loadConfig(root: string, settings: Settings): Promise<RepoConfig> {
  const abs = insideWorkspace(root, settings.config, 'config')
  let text: string
  try {
    text = await fs.readFile(abs, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !settings.configExplicit) return emptyConfig()
    throw new FcuError('config', `Config file ${settings.config} cannot be read: ${(e as Error).message}`, {
      location: { input: 'config' },
      hint: 'Fix the config input or create the file; leave the input empty to use no config file.'
    })
  }
  return parseConfig(text, path.relative(root, abs).split(path.sep).join('/'))
}

const isString = (x: string | undefined): x is string => typeof x === 'string'

function highest(versions: string[]): string | undefined {
  const valid = versions.filter(v => semver.valid(v))
  return valid.length ? valid.sort(semver.rcompare)[0] : undefined
}

function byLocation(a: Finding, b: Finding): number {
  return (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0)
}

export type { Target }
