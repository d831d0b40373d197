/**
 * The fleet part of `npm run bench` (issue 14 item 1, issue 13 item 6): a synthetic Cluster API fleet upgraded in
 * dry-run by the bundled action (`dist/index.js`, started as a runner starts it, against the release mirror and the
 * stand-ins), timed and its peak RSS measured, against the hand-run script's way with the same stand-ins; a no-op
 * run; the bundle's cold start and size.
 */
import { execFileSync, spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { createHash } from 'node:crypto'
import { startMirror, type Mirror } from '../support/mirror/server.js'
import { standinScript } from '../support/standins/index.js'
import { eachClusterFleetFile, type ClusterFleetTexts } from '../support/cluster-fleet.js'
import { fluxInstallExport } from '../support/example/prepare.js'
import { repoRoot, runAction, type ActionRun } from '../support/runner.js'
import { ensureNode24 } from '../support/node24.js'

export const FROM = { flux: '2.8.3', calico: '3.30.7' } as const

export interface FleetRun {
  clusters: number
  files: number
  /** Bytes of the fleet's files before the upgrade. */
  bytes: number
  /** The median of `wallRunsMs`. */
  wallMs: number
  /** Every engine run's wall time, in the order run. */
  wallRunsMs: number[]
  /** The peak RSS of the median run. */
  peakRssMB: number | null
  /** Phase times the median run reports on its debug lines (`timing <phase>: <ms> ms, heap <MB> MB`). */
  phases: Record<string, number>
  /** The V8 heap in use at the end of each phase (MB), the largest where a phase repeats. */
  heapMB: Record<string, number>
  exitCode: number
  changedFiles: number
  fluxInstallRuns: number
  /** The median of `baselineRunsMs`. */
  baselineMs: number | null
  baselineRunsMs: number[]
  baselineProcesses: number | null
}

export interface NoOpRun {
  clusters: number
  wallMs: number
  releaseLists: Record<string, number>
  downloads: number
  requests: number
  changed: string
}

export interface ColdStart {
  bareNodeMs: number
  firstLogLineMs: number
  overheadMs: number
}

export interface BundleSize {
  file: string
  bytes: number
  gzipBytes: number
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** The upstream texts the fleet is made of, as the stand-ins print and the mirror serves them. */
export async function fleetTexts(mirror: Mirror, fixtures: string | null): Promise<ClusterFleetTexts> {
  const flux = { version: FROM.flux, install: fluxInstallExport(FROM.flux, fixtures) }
  if (!fixtures) return { flux }
  const url = `${mirror.url}/projectcalico/calico/raw/v${FROM.calico}/manifests/calico.yaml`
  const response = await fetch(url)
  if (!response.ok) return { flux }
  const text = await response.text()
  return {
    flux,
    calico: {
      version: FROM.calico,
      url: `https://github.com/projectcalico/calico/raw/v${FROM.calico}/manifests/calico.yaml`,
      sha256: createHash('sha256').update(text).digest('hex'),
      text
    }
  }
}

/** Writes the fleet into a fresh folder, one file at a time; returns the folder, file count and bytes. */
export function writeClusterFleet(
  clusters: number,
  texts: ClusterFleetTexts
): { root: string; files: number; bytes: number } {
  const root = mkdtempSync(path.join(os.tmpdir(), `fcu-bench-fleet-${clusters}-`))
  let files = 0
  let bytes = 0
  eachClusterFleetFile(clusters, texts, (p, content) => {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true })
    writeFileSync(path.join(root, p), content)
    files++
    bytes += Buffer.byteLength(content)
  })
  return { root, files, bytes }
}

/**
 * What the action's node runs under to measure its peak RSS: GNU time (`%M`, in KB), or, where that is absent, a
 * node script that polls the child's VmHWM in /proc. Either writes the figure to `out`.
 */
function rssWrapper(dir: string, out: string): string[] {
  if (existsSync('/usr/bin/time')) return ['/usr/bin/time', '-f', '%M', '-o', out]
  const poller = path.join(dir, 'rss-poller.cjs')
  writeFileSync(
    poller,
    `const { spawn } = require('node:child_process'); const fs = require('node:fs')
const [file, ...args] = process.argv.slice(2)
const child = spawn(file, args, { stdio: 'inherit' })
let kb = 0
const poll = () => { try { const m = /VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/' + child.pid + '/status', 'utf8')); if (m) kb = Math.max(kb, +m[1]) } catch {} }
const timer = setInterval(poll, 20)
child.on('exit', code => { clearInterval(timer); fs.writeFileSync(${JSON.stringify(out)}, String(kb)); process.exit(code ?? 1) })
`
  )
  return [process.execPath, poller]
}

/**
 * `timing <phase>: <ms> ms, heap <MB> MB` debug lines: the time summed by phase, and the heap in use at its end,
 * the largest when the phase repeats (one per cluster).
 */
export function phasesOf(stdout: string): { ms: Record<string, number>; heapMB: Record<string, number> } {
  const ms: Record<string, number> = {}
  const heapMB: Record<string, number> = {}
  for (const m of stdout.matchAll(/^::debug::timing ([\w-]+): ([\d.]+) ms(?:, heap (\d+) MB)?$/gm)) {
    ms[m[1]] = (ms[m[1]] ?? 0) + Number(m[2])
    if (m[3] !== undefined) heapMB[m[1]] = Math.max(heapMB[m[1]] ?? 0, Number(m[3]))
  }
  return { ms, heapMB }
}

export async function upgradeRun(
  root: string,
  mirror: Mirror,
  toolCache: string,
  timeoutS: number,
  node?: string
): Promise<{ run: ActionRun; wallMs: number; peakRssMB: number | null }> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fcu-bench-rss-'))
  const rssFile = path.join(scratch, 'rss')
  const t = process.hrtime.bigint()
  const run = await runAction({
    workspace: root,
    // Stopped with KILL past the time limit; GNU time still reports the peak it had reached.
    wrapper: [
      ...rssWrapper(scratch, rssFile),
      // --foreground: timeout kills node alone and reaps it (without it, it kills its own group, itself included,
      // and GNU time reports timeout's RSS instead of node's).
      ...(existsSync('/usr/bin/timeout')
        ? ['/usr/bin/timeout', '--foreground', '-s', 'KILL', String(timeoutS)]
        : [])
    ],
    toolCache,
    node,
    event: { name: 'workflow_dispatch', inputs: { 'dry-run': 'true' } },
    inputs: { 'dry-run': 'true', 'releases-api-url': mirror.apiUrl, 'download-url': mirror.url },
    env: { RUNNER_DEBUG: '1' }
  })
  const wallMs = Number(process.hrtime.bigint() - t) / 1e6
  const kb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : NaN
  rmSync(scratch, { recursive: true, force: true })
  return { run, wallMs, peakRssMB: Number.isFinite(kb) && kb > 0 ? kb / 1024 : null }
}

/**
 * The hand-run script with the same stand-ins: the Calico manifest downloaded once; then per cluster a
 * `flux install --export` process writing gotk-components.yaml, and a process per ConfigMap that wraps the file
 * (install + sync objects for Flux, the manifest for Calico) into it: `kubectl create configmap --from-file
 * --dry-run=client -o yaml` when kubectl is on PATH, a node one-liner otherwise.
 */
export async function baselineRun(
  clusters: number,
  mirror: Mirror,
  fixtures: string | null,
  withCalico: boolean
): Promise<{ ms: number; processes: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fcu-bench-baseline-'))
  const flux = path.join(dir, 'flux')
  writeFileSync(flux, standinScript('flux', '2.9.3', fixtures))
  chmodSync(flux, 0o755)
  let kubectl: string | undefined
  try {
    kubectl = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    kubectl = undefined
  }
  let processes = 0
  const exec = (file: string, args: string[], stdout: string) =>
    new Promise<void>((resolve, reject) => {
      processes++
      const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'] })
      const chunks: Buffer[] = []
      child.stdout.on('data', (d: Buffer) => chunks.push(d))
      child.on('error', reject)
      child.on('close', code => {
        if (code !== 0) return reject(new Error(`${file} ${args.join(' ')} exited ${code}`))
        writeFileSync(stdout, Buffer.concat(chunks))
        resolve()
      })
    })
  const wrap = (name: string, key: string, file: string, out: string) =>
    kubectl
      ? exec(
          kubectl,
          [
            'create',
            'configmap',
            name,
            '-n',
            'fleet',
            `--from-file=${key}=${file}`,
            '--dry-run=client',
            '-o',
            'yaml'
          ],
          out
        )
      : exec(
          process.execPath,
          [
            '-e',
            `const t=require('fs').readFileSync(process.argv[1],'utf8');process.stdout.write('apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: ${name}\\n  namespace: fleet\\ndata:\\n  ${key}: |\\n'+t.replace(/^(?=.)/gm,'    '))`,
            file
          ],
          out
        )
  const t = process.hrtime.bigint()
  let calico: string | undefined
  if (withCalico) {
    const response = await fetch(`${mirror.url}/projectcalico/calico/raw/v3.31.7/manifests/calico.yaml`)
    calico = path.join(dir, 'calico.yaml')
    writeFileSync(calico, Buffer.from(await response.arrayBuffer()))
  }
  for (let i = 0; i < clusters; i++) {
    const c = path.join(dir, `c${i}`)
    mkdirSync(c)
    const components = path.join(c, 'gotk-components.yaml')
    await exec(process.execPath, [flux, 'install', '--export'], components)
    const data = path.join(c, 'flux.yaml')
    writeFileSync(data, readFileSync(components, 'utf8') + syncFor(`c${i}`))
    await wrap(`crs-cm-flux-2.9.3-c${i}`, 'flux.yaml', data, path.join(c, 'cm-flux-v2.9.3.yaml'))
    if (calico)
      await wrap(`crs-cm-calico-3.31.7-c${i}`, 'calico.yaml', calico, path.join(c, 'cm-calico-v3.31.7.yaml'))
  }
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  rmSync(dir, { recursive: true, force: true })
  return { ms, processes }
}

const syncFor = (cluster: string) =>
  `---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n  url: https://github.com/example/fleet.git\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./clusters/fleet/${cluster}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`

/** What a run asked of the mirror: release lists per repository, asset and manifest downloads. */
export function countRequests(
  mirror: Mirror,
  from: number
): Omit<NoOpRun, 'clusters' | 'wallMs' | 'changed'> {
  const requests = mirror.requests.slice(from)
  const releaseLists: Record<string, number> = {}
  let downloads = 0
  for (const r of requests) {
    const list = /^\/api\/repos\/([^/]+\/[^/]+)\/releases/.exec(r.path)
    if (list) releaseLists[list[1]] = (releaseLists[list[1]] ?? 0) + 1
    else downloads++
  }
  return { releaseLists, downloads, requests: requests.length }
}

/**
 * Cold start: `node dist/index.js` as a runner starts it (validate mode on an empty workspace, so the first line
 * comes before any real work) until its first line on stdout, against a bare `node -e ''`; median of `rounds`.
 */
export async function coldStart(mirror: Mirror, rounds = 5): Promise<ColdStart> {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'fcu-bench-cold-'))
  const time = (args: string[], env: NodeJS.ProcessEnv, untilLine: boolean) =>
    new Promise<number>((resolve, reject) => {
      const t = process.hrtime.bigint()
      const child = spawn(process.execPath, args, {
        cwd: workspace,
        env,
        stdio: ['ignore', 'pipe', 'ignore']
      })
      let done = false
      const finish = () => {
        if (done) return
        done = true
        resolve(Number(process.hrtime.bigint() - t) / 1e6)
      }
      child.stdout.on('data', (d: Buffer) => {
        if (untilLine && d.includes('\n')) finish()
      })
      child.on('error', reject)
      child.on('close', finish)
    })
  const env = runnerEnv(workspace, mirror)
  const bare: number[] = []
  const first: number[] = []
  for (let i = 0; i < rounds; i++) {
    bare.push(await time(['-e', ''], { PATH: process.env.PATH }, false))
    first.push(await time([path.join(repoRoot, 'dist/index.js')], env, true))
  }
  rmSync(workspace, { recursive: true, force: true })
  const bareNodeMs = median(bare)
  const firstLogLineMs = median(first)
  return { bareNodeMs, firstLogLineMs, overheadMs: firstLogLineMs - bareNodeMs }
}

/** The few variables the action reads before its first log line, in validate mode. */
function runnerEnv(workspace: string, mirror: Mirror): NodeJS.ProcessEnv {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fcu-bench-cold-env-'))
  const file = (name: string) => {
    const p = path.join(scratch, name)
    writeFileSync(p, '')
    return p
  }
  return {
    PATH: process.env.PATH,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'example-org/fleet',
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_OUTPUT: file('output'),
    GITHUB_STEP_SUMMARY: file('summary'),
    RUNNER_TEMP: scratch,
    RUNNER_TOOL_CACHE: path.join(scratch, 'tool-cache'),
    INPUT_MODE: 'validate',
    INPUT_COMPONENTS: 'flux,calico',
    'INPUT_FLUX-VERSION': 'latest',
    'INPUT_CALICO-VERSION': 'latest',
    'INPUT_WORKING-DIRECTORY': '.',
    'INPUT_DRY-RUN': 'false',
    'INPUT_RELEASES-API-URL': mirror.apiUrl,
    'INPUT_DOWNLOAD-URL': mirror.url
  }
}

export function bundleSizes(): BundleSize[] {
  return ['dist/index.js', 'dist/cli.js'].map(file => {
    const data = readFileSync(path.join(repoRoot, file))
    return {
      file,
      bytes: statSync(path.join(repoRoot, file)).size,
      gzipBytes: gzipSync(data, { level: 9 }).length
    }
  })
}

export { startMirror }

export interface FleetSectionOptions {
  sizes: number[]
  fixtures: string | null
  /** The baseline runs one process per file: above this size it is not run (its cost is linear by construction). */
  baselineMax: number
  /** An engine run that takes longer is stopped, and reported as such with the RSS it had reached. */
  timeoutS: number
  /** The size the no-op run repeats on the upgraded fleet. */
  noOpSize: number
  /**
   * Engine runs per size up to `repeatMax`, each on a fleet written afresh: the median is reported, and the spread
   * with it, since one run on a shared two-core machine varies by a fifth.
   */
  repeat: number
  repeatMax: number
  /** Validation throughput over the generated fleets, for sizes up to this one (the bench holds them in memory). */
  validateMax: number
  validate: (files: { path: string; content: string }[]) => { resources: number; ms: number; parseMs: number }
}

export interface FleetValidation {
  clusters: number
  resources: number
  ms: number
  parseMs: number
  resourcesPerSecond: number
}

export interface FleetSection {
  calico: boolean
  from: typeof FROM
  /** The Node.js version the engine ran under. */
  runtime: string
  coldToolCacheMs: number
  runs: (FleetRun & { timedOut: boolean })[]
  noOp: NoOpRun | null
  validation: FleetValidation[]
}

function readTree(root: string, dir = ''): { path: string; content: string }[] {
  const out: { path: string; content: string }[] = []
  for (const name of readdirSync(path.join(root, dir)).sort()) {
    const p = dir ? `${dir}/${name}` : name
    if (statSync(path.join(root, p)).isDirectory()) out.push(...readTree(root, p))
    else out.push({ path: p, content: readFileSync(path.join(root, p), 'utf8') })
  }
  return out
}

const fmt = (ms: number | null) =>
  ms === null ? '-' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`

export async function fleetSection(mirror: Mirror, o: FleetSectionOptions): Promise<FleetSection> {
  const texts = await fleetTexts(mirror, o.fixtures)
  const toolCache = mkdtempSync(path.join(os.tmpdir(), 'fcu-bench-tool-cache-'))
  // One run on one cluster fills the tool cache (flux of both versions, calicoctl when needed): every measured run
  // then starts warm, as the baseline does with its stand-in already on disk.
  // The engine runs under the action's runtime (`runs.using: node24`) where that binary can be had.
  const node24 = ensureNode24()
  const node = 'node' in node24 ? node24.node : undefined
  const runtime = node ? execFileSync(node, ['--version'], { encoding: 'utf8' }).trim() : process.version
  const warm = writeClusterFleet(1, texts)
  const cold = await upgradeRun(warm.root, mirror, toolCache, o.timeoutS, node)
  rmSync(warm.root, { recursive: true, force: true })
  if (cold.run.exitCode !== 0)
    throw new Error(`the warm-up run failed:\n${cold.run.stdout}\n${cold.run.stderr}`)

  const section: FleetSection = {
    calico: texts.calico !== undefined,
    from: FROM,
    runtime,
    coldToolCacheMs: cold.wallMs,
    runs: [],
    noOp: null,
    validation: []
  }
  console.log(
    `\nFleet upgrade in dry-run through dist/index.js: flux ${FROM.flux} -> latest${texts.calico ? `, calico ${FROM.calico} -> latest` : ' (no Calico manifest without the fixtures: Flux only)'}; warm tool cache (the first run, cold: ${fmt(cold.wallMs)}); the engine under Node.js ${runtime}${'skip' in node24 ? ` (${node24.skip})` : ''}; median of ${o.repeat} run(s) up to ${o.repeatMax} clusters`
  )
  for (const clusters of o.sizes) {
    // A dry-run writes the fleet it upgrades: each run gets a fleet written afresh, the last one kept for the
    // no-op run and the validation below.
    const runs: Awaited<ReturnType<typeof upgradeRun>>[] = []
    let fleet = writeClusterFleet(clusters, texts)
    for (let i = 0, n = clusters <= o.repeatMax ? Math.max(1, o.repeat) : 1; i < n; i++) {
      if (i > 0) {
        rmSync(fleet.root, { recursive: true, force: true })
        fleet = writeClusterFleet(clusters, texts)
      }
      const one = await upgradeRun(fleet.root, mirror, toolCache, o.timeoutS, node)
      runs.push(one)
      if (one.run.exitCode !== 0) break
    }
    const r = runs.some(x => x.run.exitCode !== 0)
      ? runs[runs.length - 1]
      : [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs.length / 2)]
    const timedOut = r.wallMs >= o.timeoutS * 1000 && r.run.exitCode !== 0
    let changedFiles = 0
    let fluxInstallRuns = 0
    if (r.run.outputs.report && existsSync(r.run.outputs.report)) {
      const report = JSON.parse(readFileSync(r.run.outputs.report, 'utf8')) as {
        result?: { files?: unknown[]; fluxInstallRuns?: number }
      }
      changedFiles = report.result?.files?.length ?? 0
      fluxInstallRuns = report.result?.fluxInstallRuns ?? 0
    }
    if (r.run.exitCode !== 0 && !timedOut)
      throw new Error(`the ${clusters}-cluster run failed:\n${r.run.stdout.slice(-4000)}\n${r.run.stderr}`)
    // The baseline spawns three processes a cluster, and varies more than the engine (39 to 66 s at 100 clusters
    // within one afternoon): it is repeated as often, and its median taken.
    const baselines: Awaited<ReturnType<typeof baselineRun>>[] = []
    if (clusters <= o.baselineMax)
      for (let i = 0, n = clusters <= o.repeatMax ? Math.max(1, o.repeat) : 1; i < n; i++)
        baselines.push(await baselineRun(clusters, mirror, o.fixtures, !!texts.calico))
    const baseline =
      baselines.length > 0
        ? [...baselines].sort((a, b) => a.ms - b.ms)[Math.floor(baselines.length / 2)]
        : null
    const measured = phasesOf(r.run.stdout)
    const run: FleetSection['runs'][number] = {
      clusters,
      files: fleet.files,
      bytes: fleet.bytes,
      wallMs: r.wallMs,
      wallRunsMs: runs.map(x => x.wallMs),
      peakRssMB: r.peakRssMB,
      phases: measured.ms,
      heapMB: measured.heapMB,
      exitCode: r.run.exitCode,
      changedFiles,
      fluxInstallRuns,
      baselineMs: baseline?.ms ?? null,
      baselineRunsMs: baselines.map(b => b.ms),
      baselineProcesses: baseline?.processes ?? null,
      timedOut
    }
    section.runs.push(run)
    if (clusters <= o.validateMax) {
      const v = o.validate(readTree(fleet.root))
      section.validation.push({
        clusters,
        resources: v.resources,
        ms: v.ms,
        parseMs: v.parseMs,
        resourcesPerSecond: v.resources / (v.ms / 1000)
      })
    }
    if (clusters === o.noOpSize && !timedOut) {
      const from = mirror.requests.length
      const again = await upgradeRun(fleet.root, mirror, toolCache, o.timeoutS, node)
      section.noOp = {
        clusters,
        wallMs: again.wallMs,
        ...countRequests(mirror, from),
        changed: again.run.outputs.changed ?? ''
      }
    }
    rmSync(fleet.root, { recursive: true, force: true })
  }
  rmSync(toolCache, { recursive: true, force: true })
  printFleet(section)
  return section
}

function printFleet(s: FleetSection): void {
  const rows = s.runs.map(r => {
    const ratio = r.baselineMs !== null && !r.timedOut ? `${(r.baselineMs / r.wallMs).toFixed(1)} x` : '-'
    return [
      String(r.clusters),
      `${r.files}`,
      `${(r.bytes / 1e6).toFixed(0)} MB`,
      r.timedOut ? `> ${fmt(r.wallMs)} (stopped)` : fmt(r.wallMs),
      r.wallRunsMs.length > 1 ? `${fmt(Math.min(...r.wallRunsMs))} - ${fmt(Math.max(...r.wallRunsMs))}` : '-',
      r.peakRssMB === null ? '-' : `${Math.round(r.peakRssMB)} MB`,
      r.baselineRunsMs.length > 1
        ? `${fmt(r.baselineMs)} (${fmt(Math.min(...r.baselineRunsMs))} - ${fmt(Math.max(...r.baselineRunsMs))})`
        : fmt(r.baselineMs),
      ratio,
      `${r.changedFiles}`,
      `${r.fluxInstallRuns}`
    ]
  })
  table(
    [
      'clusters',
      'files',
      'size',
      'engine',
      'runs range',
      'peak RSS',
      'baseline',
      'faster',
      'changed',
      'flux installs'
    ],
    rows
  )
  const phases = [...new Set(s.runs.flatMap(r => Object.keys(r.phases)))]
  console.log(
    '\n  Where the time goes (ms; debug lines `timing <phase>` of the run; render, compare, merge are inside the stages):'
  )
  table(
    ['clusters', ...phases],
    s.runs.map(r => [
      String(r.clusters),
      ...phases.map(p => (r.phases[p] === undefined ? '-' : String(Math.round(r.phases[p]))))
    ])
  )
  console.log(
    '\n  What stays held (MB of V8 heap in use as each phase ends, uncollected garbage included; the largest where it repeats):'
  )
  table(
    ['clusters', ...phases],
    s.runs.map(r => [
      String(r.clusters),
      ...phases.map(p => (r.heapMB[p] === undefined ? '-' : String(r.heapMB[p])))
    ])
  )
  const at = (n: number) => s.runs.find(r => r.clusters === n && !r.timedOut)
  const [r10, r100, r500] = [at(10), at(100), s.runs.find(r => r.clusters === 500)]
  console.log('\n  Targets:')
  if (r100?.baselineMs)
    console.log(
      `    100 clusters at least 10 x faster than the baseline: ${(r100.baselineMs / r100.wallMs).toFixed(1)} x  ${r100.baselineMs / r100.wallMs >= 10 ? 'met' : 'NOT met'}`
    )
  if (r10 && r100)
    console.log(
      `    10 -> 100 clusters grows less than 2 x: ${(r100.wallMs / r10.wallMs).toFixed(1)} x  ${r100.wallMs / r10.wallMs < 2 ? 'met' : 'NOT met'}`
    )
  if (r500)
    console.log(
      `    peak RSS at 500 clusters under 512 MB: ${r500.peakRssMB === null ? 'not measured' : `${Math.round(r500.peakRssMB)} MB`}${r500.timedOut ? ' (stopped at the time limit)' : ''}  ${r500.peakRssMB !== null && r500.peakRssMB < 512 && !r500.timedOut ? 'met' : 'NOT met'}`
    )
  if (s.noOp)
    console.log(
      `\n  No-op run (${s.noOp.clusters} clusters, everything current, warm tool cache): ${fmt(s.noOp.wallMs)}, ${s.noOp.requests} request(s): release lists ${JSON.stringify(s.noOp.releaseLists)}, ${s.noOp.downloads} download(s), changed=${s.noOp.changed}`
    )
  if (s.validation.length > 0) {
    console.log('\n  Validation of the generated fleets (in process, best of 3):')
    table(
      ['clusters', 'resources', 'js-yaml parse', 'validate', 'x parse', 'resources/s'],
      s.validation.map(v => [
        String(v.clusters),
        String(v.resources),
        fmt(v.parseMs),
        fmt(v.ms),
        (v.ms / v.parseMs).toFixed(2),
        Math.round(v.resourcesPerSecond).toLocaleString('en-US')
      ])
    )
  }
}

export function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
  const line = (cells: string[]) => '  | ' + cells.map((c, i) => c.padStart(widths[i])).join(' | ') + ' |'
  console.log(line(head))
  console.log('  |' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|')
  for (const r of rows) console.log(line(r))
}
