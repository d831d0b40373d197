import { mkdir } from 'node:fs/promises'
import { getExecOutput } from '@actions/exec'
import * as tc from '@actions/tool-cache'

/**
 * The part of `@actions/tool-cache` the installer needs. Paths are absolute; `find` answers '' on a miss, as
 * tool-cache does.
 */
export interface ToolCache {
  find(tool: string, version: string, arch: string): string
  /** Copies the directory's contents into the cache and returns the cached directory. */
  cacheDir(sourceDir: string, tool: string, version: string, arch: string): Promise<string>
  /** Copies one file into the cache under `targetFile` and returns the cached directory. */
  cacheFile(
    sourceFile: string,
    targetFile: string,
    tool: string,
    version: string,
    arch: string
  ): Promise<string>
  /** Extracts a .tar.gz into `dest` (created if absent); rejects when the archive cannot be read to the end. */
  extractTar(file: string, dest: string): Promise<string>
}

/**
 * The runner's tool cache. tool-cache reads RUNNER_TOOL_CACHE and RUNNER_TEMP on every call (not at import), and
 * writes `::debug::` lines (which the runner hides). Archives are extracted here rather than by tool-cache, whose
 * `tar` echoes its command line into the action's log and the CLI's terminal.
 */
export function actionsToolCache(): ToolCache {
  return {
    find: (tool, version, arch) => tc.find(tool, version, arch),
    cacheDir: (sourceDir, tool, version, arch) => tc.cacheDir(sourceDir, tool, version, arch),
    cacheFile: (sourceFile, targetFile, tool, version, arch) =>
      tc.cacheFile(sourceFile, targetFile, tool, version, arch),
    extractTar: async (file, dest) => {
      await mkdir(dest, { recursive: true })
      const out = await getExecOutput('tar', ['-xzf', file, '-C', dest], {
        silent: true,
        ignoreReturnCode: true
      })
      if (out.exitCode !== 0) throw new Error(`tar exited with ${out.exitCode}: ${out.stderr.trim()}`)
      return dest
    }
  }
}
