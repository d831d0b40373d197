import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Exec, RunDeps } from '../../src/deps.js'
import { realExec } from '../../src/adapters.js'
import { githubClients } from '../../src/github/client.js'
import { actionsToolCache } from '../../src/tools/install.js'
import { readSettings, type Settings } from '../../src/settings/inputs.js'
import type { Mirror } from '../../support/mirror/server.js'

export interface Recorded {
  deps: RunDeps
  /** Every program the engine ran, as argv. */
  commands: string[][]
  logs: string[]
  sleeps: number[]
}

/** Real fetch, exec and tool-cache against a local mirror; sleeps recorded instead of waited. */
export function engineDeps(toolCacheDir: string): Recorded {
  process.env.RUNNER_TOOL_CACHE = toolCacheDir
  process.env.RUNNER_TEMP ||= os.tmpdir()
  const commands: string[][] = []
  const logs: string[] = []
  const sleeps: number[] = []
  const exec: Exec = (file, args, options) => {
    commands.push([path.basename(file), ...args])
    return realExec(file, args, options)
  }
  const net: Pick<RunDeps, 'fetch' | 'sleep' | 'log'> = {
    fetch: (url, init) => fetch(url, init),
    sleep: async ms => {
      sleeps.push(ms)
    },
    log: { info: m => logs.push(m), warning: m => logs.push(`warning: ${m}`), debug: () => {} }
  }
  const deps: RunDeps = {
    ...net,
    github: githubClients(net),
    exec,
    toolCache: actionsToolCache(),
    tempDir: mkdtempSync(path.join(os.tmpdir(), 'fcu-run-')),
    platform: { os: 'linux', arch: 'amd64' },
    runApiUrl: 'https://api.github.com'
  }
  return { deps, commands, logs, sleeps }
}

export function settingsFor(root: string, mirror: Mirror, inputs: Record<string, string> = {}): Settings {
  const s = readSettings(
    name =>
      ({
        'dry-run': 'true',
        'releases-api-url': mirror.apiUrl,
        'download-url': mirror.url,
        ...inputs
      })[name] ?? ''
  )
  return { ...s, workingDirectory: root }
}

/** Every file under root with its content: compare before/after to prove a failed run touched nothing. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name)
      if (name === '.git') continue
      if (statSync(p).isDirectory()) walk(p)
      else out[path.relative(root, p)] = readFileSync(p, 'utf8')
    }
  }
  walk(root)
  return out
}
