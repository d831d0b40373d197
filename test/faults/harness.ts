import { mkdtempSync, readdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { run } from '../../src/run.js'
import type { RunDeps } from '../../src/deps.js'
import type { RetryPolicy } from '../../src/http/retry.js'
import type { RunResult } from '../../src/result.js'
import { FcuError } from '../../src/errors.js'
import { connectPublisher } from '../../src/publish/connect.js'
import { githubClients } from '../../src/github/client.js'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { startFleet, git, type Fleet } from '../../support/github/fleet.js'
import { engineDeps, settingsFor, snapshot } from '../helpers/engine.js'

/**
 * The fault suite's bench: the example fleet on the GitHub double (REST API and a bare origin over git's HTTP
 * protocol), the release mirror, and the engine run as the action runs it. Each test injects one fault and checks
 * that the run either recovers or fails with its message, and that the working tree, origin and the pull requests
 * are exactly as before the run.
 */
export const fixtures = defaultFixturesDir()
export const TOKEN = 'ghs_faultsuitetoken0123456789'

/** A fast policy for the stalled-server cases; the product's default (30 s) is tested in test/http. */
export const shortTimeout: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxWaitMs: 60_000, timeoutMs: 300 }

export interface Bench {
  mirror: Mirror
  fleet: Fleet
  /** A fresh tool cache per test, so every run downloads its tools (and meets the faults on them). */
  toolCache: string
}

/** A bench with a mirror of its own, or a second fleet on another bench's mirror (which stays open). */
export async function startBench(shared?: Mirror): Promise<Bench> {
  const mirror = shared ?? (await startMirror({ fixturesDir: fixtures }))
  const fleet = await startFleet({ token: TOKEN, fixtures })
  const b = { mirror, fleet, toolCache: mkdtempSync(path.join(os.tmpdir(), 'fcu-faults-tc-')) }
  if (!shared) owned.add(b)
  return b
}

const owned = new WeakSet<Bench>()

export async function stopBench(b: Bench | undefined): Promise<void> {
  if (!b) return
  await b.fleet.close()
  if (owned.has(b)) await b.mirror.close()
}

export interface Outcome {
  result?: RunResult
  error?: FcuError
  logs: string[]
  sleeps: number[]
  deps: RunDeps
}

/** One engine run on the bench: publishing unless `dry-run` is given; the error it ends with is returned, not thrown. */
export async function upgrade(
  b: Bench,
  options: { inputs?: Record<string, string>; deps?: Partial<RunDeps> } = {}
): Promise<Outcome> {
  const settings = settingsFor(b.fleet.workspace, b.mirror, {
    'dry-run': 'false',
    token: TOKEN,
    ...options.inputs
  })
  const recorded = engineDeps(b.toolCache)
  const deps: RunDeps = { ...recorded.deps, ...options.deps }
  // The GitHub client takes the policy when it is made.
  if (options.deps?.policy) deps.github = githubClients(deps)
  if (!settings.dryRun) {
    deps.publish = connectPublisher(
      settings,
      {
        GITHUB_API_URL: b.fleet.github.apiUrl,
        GITHUB_SERVER_URL: b.fleet.github.serverUrl,
        GITHUB_REPOSITORY: 'example-org/fleet'
      },
      deps
    )
  }
  try {
    const { result } = await run(settings, deps)
    return { result, logs: recorded.logs, sleeps: recorded.sleeps, deps }
  } catch (e) {
    if (!(e instanceof FcuError)) throw e
    return { error: e, logs: recorded.logs, sleeps: recorded.sleeps, deps }
  }
}

/**
 * Everything a run could change: the working tree (files, index, HEAD, git's view of it), origin (every ref and
 * every object reachable from one), and the pull requests and labels of the double.
 */
export function state(b: Bench): Record<string, unknown> {
  const ws = b.fleet.workspace
  const bare = b.fleet.github.bareDir
  return {
    files: snapshot(ws),
    status: git(ws, ['status', '--porcelain', '--untracked-files=all', '--ignored']),
    head: git(ws, ['rev-parse', 'HEAD']),
    refs: git(bare, ['for-each-ref', '--format=%(refname) %(objectname)']),
    objects: git(bare, ['rev-list', '--objects', '--all']).split('\n').sort(),
    pulls: structuredClone(b.fleet.github.pulls),
    labels: structuredClone(b.fleet.github.labels)
  }
}

/** The files a run left in its scratch directory or beside its targets: none, once it is over. */
export function leftovers(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.git') continue
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (/\.fcu-|\.(tmp|bak)$/.test(e.name)) out.push(path.relative(root, p))
    }
  }
  walk(root)
  return out
}

/** The mirror paths of the assets a Flux upgrade of the example fleet downloads. */
export const paths = {
  releases: '/api/repos/fluxcd/flux2/releases',
  fluxArchive: (v: string) => `/fluxcd/flux2/releases/download/v${v}/flux_${v}_linux_amd64.tar.gz`,
  fluxChecksums: (v: string) => `/fluxcd/flux2/releases/download/v${v}/flux_${v}_checksums.txt`
}
