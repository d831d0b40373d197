import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import jsyaml from 'js-yaml'
import { readConfigMap, renderConfigMap } from '../../src/crs/configmap.js'
import { FluxDataReader, readFluxBundle, rebuildFluxBundle } from '../../src/crs/flux-bundle.js'
import { followVersion } from '../../src/crs/versioned-name.js'
import { FcuError } from '../../src/errors.js'
import { parseFluxHeader } from '../../src/flux/header.js'
import { readInstallOptions } from '../../src/flux/options.js'
import { joinDocuments, parseDocuments } from '../../src/yaml/documents.js'
import { fixture, fixturesDir } from '../flux/standin.js'
import { kubectlConfigMap } from '../helpers/kubectl-configmap.js'

const hasFixtures = ['2.2.2', '2.9.3'].every(v =>
  existsSync(path.join(fixturesDir, 'flux', `v${v}`, 'default', 'gotk-components.yaml'))
)
if (!hasFixtures) console.log(`Flux bundle tests skipped: ${fixturesDir}/flux is absent`)
const withFixtures = hasFixtures ? describe : describe.skip

/** The cluster's sync objects as `flux bootstrap` wrote them before Flux 2.8 removed v1beta2. */
const SYNC = `---
# the cluster's own sync
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  secretRef:
    name: flux-system
  url: ssh://git@github.com/example/fleet
---
apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/dev/mgmt
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`

const optionsOf = (text: string) => readInstallOptions(parseDocuments(text, 'g'), parseFluxHeader(text, 'g'))

withFixtures('a Flux ConfigMap: an old install and the cluster sync objects', () => {
  const old = () => fixture('2.2.2', 'default')

  it('upgrades the install to v2.9.3 and keeps the sync objects after it, byte for byte', () => {
    const file = kubectlConfigMap('crs-cm-flux-2.2.2-mgmt', [
      { key: 'flux-2.2.2.yaml', content: old() + SYNC }
    ])
    const cm = readConfigMap(file, 'cm-flux.yaml')
    const [entry] = cm.data
    const bundle = readFluxBundle(entry.value, cm.file, entry.lineStarts[0] - 1)
    expect(bundle).toMatchObject({ version: '2.2.2', versionSource: 'header' })
    expect(bundle.options).toEqual(optionsOf(old()))
    expect(bundle.install.map(d => d.raw).join('')).toBe(old())
    expect(bundle.others.map(d => d.raw).join('')).toBe(SYNC)
    // Positions point into the ConfigMap file.
    const kustomization = bundle.others[1]
    expect(file.split('\n')[kustomization.doc.startLine - 1]).toBe(
      '    apiVersion: kustomize.toolkit.fluxcd.io/v1beta2'
    )

    const next = fixture('2.9.3', 'default')
    const data = rebuildFluxBundle(bundle, next)
    expect(data).toBe(next + SYNC)

    const rename = (n: string, kind: 'configmap' | 'key') =>
      followVersion(n, bundle.version, '2.9.3', kind).name
    const out = renderConfigMap(cm, {
      name: rename(cm.name.value, 'configmap'),
      data: [{ from: entry.key, key: rename(entry.key, 'key'), value: data }],
      provenance: { component: 'flux', version: '2.9.3' }
    })
    const parsed = jsyaml.load(out.text) as { data: Record<string, string>; metadata: { name: string } }
    expect(parsed.metadata.name).toBe('crs-cm-flux-2.9.3-mgmt')
    expect(Object.keys(parsed.data)).toEqual(['flux-2.9.3.yaml'])
    expect(parsed.data['flux-2.9.3.yaml']).toBe(next + SYNC)
    // The sync objects' lines are the same lines in the file, indented as the block indents them.
    const indented = SYNC.split('\n')
      .map(l => (l === '' ? '' : `    ${l}`))
      .join('\n')
    expect(out.text).toContain(indented)
    // A second run reads its own output and changes nothing.
    const again = readConfigMap(out.text, 'cm-flux.yaml')
    const rebuilt = rebuildFluxBundle(readFluxBundle(again.data[0].value, 'cm-flux.yaml'), next)
    expect(
      renderConfigMap(again, {
        name: 'crs-cm-flux-2.9.3-mgmt',
        data: [{ key: 'flux-2.9.3.yaml', value: rebuilt }],
        provenance: { component: 'flux', version: '2.9.3' }
      }).changed
    ).toBe(false)
  })

  it('takes replacement text for the other documents (after a migration), one per document', () => {
    const bundle = readFluxBundle(old() + SYNC, 'cm.yaml')
    const migrated = bundle.others.map(d => d.raw.replace(/\/v1beta2\n/, '/v1\n'))
    const data = rebuildFluxBundle(bundle, fixture('2.9.3', 'default'), migrated)
    expect(data.endsWith(SYNC.replace(/\/v1beta2\n/g, '/v1\n'))).toBe(true)
    expect(() => rebuildFluxBundle(bundle, '', [])).toThrow(FcuError)
  })

  it('moves documents written before the install to after it', () => {
    const sync = SYNC.replace(/^---\n/, '')
    const bundle = readFluxBundle(sync + old(), 'cm.yaml')
    expect(bundle.others.map(d => d.raw).join('')).toBe(sync)
    expect(rebuildFluxBundle(bundle, 'NEW\n')).toBe(`NEW\n---\n${sync}`)
  })

  it('reads the version from the labels, or the image tags, when the header is gone', () => {
    const noHeader = old().replace(/^---\n(# .*\n){3}/, '---\n')
    expect(noHeader).not.toContain('generated by flux')
    const byLabel = readFluxBundle(noHeader + SYNC, 'cm.yaml')
    expect(byLabel).toMatchObject({ version: '2.2.2', versionSource: 'label' })
    expect(byLabel.options).toEqual(optionsOf(old()))
    const noLabel = noHeader.replace(/\n *app\.kubernetes\.io\/version: v2\.2\.2/g, '')
    expect(readFluxBundle(noLabel + SYNC, 'cm.yaml')).toMatchObject({
      version: '2.2.2',
      versionSource: 'images'
    })
    const unknown = noLabel.replace(/source-controller:v1\.2\.3/, 'source-controller:v9.9.9')
    expect(() => readFluxBundle(unknown, 'cm.yaml')).toThrow(/does not say its version/)
  })

  it('reads the options of an install with extra components as for gotk-components.yaml', () => {
    const image = fixture('2.3.0', 'image')
    const bundle = readFluxBundle(image + SYNC, 'cm.yaml')
    expect(bundle.options).toEqual(optionsOf(image))
    expect(bundle.options.components).toContain('image-automation-controller')
  })

  it('refuses data without a Flux install', () => {
    expect(() => readFluxBundle(SYNC, 'cm.yaml', 3)).toThrow(/holds no Flux install/)
  })
})

withFixtures('Flux ConfigMap data read for a fleet, each install once', () => {
  const old = () => fixture('2.2.2', 'default')
  const fresh = (data: string) => new FluxDataReader().read(data, 'cm.yaml')
  const sha = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex')
  const labelled =
    'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: extra\n  labels:\n    app.kubernetes.io/part-of: flux\n'

  it('reads each value as a reader that saw none before, whatever the values it saw', () => {
    const sync = SYNC.replace(/^---\n/, '')
    const values = [
      old() + SYNC,
      old() + SYNC.replace('./clusters/dev/mgmt', './clusters/dev/other'),
      // The same install after the cluster's documents: its lines move.
      sync + old(),
      old(),
      // One document of the install differs: another install.
      old().replace('--log-level=info', '--log-level=debug') + SYNC,
      // Without its header: the header is put in front of the content.
      old().replace(/^---\n(# .*\n){3}/, '---\n') + SYNC,
      // Another install object after the cluster's documents: the install runs to it.
      old() + SYNC + '---\n' + labelled,
      fixture('2.9.3', 'default') + SYNC
    ]
    const reader = new FluxDataReader()
    for (const v of values) {
      const read = reader.read(v, 'cm.yaml')
      expect(read).toEqual(fresh(v))
      expect(read.digest).toBe(sha(read.content))
    }
    expect(values.map(v => reader.read(v, 'cm.yaml'))).toEqual(values.map(fresh))
  })

  it('gives what readFluxBundle reads', () => {
    const data = old() + SYNC
    const bundle = readFluxBundle(data, 'cm.yaml')
    const read = new FluxDataReader().read(data, 'cm.yaml')
    expect(read).toMatchObject({ version: '2.2.2', options: bundle.options, addedLines: 0, installLine: 1 })
    expect(read.content).toBe(joinDocuments(bundle.install.map(d => d.raw)))
    expect(read.others).toBe(joinDocuments(bundle.others.map(d => d.raw)))
    expect(data.split('\n')[read.othersLine - 1]).toBe('---')
    expect(data.split('\n')[read.othersLine]).toBe("# the cluster's own sync")
  })
})
