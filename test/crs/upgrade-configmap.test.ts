import { createConfigMap, readConfigMaps } from '../../src/crs/configmap.js'
import { upgradeConfigMap, type ConfigMapUpgrade } from '../../src/crs/upgrade-configmap.js'

/** One ConfigMap moved to a new version: what a stage hands over, and what comes back. */
describe('upgradeConfigMap', () => {
  const file = 'clusters/fleet/blue/cm-calico-v3.30.7.yaml'
  const text = createConfigMap(
    'crs-cm-calico-3.30.7-blue',
    'fleet',
    [{ key: 'calico.yaml', value: 'kind: List\nitems: []\n# calico/node:v3.30.7\n' }],
    { component: 'calico', version: '3.30.7' }
  ).text
  const upgrade = (extra: Partial<ConfigMapUpgrade> = {}) =>
    upgradeConfigMap({
      component: 'calico',
      file,
      text,
      document: 0,
      values: new Map([['calico.yaml', 'kind: List\nitems: []\n# calico/node:v3.31.7\n']]),
      from: '3.30.7',
      to: '3.31.7',
      provenance: { component: 'calico', version: '3.31.7' },
      ...extra
    })

  it('renames file and ConfigMap with the version and writes the new data', () => {
    const r = upgrade()
    expect(r.change).toMatchObject({ path: 'clusters/fleet/blue/cm-calico-v3.31.7.yaml', renamedFrom: file })
    expect(r.change.content).toContain('name: crs-cm-calico-3.31.7-blue')
    expect(r.change.content).toContain('# calico/node:v3.31.7')
  })

  it('uses the reading the caller hands over for the same text, with the same result', () => {
    expect(upgrade({ read: readConfigMaps(text, file) })).toEqual(upgrade())
  })

  it('reads the text again when the reading handed over is of another text', () => {
    const other = text.replace('crs-cm-calico-3.30.7-blue', 'crs-cm-calico-3.30.7-green')
    const r = upgrade({ read: readConfigMaps(other, file) })
    expect(r).toEqual(upgrade())
    expect(r.change.content).not.toContain('green')
  })
})
