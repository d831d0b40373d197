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
 * writes `::debug::` lines and the tar command line to stdout.
 */
export function actionsToolCache(): ToolCache {
  return {
    find: (tool, version, arch) => tc.find(tool, version, arch),
    cacheDir: (sourceDir, tool, version, arch) => tc.cacheDir(sourceDir, tool, version, arch),
    cacheFile: (sourceFile, targetFile, tool, version, arch) =>
      tc.cacheFile(sourceFile, targetFile, tool, version, arch),
    extractTar: (file, dest) => tc.extractTar(file, dest)
  }
}
