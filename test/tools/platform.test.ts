import { FcuError } from '../../src/errors.js'
import { toolPlatform } from '../../src/tools/platform.js'

describe('toolPlatform', () => {
  it.each([
    ['linux', 'x64', { os: 'linux', arch: 'amd64' }],
    ['linux', 'arm64', { os: 'linux', arch: 'arm64' }],
    ['darwin', 'x64', { os: 'darwin', arch: 'amd64' }],
    ['darwin', 'arm64', { os: 'darwin', arch: 'arm64' }]
  ])('maps %s/%s to the release asset names', (platform, arch, expected) => {
    expect(toolPlatform(platform, arch)).toEqual(expected)
  })

  it.each([
    ['win32', 'x64'],
    ['linux', 'ia32'],
    ['freebsd', 'arm64'],
    ['linux', 'toString']
  ])('refuses %s/%s with a tool error that names it', (platform, arch) => {
    let error: unknown
    try {
      toolPlatform(platform, arch)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(FcuError)
    expect((error as FcuError).code).toBe('tool')
    expect((error as FcuError).message).toContain(`${platform}/${arch}`)
    expect((error as FcuError).hint).toBeTruthy()
  })
})
