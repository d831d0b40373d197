import type { Component, Settings } from './settings/inputs.js'
import type { VersionSpec } from './versions/spec.js'
import { componentRepository, resolveVersion, type Release, type Resolution } from './versions/select.js'
import { listReleases } from './versions/releases.js'
import { releasesCredentials, type ReleasesCredentials } from './versions/auth.js'
import { installTool } from './tools/install.js'
import { fluxCli, type FluxCli } from './flux/cli.js'
import { downloadCalicoManifest, type CalicoManifestSource } from './calico/download.js'
import type { CalicoManifest } from './calico/manifest.js'
import type { RunDeps } from './deps.js'
import type { ToolOutcome } from './result.js'

/** The release notes page as the release list gives it (GHES, a mirror), else its page on github.com. */
const releaseNotesUrl = (component: Component, tag: string, releases: readonly Release[]): string =>
  releases.find(r => r.tag === tag)?.htmlUrl ??
  `https://github.com/${componentRepository[component]}/releases/tag/${tag}`

export const versionInput = (component: Component) =>
  component === 'flux' ? 'flux-version' : 'calico-version'

/**
 * Release lists and tool installs, each fetched once per run: the credentials rule (the run token only to the
 * run's own API) is applied here and nowhere else.
 */
export class Upstream {
  private readonly releases = new Map<Component, Promise<Release[]>>()
  private readonly tools = new Map<string, Promise<{ path: string; version: string }>>()
  private readonly manifests = new Map<string, Promise<CalicoManifestSource>>()
  private readonly token?: string
  private announced = false
  private readonly credentials: ReleasesCredentials

  constructor(
    private readonly settings: Settings,
    private readonly deps: RunDeps,
    /** Every tool the run installed, in order: part of the run's report. */
    readonly installed: ToolOutcome[] = []
  ) {
    const credentials = releasesCredentials({
      releasesApiUrl: settings.releasesApiUrl,
      runApiUrl: deps.runApiUrl,
      token: settings.token,
      releasesToken: settings.releasesToken
    })
    this.token = credentials.token
    this.credentials = credentials
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
      if (!this.announced) this.deps.log[this.credentials.level](this.credentials.message)
      this.announced = true
      list = listReleases(
        componentRepository[component],
        this.deps.github(this.settings.releasesApiUrl, this.token),
        this.deps.log
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
        this.installed.push({ tool, version: t.version, downloaded: t.downloaded })
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

  /** An upstream Calico manifest, downloaded once per run whatever the number of ConfigMaps made from it. */
  calicoManifest(version: string, manifest: CalicoManifest): Promise<CalicoManifestSource> {
    const key = `${version}/${manifest}`
    let p = this.manifests.get(key)
    if (!p) {
      p = downloadCalicoManifest(this.settings.downloadUrl, version, manifest, this.deps)
      this.manifests.set(key, p)
    }
    return p
  }
}
