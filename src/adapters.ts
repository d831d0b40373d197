import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { getExecOutput } from '@actions/exec'
import { which } from '@actions/io'
import type { Exec, Logger, RunDeps } from './deps.js'
import { githubClients } from './github/client.js'
import { proxyAwareFetch } from './http/proxy.js'
import { actionsToolCache } from './tools/install.js'
import { toolPlatform } from './tools/platform.js'
import { NETWORK_BUDGET_MS, NetworkBudget } from './http/budget.js'

/** Runs a program without a shell and without echoing its output into the log (manifests are large). */
export const realExec: Exec = async (file, args, options = {}) => {
  const out = await getExecOutput(file, args, {
    cwd: options.cwd,
    env: options.env ? { ...(process.env as Record<string, string>), ...options.env } : undefined,
    input: options.input === undefined ? undefined : Buffer.from(options.input),
    silent: true,
    ignoreReturnCode: true
  })
  return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr }
}

/**
 * The real world for one run: fetch through the runner's proxy settings, timers, tool-cache, the GitHub client, a
 * scratch directory removed by `dispose`.
 */
export async function realDeps(
  log: Logger,
  env: NodeJS.ProcessEnv
): Promise<{ deps: RunDeps; dispose: () => Promise<void> }> {
  const base = env.RUNNER_TEMP || os.tmpdir()
  const tempDir = await mkdtemp(path.join(base, 'flux-crs-upgrade-'))
  const http = proxyAwareFetch()
  // One budget for every wait of the run: release lists, downloads, pull requests, and the pauses between retries.
  const net = {
    ...new NetworkBudget(NETWORK_BUDGET_MS).wrap({
      fetch: http.fetch,
      sleep: ms => new Promise<void>(resolve => setTimeout(resolve, ms))
    }),
    log
  }
  const deps: RunDeps = {
    ...net,
    github: githubClients(net),
    exec: realExec,
    toolCache: actionsToolCache(),
    tempDir,
    platform: toolPlatform(process.platform, process.arch),
    runApiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    which: async name => (await which(name, false)) || undefined
  }
  return {
    deps,
    dispose: async () => {
      await http.close()
      await rm(tempDir, { recursive: true, force: true })
    }
  }
}
