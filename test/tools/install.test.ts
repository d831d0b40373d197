import { jest } from '@jest/globals'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { FcuError } from '../../src/errors.js'
import { toolAsset, type ToolName } from '../../src/tools/assets.js'
import { actionsToolCache, installTool, type ToolDeps } from '../../src/tools/install.js'
import type { ToolPlatform } from '../../src/tools/platform.js'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { rejection } from '../helpers/errors.js'

const run = promisify(execFile)
const linuxAmd64: ToolPlatform = { os: 'linux', arch: 'amd64' }
const PLATFORMS: ToolPlatform[] = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' }
]

let mirror: Mirror
let scratch: string

beforeEach(async () => {
  mirror = await startMirror({ fixturesDir: null })
  scratch = mkdtempSync(path.join(tmpdir(), 'fcu-install-'))
  // tool-cache reads these on every call.
  process.env.RUNNER_TOOL_CACHE = path.join(scratch, 'toolcache')
  process.env.RUNNER_TEMP = path.join(scratch, 'runner-temp')
})

afterEach(async () => {
  await mirror.close()
  rmSync(scratch, { recursive: true, force: true })
})

function harness() {
  const sleep = jest.fn(async (_ms: number): Promise<void> => {})
  const warnings: string[] = []
  const deps: ToolDeps = {
    fetch: (url, init) => fetch(url, init),
    sleep,
    log: { info: () => {}, debug: () => {}, warning: m => void warnings.push(m) },
    cache: actionsToolCache(),
    tempDir: path.join(scratch, 'tmp')
  }
  return { deps, sleep, warnings }
}

const install = (tool: ToolName, version: string, deps: ToolDeps, platform: ToolPlatform = linuxAmd64) =>
  installTool(tool, version, { downloadUrl: mirror.url, platform }, deps)

const assetPath = (tool: ToolName, version: string, platform: ToolPlatform = linuxAmd64) =>
  new URL(toolAsset(tool, version, mirror.url, platform).url).pathname
const checksumPath = (tool: ToolName, version: string) =>
  new URL(toolAsset(tool, version, mirror.url, linuxAmd64).checksumUrl).pathname
const requestsFor = (p: string) => mirror.requests.filter(r => r.path === p)

/** After a failed install: nothing in the tool cache and no download left in the temp dir. */
function expectNothingLeft(tool: ToolName, version: string, deps: ToolDeps): void {
  expect(deps.cache.find(tool, version, 'linux-amd64')).toBe('')
  expect(existsSync(path.join(process.env.RUNNER_TOOL_CACHE!, tool))).toBe(false)
  expect(readdirSync(deps.tempDir)).toEqual([])
}

describe('installTool from a release mirror', () => {
  describe.each(PLATFORMS)('on $os/$arch', platform => {
    it('installs flux, runs it, and serves the second install from the tool cache', async () => {
      const { deps } = harness()
      const first = await install('flux', 'v2.9.3', deps, platform)
      expect(first).toEqual({ path: expect.any(String), downloaded: true, version: '2.9.3' })
      expect(path.isAbsolute(first.path)).toBe(true)
      expect(path.basename(first.path)).toBe('flux')
      expect((await run(first.path, ['version', '--client'])).stdout).toBe('flux: v2.9.3\n')
      expect(requestsFor(assetPath('flux', '2.9.3', platform))).toHaveLength(1)
      expect(requestsFor(checksumPath('flux', '2.9.3'))).toHaveLength(1)
      expect(mirror.requests.every(r => r.headers.authorization === undefined)).toBe(true)
      expect(readdirSync(deps.tempDir)).toEqual([])

      const seen = mirror.requests.length
      const second = await install('flux', '2.9.3', deps, platform)
      expect(second).toEqual({ path: first.path, downloaded: false, version: '2.9.3' })
      expect(mirror.requests).toHaveLength(seen)
    })

    it('installs calicoctl, runs it, and serves the second install from the tool cache', async () => {
      const { deps, warnings } = harness()
      const first = await install('calicoctl', '3.31.7', deps, platform)
      expect(first).toEqual({ path: expect.any(String), downloaded: true, version: '3.31.7' })
      expect(path.basename(first.path)).toBe('calicoctl')
      expect((await run(first.path, ['version'])).stdout).toMatch(/^Client Version:\s+v3\.31\.7$/m)
      expect(requestsFor(assetPath('calicoctl', '3.31.7', platform))).toHaveLength(1)
      expect(requestsFor(checksumPath('calicoctl', '3.31.7'))).toHaveLength(1)
      expect(warnings).toEqual([])

      const seen = mirror.requests.length
      const second = await install('calicoctl', '3.31.7', deps, platform)
      expect(second).toEqual({ path: first.path, downloaded: false, version: '3.31.7' })
      expect(mirror.requests).toHaveLength(seen)
    })
  })

  it('keeps builds for different platforms of one version apart in the cache', async () => {
    const { deps } = harness()
    const linux = await install('flux', '2.8.3', deps, linuxAmd64)
    const darwin = await install('flux', '2.8.3', deps, { os: 'darwin', arch: 'amd64' })
    expect(darwin.downloaded).toBe(true)
    expect(darwin.path).not.toBe(linux.path)
    expect(requestsFor(assetPath('flux', '2.8.3', { os: 'darwin', arch: 'amd64' }))).toHaveLength(1)
  })
})

describe('installTool verification', () => {
  it('refuses an asset whose sha256 differs from the checksum file, and caches nothing', async () => {
    const { deps } = harness()
    mirror.fault(assetPath('flux', '2.9.3'), { kind: 'corrupt' })
    const e = await rejection(install('flux', '2.9.3', deps))
    expect(e.code).toBe('integrity')
    expect(e.message).toContain('flux_2.9.3_linux_amd64.tar.gz')
    expect(e.message).toContain(`${mirror.url}${checksumPath('flux', '2.9.3')}`)
    expectNothingLeft('flux', '2.9.3', deps)

    // Nothing was cached, so the next run downloads (and refuses) again.
    await expect(install('flux', '2.9.3', deps)).rejects.toThrow(FcuError)
    expect(requestsFor(assetPath('flux', '2.9.3'))).toHaveLength(2)
  })

  it('refuses an asset the checksum file does not list', async () => {
    const { deps } = harness()
    mirror.fault(assetPath('calicoctl', '3.30.7'), { kind: 'omit-checksum' })
    const e = await rejection(install('calicoctl', '3.30.7', deps))
    expect(e.code).toBe('integrity')
    expect(e.message).toContain(`${mirror.url}${checksumPath('calicoctl', '3.30.7')}`)
    expect(e.message).toContain('calicoctl-linux-amd64')
    expectNothingLeft('calicoctl', '3.30.7', deps)
  })

  it('refuses a truncated archive whose checksum matches, at extraction', async () => {
    const { deps } = harness()
    mirror.fault(assetPath('flux', '2.7.5'), { kind: 'truncated-archive' })
    const e = await rejection(install('flux', '2.7.5', deps))
    expect(e.code).toBe('integrity')
    expect(e.message).toMatch(/corrupt/)
    expect(e.message).toContain('flux_2.7.5_linux_amd64.tar.gz')
    expectNothingLeft('flux', '2.7.5', deps)
  })

  it('refuses flux when the release has no checksum file', async () => {
    const { deps } = harness()
    mirror.fault(checksumPath('flux', '2.9.3'), { kind: 'status', statuses: [404] })
    const e = await rejection(install('flux', '2.9.3', deps))
    expect(e.code).toBe('integrity')
    expect(e.message).toContain(checksumPath('flux', '2.9.3'))
    expectNothingLeft('flux', '2.9.3', deps)
  })

  it('installs calicoctl from a release without SHA256SUMS, with a warning', async () => {
    await mirror.close()
    mirror = await startMirror({
      fixturesDir: null,
      releases: { calico: [{ tag: 'v3.21.5', checksums: false }] }
    })
    const { deps, warnings } = harness()
    const installed = await install('calicoctl', '3.21.5', deps)
    expect(installed.downloaded).toBe(true)
    expect((await run(installed.path, ['version'])).stdout).toMatch(/v3\.21\.5/)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(checksumPath('calicoctl', '3.21.5'))
    expect(requestsFor(checksumPath('calicoctl', '3.21.5'))).toHaveLength(1)
  })

  it('fails when SHA256SUMS exists but cannot be fetched', async () => {
    const { deps, warnings } = harness()
    mirror.fault(checksumPath('calicoctl', '3.31.7'), { kind: 'status', statuses: [500, 500, 500, 500] })
    const e = await rejection(install('calicoctl', '3.31.7', deps))
    expect(e.code).toBe('network')
    expect(e.message).toContain('HTTP 500')
    expect(warnings).toEqual([])
    expectNothingLeft('calicoctl', '3.31.7', deps)
  })
})

describe('installTool downloads', () => {
  it('reports a release without the asset as a version error after one request', async () => {
    const { deps, sleep } = harness()
    const e = await rejection(install('flux', '2.0.99', deps))
    expect(e.code).toBe('version')
    expect(e.message).toContain(`${mirror.url}${assetPath('flux', '2.0.99')}`)
    // The version came from the release list: the download host is to blame, not the flux-version input.
    expect(e.location.input).toBeUndefined()
    expect(mirror.requests.map(r => r.path)).toEqual([assetPath('flux', '2.0.99')])
    expect(sleep).not.toHaveBeenCalled()
    expect(readdirSync(deps.tempDir)).toEqual([])
  })

  it('does not retry a 403 that is not a rate limit', async () => {
    const { deps, sleep } = harness()
    mirror.fault(assetPath('flux', '2.9.3'), { kind: 'status', statuses: [403] })
    const e = await rejection(install('flux', '2.9.3', deps))
    expect(e.code).toBe('network')
    expect(mirror.requests).toHaveLength(1)
    expect(sleep).not.toHaveBeenCalled()
  })

  it('retries a 500 and then succeeds', async () => {
    const { deps, sleep } = harness()
    mirror.fault(assetPath('flux', '2.9.3'), { kind: 'status', statuses: [500] })
    const installed = await install('flux', '2.9.3', deps)
    expect(installed.downloaded).toBe(true)
    expect(requestsFor(assetPath('flux', '2.9.3'))).toHaveLength(2)
    expect(sleep).toHaveBeenCalledTimes(1)
  })

  it('waits as long as a 429 Retry-After asks', async () => {
    const { deps, sleep } = harness()
    mirror.fault(assetPath('calicoctl', '3.29.7'), {
      kind: 'status',
      statuses: [429],
      headers: { 'retry-after': '2' }
    })
    await install('calicoctl', '3.29.7', deps)
    expect(sleep.mock.calls).toEqual([[2000]])
    expect(requestsFor(assetPath('calicoctl', '3.29.7'))).toHaveLength(2)
  })

  it('retries a connection reset', async () => {
    const { deps, sleep } = harness()
    mirror.fault(assetPath('flux', '2.9.3'), { kind: 'reset' })
    const installed = await install('flux', '2.9.3', deps)
    expect((await run(installed.path, ['version', '--client'])).stdout).toBe('flux: v2.9.3\n')
    expect(requestsFor(assetPath('flux', '2.9.3'))).toHaveLength(2)
    expect(sleep).toHaveBeenCalledTimes(1)
  })

  it('retries a body shorter than its Content-Length', async () => {
    const { deps, sleep } = harness()
    mirror.fault(assetPath('flux', '2.9.3'), { kind: 'truncate' })
    const installed = await install('flux', '2.9.3', deps)
    expect((await run(installed.path, ['version', '--client'])).stdout).toBe('flux: v2.9.3\n')
    expect(requestsFor(assetPath('flux', '2.9.3'))).toHaveLength(2)
    expect(sleep).toHaveBeenCalledTimes(1)
  })

  it('retries a checksum file cut short', async () => {
    const { deps, sleep } = harness()
    mirror.fault(checksumPath('calicoctl', '3.31.7'), { kind: 'truncate' })
    await install('calicoctl', '3.31.7', deps)
    expect(requestsFor(checksumPath('calicoctl', '3.31.7'))).toHaveLength(2)
    expect(sleep).toHaveBeenCalledTimes(1)
  })

  it('refuses a version that is not exact, without a request', async () => {
    const { deps } = harness()
    const e = await rejection(install('flux', '~2.8', deps))
    expect(e.code).toBe('version')
    expect(e.location.input).toBe('flux-version')
    expect(mirror.requests).toEqual([])
  })
})
