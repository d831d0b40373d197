import { createHash } from 'node:crypto'
import { calicoManifestUrl, downloadCalicoManifest } from '../../src/calico/download.js'
import { silentLogger } from '../../src/deps.js'
import { FcuError } from '../../src/errors.js'
import { startMirror, type Mirror } from '../../support/mirror/server.js'
import { calicoYaml, describeIfFixtures, fixturesDir } from './fixtures.js'

const deps = {
  fetch: (url: string, init?: { method?: string; headers?: Record<string, string> }) => fetch(url, init),
  sleep: async () => {},
  log: silentLogger,
  policy: { attempts: 3, baseDelayMs: 1, maxWaitMs: 1000 }
}

describe('calicoManifestUrl', () => {
  it('is the raw manifest under download-url (SPEC §4), with or without the v and a trailing slash', () => {
    expect(calicoManifestUrl('https://github.com', '3.31.7', 'calico.yaml')).toBe(
      'https://github.com/projectcalico/calico/raw/v3.31.7/manifests/calico.yaml'
    )
    expect(calicoManifestUrl('https://mirror.example.com/gh/', 'v3.26.4', 'calico-typha.yaml')).toBe(
      'https://mirror.example.com/gh/projectcalico/calico/raw/v3.26.4/manifests/calico-typha.yaml'
    )
  })
})

describeIfFixtures('downloadCalicoManifest from the release mirror', () => {
  let mirror: Mirror
  beforeEach(async () => {
    mirror = await startMirror({ fixturesDir })
  })
  afterEach(() => mirror.close())

  it('returns the manifest text and its sha256', async () => {
    const got = await downloadCalicoManifest(mirror.url, '3.31.7', 'calico.yaml', deps)
    const expected = calicoYaml('v3.31.7')
    expect(got.text).toBe(expected)
    expect(got.sha256).toBe(createHash('sha256').update(expected).digest('hex'))
    expect(got).toMatchObject({ manifest: 'calico.yaml', version: '3.31.7' })
    expect(got.url).toBe(`${mirror.url}/projectcalico/calico/raw/v3.31.7/manifests/calico.yaml`)
  })

  it('retries a transient failure', async () => {
    mirror.fault('/projectcalico/calico/raw/v3.26.4/manifests/calico.yaml', {
      kind: 'status',
      statuses: [503]
    })
    const got = await downloadCalicoManifest(mirror.url, 'v3.26.4', 'calico.yaml', deps)
    expect(got.text).toBe(calicoYaml('v3.26.4'))
    expect(mirror.requests.filter(r => r.path.endsWith('/v3.26.4/manifests/calico.yaml'))).toHaveLength(2)
  })

  it('names the URL and the status when the version has no such manifest', async () => {
    const e = await downloadCalicoManifest(mirror.url, '3.31.7', 'calico-vxlan.yaml', deps).catch(x => x)
    expect(e).toBeInstanceOf(FcuError)
    expect((e as FcuError).message).toBe(
      `${mirror.url}/projectcalico/calico/raw/v3.31.7/manifests/calico-vxlan.yaml does not exist (HTTP 404): Calico 3.31.7 publishes no calico-vxlan.yaml`
    )
  })

  it('names the URL and the status of a failure that is not a 404', async () => {
    mirror.fault('/projectcalico/calico/raw/v3.31.7/manifests/calico.yaml', {
      kind: 'status',
      statuses: [403]
    })
    await expect(downloadCalicoManifest(mirror.url, '3.31.7', 'calico.yaml', deps)).rejects.toThrow(
      `${mirror.url}/projectcalico/calico/raw/v3.31.7/manifests/calico.yaml could not be downloaded (HTTP 403)`
    )
  })
})
