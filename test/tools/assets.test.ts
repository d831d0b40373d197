import { FcuError } from '../../src/errors.js'
import { calicoManifestUrl, toolAsset } from '../../src/tools/assets.js'

const linuxAmd64 = { os: 'linux', arch: 'amd64' } as const

describe('toolAsset', () => {
  it('lays out a flux release download and its checksum file', () => {
    const asset = toolAsset('flux', '2.9.3', 'https://github.com', { os: 'darwin', arch: 'arm64' })
    expect(asset.url).toBe(
      'https://github.com/fluxcd/flux2/releases/download/v2.9.3/flux_2.9.3_darwin_arm64.tar.gz'
    )
    expect(asset.fileName).toBe('flux_2.9.3_darwin_arm64.tar.gz')
    expect(asset.checksumUrl).toBe(
      'https://github.com/fluxcd/flux2/releases/download/v2.9.3/flux_2.9.3_checksums.txt'
    )
    expect(asset.packaging).toBe('tar.gz')
    expect(asset.executable).toBe('flux')
    expect(asset.checksumRequired).toBe(true)
  })

  it('lays out a calicoctl release download and SHA256SUMS', () => {
    const asset = toolAsset('calicoctl', '3.31.7', 'https://github.com', linuxAmd64)
    expect(asset.url).toBe(
      'https://github.com/projectcalico/calico/releases/download/v3.31.7/calicoctl-linux-amd64'
    )
    expect(asset.fileName).toBe('calicoctl-linux-amd64')
    expect(asset.checksumUrl).toBe(
      'https://github.com/projectcalico/calico/releases/download/v3.31.7/SHA256SUMS'
    )
    expect(asset.packaging).toBe('binary')
    expect(asset.executable).toBe('calicoctl')
    expect(asset.checksumRequired).toBe(false)
  })

  it('accepts the version with or without v, and a download-url with a path and trailing slashes', () => {
    const a = toolAsset('flux', 'v2.8.3', 'https://mirror.example/github//', linuxAmd64)
    const b = toolAsset('flux', '2.8.3', 'https://mirror.example/github', linuxAmd64)
    expect(a).toEqual(b)
    expect(a.version).toBe('2.8.3')
    expect(a.url).toBe(
      'https://mirror.example/github/fluxcd/flux2/releases/download/v2.8.3/flux_2.8.3_linux_amd64.tar.gz'
    )
  })
})

describe('calicoManifestUrl', () => {
  it('points at the manifest in the Calico repository at the release tag', () => {
    expect(calicoManifestUrl('https://github.com/', '3.30.7', 'calico.yaml')).toBe(
      'https://github.com/projectcalico/calico/raw/v3.30.7/manifests/calico.yaml'
    )
    expect(calicoManifestUrl('http://127.0.0.1:8080', 'v3.29.7', 'tigera-operator.yaml')).toBe(
      'http://127.0.0.1:8080/projectcalico/calico/raw/v3.29.7/manifests/tigera-operator.yaml'
    )
  })

  it('keeps sub-directories and encodes each segment', () => {
    expect(calicoManifestUrl('https://github.com', '3.30.7', 'ocp/a b.yaml')).toBe(
      'https://github.com/projectcalico/calico/raw/v3.30.7/manifests/ocp/a%20b.yaml'
    )
  })

  it.each(['../../README.md', 'ocp/../calico.yaml', '', 'a//b'])(
    'refuses %j, which leaves manifests/',
    name => {
      expect(() => calicoManifestUrl('https://github.com', '3.30.7', name)).toThrow(FcuError)
    }
  )
})
