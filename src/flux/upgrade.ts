import type { Logger } from '../deps.js'
import { FcuError, isFcuError } from '../errors.js'
import type { InstallOverrides } from '../config/config.js'
import { parseDocuments, type YamlDocument } from '../yaml/documents.js'
import type { FluxCli } from './cli.js'
import { timed } from '../timing.js'
import { textKey } from '../yaml/text-key.js'
import { compareWithPristine, driftEntries, type DriftEntry, type FluxDrift } from './drift.js'
import { parseFluxHeader, type FluxHeader } from './header.js'
import {
  applyInstallOverrides,
  installArgs,
  optionsKey,
  readInstallOptions,
  type FluxInstallOptions
} from './options.js'

/** A `gotk-components.yaml` the run regenerates, as read from the repository. */
export interface FluxComponentsFile {
  /** Repository-relative path. */
  file: string
  content: string
  /**
   * SHA-256 (hex) of `content` as UTF-8 when the caller has it (a stored file's digest): identical contents are
   * then recognised without digesting them again.
   */
  digest?: string
  /** The config file's install settings for this target, applied over what the file says. */
  install?: InstallOverrides
}

export interface FluxTargetResult {
  file: string
  /** Header version before, and the version regenerated to (semver without `v`). */
  from: string
  to: string
  options: FluxInstallOptions
  /** The flags given to `flux install --export`. */
  installArgs: string[]
  /** Hand edits: field changes, then objects the file added or lost (whole-object entries have an empty path). */
  drift: DriftEntry[]
  /** The same, structured; null when the pristine output of the header version could not be produced. */
  driftDetail: FluxDrift | null
  changed: boolean
  /** What `flux install --export` printed for the target at the new version. */
  content: string
}

export interface FluxUpgradeResult {
  writes: { file: string; content: string }[]
  results: FluxTargetResult[]
  /** `flux install --export` runs: one per distinct (version, options), whatever the number of targets. */
  installRuns: number
  /** The CustomResourceDefinitions the new manifests install (parsed, one per name). */
  crds: unknown[]
}

export interface FluxUpgradeDeps {
  /** The flux CLI of a version (installing it if needed). */
  cli(version: string): Promise<FluxCli>
  log: Logger
}

interface Rendered {
  content: string
  docs: () => YamlDocument[]
}

/**
 * Regenerates `flux install --export` files at `toVersion` with the options each file was made with. Each file is
 * also compared with the pristine output of its own header version, so hand edits are reported, not silently
 * dropped. Pure apart from the injected CLI: nothing is written here.
 */
export async function upgradeFluxComponents(
  targets: readonly FluxComponentsFile[],
  toVersion: string,
  deps: FluxUpgradeDeps
): Promise<FluxUpgradeResult> {
  const clis = new Map<string, Promise<FluxCli>>()
  const cliOf = (version: string) => {
    let c = clis.get(version)
    if (!c) clis.set(version, (c = deps.cli(version)))
    return c
  }
  let installRuns = 0
  const renders = new Map<string, Promise<Rendered>>()
  const render = (version: string, options: FluxInstallOptions, file: string): Promise<Rendered> => {
    const key = `${version}\u0000${optionsKey(options)}`
    let r = renders.get(key)
    if (!r) {
      r = (async () => {
        const cli = await cliOf(version)
        installRuns++
        const content = await timed(deps.log, 'flux-render', () => cli.installExport(installArgs(options)))
        const printed = parseFluxHeader(content, `flux ${version} output`).version
        if (printed !== version) {
          throw new FcuError(
            'tool',
            `flux ${cli.version} printed a manifest for ${printed}, not ${version}`,
            {
              location: { file },
              hint: 'The flux binary in the tool cache is not the version it is filed under; clear the cache.'
            }
          )
        }
        let docs: YamlDocument[] | undefined
        return { content, docs: () => (docs ??= parseDocuments(content, file)) }
      })()
      renders.set(key, r)
    }
    return r
  }

  const results: FluxTargetResult[] = []
  const writes: FluxUpgradeResult['writes'] = []
  const newContents = new Set<Rendered>()
  // A fleet commits the same install in many clusters: identical files (and config overrides) are read, compared
  // and regenerated once, so the cost does not grow with the number of clusters beyond writing them (SPEC §9).
  const analyses = new Map<
    string,
    Promise<{ header: FluxHeader; options: FluxInstallOptions; driftDetail: FluxDrift | null }>
  >()
  const analyse = (t: FluxComponentsFile) => {
    // By digest: a Map keyed by the long texts themselves compares them text by text (see text-key.ts).
    const key = `${JSON.stringify(t.install ?? null)}\u0000${t.digest !== undefined ? `\u0000sha256:${t.digest}` : textKey(t.content)}`
    let a = analyses.get(key)
    if (!a) {
      a = (async () => {
        const header = parseFluxHeader(t.content, t.file)
        const docs = await timed(deps.log, 'flux-compare', () => parseDocuments(t.content, t.file))
        const found = readInstallOptions(docs, header)
        const options = applyInstallOverrides(found, t.install)
        // The new version's install is made while the baseline is: two processes at once, not one after the other.
        render(toVersion, options, t.file).catch(() => {})
        let driftDetail: FluxDrift | null = null
        try {
          // The baseline keeps the file's own options: an override is a wanted change, not a hand edit.
          const pristine = await render(header.version, found, t.file)
          driftDetail =
            pristine.content === t.content
              ? { changed: [], added: [], removed: [] }
              : await timed(deps.log, 'flux-compare', () => compareWithPristine(docs, pristine.docs()))
        } catch (e) {
          if (!isFcuError(e) || e.code === 'manifest') throw e
          deps.log.warning(
            `${t.file}: hand edits cannot be listed, flux ${header.version} gave no baseline: ${e.message}`
          )
        }
        return { header, options, driftDetail }
      })()
      analyses.set(key, a)
    }
    return a
  }

  for (const t of targets) {
    const { header, options, driftDetail } = await analyse(t)
    const next = await render(toVersion, options, t.file)
    newContents.add(next)
    const changed = next.content !== t.content
    if (changed) writes.push({ file: t.file, content: next.content })
    const drift = driftDetail ? driftEntries(driftDetail) : []
    if (drift.length > 0)
      deps.log.info(`${t.file}: ${drift.length} hand edit(s) differ from flux ${header.version}`)
    results.push({
      file: t.file,
      from: header.version,
      to: toVersion,
      options,
      installArgs: installArgs(options),
      drift,
      driftDetail,
      changed,
      content: next.content
    })
  }

  const crds = new Map<string, unknown>()
  for (const r of newContents) {
    for (const d of r.docs()) {
      const v = d.value as { kind?: unknown; metadata?: { name?: unknown } } | null
      if (
        v?.kind === 'CustomResourceDefinition' &&
        typeof v.metadata?.name === 'string' &&
        !crds.has(v.metadata.name)
      )
        crds.set(v.metadata.name, v)
    }
  }
  return { writes, results, installRuns, crds: [...crds.values()] }
}
