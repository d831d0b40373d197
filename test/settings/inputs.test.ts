import { readSettings } from '../../src/settings/inputs.js'
import { FcuError } from '../../src/errors.js'
import { thrown } from '../helpers/errors.js'

const from = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''

const inputError = (inputs: Record<string, string>): FcuError => thrown(() => readSettings(from(inputs)))

describe('readSettings', () => {
  it('applies the defaults of SPEC §7 when nothing is set', () => {
    const s = readSettings(from({}))
    expect(s).toMatchObject({
      mode: 'upgrade',
      components: ['flux', 'calico'],
      fluxVersion: 'latest',
      calicoVersion: 'latest',
      config: '.github/flux-crs-upgrade.yaml',
      configExplicit: false,
      workingDirectory: '.',
      dryRun: false,
      branchPrefix: 'flux-crs-upgrade/',
      group: false,
      draft: false,
      signCommits: false,
      releasesApiUrl: 'https://api.github.com',
      downloadUrl: 'https://github.com',
      labels: []
    })
  })

  it('splits lists on commas and newlines and trims them', () => {
    const s = readSettings(
      from({ labels: 'deps, flux\nautomated', reviewers: ' alice ,bob ', components: 'flux' })
    )
    expect(s.labels).toEqual(['deps', 'flux', 'automated'])
    expect(s.reviewers).toEqual(['alice', 'bob'])
    expect(s.components).toEqual(['flux'])
  })

  it('strips trailing slashes of mirror URLs', () => {
    const s = readSettings(
      from({
        'download-url': 'http://127.0.0.1:8080/',
        'releases-api-url': 'https://ghes.example.com/api/v3/'
      })
    )
    expect(s.downloadUrl).toBe('http://127.0.0.1:8080')
    expect(s.releasesApiUrl).toBe('https://ghes.example.com/api/v3')
  })

  it.each([
    [{ mode: 'upgrade-all' }, 'mode'],
    [{ components: 'flux,cilium' }, 'components'],
    [{ 'dry-run': 'maybe' }, 'dry-run'],
    [{ 'download-url': 'ftp://mirror' }, 'download-url'],
    [{ 'releases-api-url': 'not a url' }, 'releases-api-url'],
    [{ 'download-url': 'https://user:secret@mirror.example.com' }, 'download-url']
  ])('rejects %j naming the input', (inputs, input) => {
    const e = inputError(inputs)
    expect(e.code).toBe('input')
    expect(e.location.input).toBe(input)
    expect(e.message).not.toContain('secret')
  })
})
