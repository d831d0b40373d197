import { createHash } from 'node:crypto'
import { chmod, lstat, mkdir, mkdtemp, open, rm } from 'node:fs/promises'
import * as path from 'node:path'
import semver from 'semver'
import { FcuError } from '../errors.js'
import { defaultRetryPolicy, isTransientStatus, redactUrl, type RetryDeps } from '../http/retry.js'
import { toolAsset, type ToolAsset, type ToolName } from './assets.js'
import type { ToolCache } from './cache.js'
import { checksumFor, parseChecksums } from './checksums.js'
import { collectText, download } from './download.js'
import type { ToolPlatform } from './platform.js'

export type { ToolCache } from './cache.js'
export { actionsToolCache } from './cache.js'

export type ToolDeps = RetryDeps & {
  cache: ToolCache
  /** Where downloads land before they are verified; each install works in its own subdirectory and removes it. */
  tempDir: string
}

/** Where a tool's release assets are downloaded from, and for which platform. */
export interface ToolSource {
  /** `download-url`: github.com or a mirror of its release download and raw paths. */
  downloadUrl: string
  platform: ToolPlatform
}

export interface InstalledTool {
  /** Absolute path of the executable. */
  path: string
  /** False when the tool cache already had it (no request was made). */
  downloaded: boolean
  /** The version without `v`. */
  version: string
}

const versionInput = (tool: ToolName): string => (tool === 'flux' ? 'flux-version' : 'calico-version')

/**
 * The cache key carries the os as well as the arch: the platform is a parameter here, and a darwin build found
 * under `amd64` would otherwise be handed to a linux caller.
 */
const cacheArch = (p: ToolPlatform): string => `${p.os}-${p.arch}`

async function isFile(file: string): Promise<boolean> {
  try {
    return (await lstat(file)).isFile()
  } catch {
    return false
  }
}

/**
 * Installs flux or calicoctl from its GitHub release (or a mirror of it), verified against the release's sha256
 * checksums, into the tool cache; a cached version is returned without any request.
 *
 * The download is ours rather than `tc.downloadTool`'s: tool-cache retries with fixed 10-20 s sleeps that cannot
 * be injected (tests would wait for real) and cannot honour Retry-After, so the retry policy of `fetchWithRetry`
 * applies instead.
 */
export async function installTool(
  tool: ToolName,
  version: string,
  opts: ToolSource,
  deps: ToolDeps
): Promise<InstalledTool> {
  const asset = toolAsset(tool, version, opts.downloadUrl, opts.platform)
  if (semver.valid(asset.version) === null) {
    throw new FcuError('version', `"${version}" is not an exact ${tool} version`, {
      location: { input: versionInput(tool) },
      hint: 'Resolve ranges and `latest` to one release (e.g. 2.9.3) before installing.'
    })
  }
  const key = cacheArch(opts.platform)
  const cachedDir = deps.cache.find(tool, asset.version, key)
  if (cachedDir !== '') {
    const cached = path.join(cachedDir, asset.executable)
    if (await isFile(cached)) {
      deps.log.debug(`${tool} ${asset.version} (${key}) found in the tool cache at ${cached}`)
      return { path: cached, downloaded: false, version: asset.version }
    }
  }

  await mkdir(deps.tempDir, { recursive: true })
  const work = await mkdtemp(path.join(deps.tempDir, `${tool}-${asset.version}-`))
  try {
    deps.log.info(`Downloading ${tool} ${asset.version} (${key}) from ${redactUrl(asset.url)}`)
    const file = path.join(work, asset.fileName)
    const sha256 = await downloadAsset(asset, file, opts.platform, deps)
    await verify(asset, sha256, deps)
    let installed: string
    if (asset.packaging === 'tar.gz') {
      const dir = await unpack(asset, file, path.join(work, 'extracted'), deps)
      await chmod(path.join(dir, asset.executable), 0o755)
      installed = await deps.cache.cacheDir(dir, tool, asset.version, key)
    } else {
      await chmod(file, 0o755)
      installed = await deps.cache.cacheFile(file, asset.executable, tool, asset.version, key)
    }
    const executable = path.join(installed, asset.executable)
    deps.log.info(`Installed ${tool} ${asset.version} at ${executable}`)
    return { path: executable, downloaded: true, version: asset.version }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** Streams the asset to `file` and returns its sha256 (hex). */
async function downloadAsset(
  asset: ToolAsset,
  file: string,
  platform: ToolPlatform,
  deps: ToolDeps
): Promise<string> {
  const result = await download(asset.url, deps, async chunks => {
    const hash = createHash('sha256')
    const out = await open(file, 'w')
    try {
      for await (const chunk of chunks) {
        hash.update(chunk)
        await out.write(chunk)
      }
    } finally {
      await out.close()
    }
    return hash.digest('hex')
  })
  if (result.ok) return result.value
  if (result.status === 404) {
    throw new FcuError(
      'version',
      `${asset.tool} ${asset.version} has no release asset ${asset.fileName}: ${redactUrl(asset.url)} answered HTTP 404`,
      {
        // The version was resolved from the release list: a download that is not there is the mirror's to answer.
        hint: `Check that ${asset.tool} v${asset.version} is released with a ${platform.os}/${platform.arch} build, and that download-url serves GitHub release downloads.`
      }
    )
  }
  // A 5xx came back on every attempt: the host is failing, not refusing.
  const failing = isTransientStatus(result.status)
  const attempts = Math.max(1, Math.floor((deps.policy ?? defaultRetryPolicy).attempts))
  throw new FcuError(
    'network',
    `GET ${redactUrl(asset.url)} answered HTTP ${result.status}${failing && attempts > 1 ? ` after ${attempts} attempts` : ''}`,
    {
      location: { input: 'download-url' },
      hint: failing
        ? 'The download host keeps failing: re-run the job later, or point download-url at a mirror.'
        : 'The download host refused the request; check download-url and that the runner may reach it.'
    }
  )
}

async function verify(asset: ToolAsset, actual: string, deps: ToolDeps): Promise<void> {
  const url = redactUrl(asset.checksumUrl)
  const result = await download(asset.checksumUrl, deps, collectText)
  if (!result.ok && result.status === 404 && !asset.checksumRequired) {
    deps.log.warning(
      `${url} does not exist (HTTP 404): ${asset.tool} ${asset.version} publishes no checksums, so ${asset.fileName} is installed unverified`
    )
    return
  }
  if (!result.ok) {
    const what = result.status === 404 ? 'does not exist' : 'could not be downloaded'
    throw new FcuError(
      result.status === 404 ? 'integrity' : 'network',
      `${url} ${what} (HTTP ${result.status}), so ${asset.fileName} cannot be verified and is not installed`,
      { hint: 'Check that download-url serves the whole release, checksum file included.' }
    )
  }
  const expected = checksumFor(parseChecksums(result.value, asset.checksumUrl), asset.fileName)
  if (expected !== actual) {
    throw new FcuError(
      'integrity',
      `sha256 of ${asset.fileName} downloaded from ${redactUrl(asset.url)} is ${actual}, but ${url} lists ${expected}`,
      {
        hint: 'The download was altered on the way or the mirror at download-url serves a different file; it is not installed. Re-run, and if it persists check the mirror.'
      }
    )
  }
  deps.log.debug(`sha256 of ${asset.fileName} matches ${url}`)
}

/** Extracts the archive and returns the directory that holds the executable. */
async function unpack(asset: ToolAsset, file: string, dest: string, deps: ToolDeps): Promise<string> {
  try {
    await deps.cache.extractTar(file, dest)
  } catch (e) {
    throw new FcuError(
      'integrity',
      `${asset.fileName} from ${redactUrl(asset.url)} is a corrupt or truncated archive: ${e instanceof Error ? e.message : String(e)}`,
      {
        hint: 'Its checksum matched, so the release (or the mirror at download-url) holds a broken file; check the mirror, or pick another version.',
        cause: e
      }
    )
  }
  if (!(await isFile(path.join(dest, asset.executable)))) {
    throw new FcuError(
      'integrity',
      `${asset.fileName} from ${redactUrl(asset.url)} holds no ${asset.executable} executable at its top level`,
      { hint: 'The release (or the mirror at download-url) is not laid out like an upstream flux release.' }
    )
  }
  return dest
}
