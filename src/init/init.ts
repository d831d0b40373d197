import { promises as fs } from 'node:fs'
import path from 'node:path'
import { FcuError, type Finding } from '../errors.js'
import type { RunDeps } from '../deps.js'
import type { Settings } from '../settings/inputs.js'
import type { ToolOutcome } from '../result.js'
import type { SkippedKind } from '../validate/validator.js'
import { validateRepository } from '../validate/validator.js'
import { downloadCalicoManifest } from '../calico/download.js'
import { parseVersionSpec } from '../versions/spec.js'
import { Upstream } from '../upstream.js'
import { WorkingTree } from '../plan/tree.js'
import { readYamlFiles } from '../workspace/repository.js'
import { applyChanges, sweptNotice } from '../workspace/transaction.js'
import { insideWorkspace } from '../workspace/paths.js'
import {
  checkOptions,
  KUSTOMIZATION_NAMES,
  kustomizationWith,
  scaffold,
  type InitOptions,
  type UpstreamTexts
} from './scaffold.js'

/** What `init` did, as data: the CLI prints it, or puts it in its `--json` document. */
export interface InitResult {
  mode: 'init'
  cluster: string
  env?: string
  management: boolean
  /** The folder the files went to. */
  directory: string
  flux: { version: string }
  calico?: { version: string; url: string; sha256: string }
  configMaps: string[]
  clusterResourceSet?: string
  changed: boolean
  written: boolean
  /** Every file init owns or edits, in the order written; `unchanged` ones were already as init writes them. */
  files: { path: string; operation: 'added' | 'modified' | 'unchanged'; bytes: number }[]
  findings: Finding[]
  validation: { resources: number; skipped: SkippedKind[] }
  tools: ToolOutcome[]
  notes: string[]
}

const YAML = /\.ya?ml$/i

async function readIfPresent(root: string, file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(insideWorkspace(root, file, 'target'), 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new FcuError('manifest', `${file} cannot be read: ${(e as Error).message}`, { location: { file } })
  }
}

/** The YAML files directly in `dir` (repository-relative), as the folder holds them on disk. */
async function yamlFilesIn(root: string, dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(insideWorkspace(root, dir, 'target'), { withFileTypes: true })
    return entries.filter(e => e.isFile() && YAML.test(e.name)).map(e => e.name)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw e
  }
}

/**
 * Scaffolds one cluster (SPEC §8): resolves the versions, runs `flux install --export`, downloads Calico's
 * manifest, and writes the files and kustomization entries, all or nothing, after validating the repository as it
 * would be. A file init would write that exists with other content (one it did not write, or one edited since) is
 * refused with its name and nothing is written: init recognises its own files by their exact content, so a rerun
 * with the same versions and options changes nothing.
 */
export async function init(settings: Settings, options: InitOptions, deps: RunDeps): Promise<InitResult> {
  checkOptions(options)
  const fluxSpec = parseVersionSpec(settings.fluxVersion, 'flux-version')
  const calicoSpec = options.management
    ? undefined
    : parseVersionSpec(settings.calicoVersion, 'calico-version')
  const root = settings.workingDirectory
  const upstream = new Upstream(settings, deps)

  const flux = (await upstream.resolve('flux', fluxSpec)).selected.version
  deps.log.info(`flux: ${flux}`)
  const install = await (await upstream.flux(flux)).installExport([])
  const texts: UpstreamTexts = { flux: { version: flux, install } }
  if (calicoSpec) {
    const calico = (await upstream.resolve('calico', calicoSpec)).selected.version
    deps.log.info(`calico: ${calico}`)
    const m = await downloadCalicoManifest(settings.downloadUrl, calico, 'calico.yaml', deps)
    texts.calico = { version: m.version, url: m.url, sha256: m.sha256, text: m.text }
  }
  const s = scaffold(options, texts)

  const files: InitResult['files'] = []
  const changes: { path: string; content: string }[] = []
  for (const f of s.files) {
    const existing = await readIfPresent(root, f.path)
    if (existing !== undefined && existing !== f.content) {
      throw new FcuError(
        'manifest',
        `${f.path} exists and is not what init writes for this cluster: init does not overwrite it`,
        {
          location: { file: f.path },
          hint:
            'init writes only files it generates. Move or remove the file, or scaffold another --cluster; ' +
            'to bring an existing cluster to new versions, run upgrade.'
        }
      )
    }
    files.push({
      path: f.path,
      operation: existing === undefined ? 'added' : 'unchanged',
      bytes: Buffer.byteLength(f.content)
    })
    if (existing === undefined) changes.push(f)
  }
  const siblings = await yamlFilesIn(root, s.directory)
  const kustomizationName = KUSTOMIZATION_NAMES.find(n => siblings.includes(n)) ?? KUSTOMIZATION_NAMES[0]
  const kustomizationPath = `${s.directory}/${kustomizationName}`
  const before = await readIfPresent(root, kustomizationPath)
  const after = kustomizationWith(
    kustomizationPath,
    before,
    s.entries,
    siblings.filter(n => !(KUSTOMIZATION_NAMES as readonly string[]).includes(n))
  )
  files.push({
    path: kustomizationPath,
    operation: before === undefined ? 'added' : before === after ? 'unchanged' : 'modified',
    bytes: Buffer.byteLength(after)
  })
  if (after !== before) changes.push({ path: kustomizationPath, content: after })

  const result: InitResult = {
    mode: 'init',
    cluster: options.cluster,
    ...(options.env !== undefined ? { env: options.env } : {}),
    management: options.management,
    directory: s.directory,
    flux: { version: flux },
    ...(texts.calico
      ? { calico: { version: texts.calico.version, url: texts.calico.url, sha256: texts.calico.sha256 } }
      : {}),
    configMaps: s.configMaps,
    ...(s.clusterResourceSet ? { clusterResourceSet: s.clusterResourceSet } : {}),
    changed: changes.length > 0,
    written: false,
    files,
    findings: [],
    validation: { resources: 0, skipped: [] },
    tools: upstream.installed,
    notes: []
  }

  // The repository as it would be, validated as an upgrade is: what init writes is checked, and everything that
  // references it (ClusterResourceSets, kustomizations) across the whole tree.
  const tree = new WorkingTree(await readYamlFiles(root, { exec: deps.exec })).with(changes)
  const report = validateRepository({
    files: tree.files(),
    written: [...s.files.map(f => f.path), kustomizationPath]
  })
  result.findings = report.findings
  result.validation = { resources: report.resources, skipped: report.skipped }
  const errors = report.findings.filter(f => f.severity === 'error').length
  if (errors > 0) {
    result.notes.push(`Validation found ${errors} error(s) in what init would write: nothing was written.`)
    return result
  }
  if (changes.length === 0) {
    result.notes.push(`Nothing to do: ${s.directory} already holds what init writes for ${options.cluster}.`)
    return result
  }
  await applyChanges(root, changes, {
    files: deps.files,
    stagingDir: deps.tempDir,
    swept: sweptNotice(deps.log)
  })
  result.written = true
  result.notes.push(`Wrote ${changes.length} file(s) in ${s.directory}.`)
  deps.log.info(`init: wrote ${changes.map(c => path.posix.basename(c.path)).join(', ')} in ${s.directory}`)
  return result
}
