import { currentCalicoVersion, recogniseCalicoManifest } from '../../src/calico/manifest.js'
import { calicoYaml, describeIfFixtures, newerVersions, replaceOnce } from './fixtures.js'

describe('currentCalicoVersion', () => {
  it('reads the calico-node image tag whatever the registry', () => {
    expect(currentCalicoVersion('          image: docker.io/calico/node:v3.21.5')).toBe('3.21.5')
    expect(currentCalicoVersion('          image: quay.io/calico/node:v3.31.7')).toBe('3.31.7')
    expect(currentCalicoVersion('image: registry.example.com/calico/node:v3.26.4')).toBe('3.26.4')
    expect(currentCalicoVersion('image: "registry.example.com:5000/mirror/calico/node:v3.26.4"')).toBe(
      '3.26.4'
    )
  })

  it('reads it inside an escaped ConfigMap value, and ignores the other Calico images', () => {
    expect(currentCalicoVersion('"...containers:\\n        - image: docker.io/calico/node:v3.21.5\\n"')).toBe(
      '3.21.5'
    )
    expect(currentCalicoVersion('image: docker.io/calico/cni:v3.21.5')).toBeUndefined()
    expect(currentCalicoVersion('image: docker.io/calico/node:latest')).toBeUndefined()
  })
})

describeIfFixtures('currentCalicoVersion on upstream manifests', () => {
  it.each(['v3.21.5', ...newerVersions])('calico.yaml %s', v => {
    expect(currentCalicoVersion(calicoYaml(v))).toBe(v.slice(1))
  })
})

describeIfFixtures('recogniseCalicoManifest', () => {
  // Only calico.yaml is in the fixtures; the other manifests are derived from it by the differences the chart's
  // values make (charts/values/calico-{typha,vxlan,policy-only}.yaml and the calico-config / calico-node templates).
  const typha = (m: string) =>
    replaceOnce(
      replaceOnce(
        m,
        '  # Typha is disabled.\n  typha_service_name: "none"',
        '  # You must set a non-zero value for Typha replicas below.\n  typha_service_name: "calico-typha"'
      ),
      '            - name: WAIT_FOR_DATASTORE\n',
      '            - name: FELIX_TYPHAK8SSERVICENAME\n              valueFrom:\n                configMapKeyRef:\n                  name: calico-config\n                  key: typha_service_name\n            - name: WAIT_FOR_DATASTORE\n'
    )
  const vxlan = (m: string) => replaceOnce(m, 'calico_backend: "bird"', 'calico_backend: "vxlan"')
  // (policy-only also drops the upgrade-ipam init container, the other reader of calico_backend.)
  const policyOnly = (m: string) =>
    replaceOnce(typha(m), '  # Configure the backend to use.\n  calico_backend: "bird"\n', '').replaceAll(
      '            - name: CALICO_NETWORKING_BACKEND\n              valueFrom:\n                configMapKeyRef:\n                  name: calico-config\n                  key: calico_backend\n',
      '            - name: CALICO_NETWORKING_BACKEND\n              value: "none"\n'
    )

  it.each(newerVersions)('tells the four manifests apart at %s', v => {
    const m = calicoYaml(v)
    expect(recogniseCalicoManifest(m)).toBe('calico.yaml')
    expect(recogniseCalicoManifest(typha(m))).toBe('calico-typha.yaml')
    expect(recogniseCalicoManifest(vxlan(m))).toBe('calico-vxlan.yaml')
    expect(recogniseCalicoManifest(policyOnly(m))).toBe('calico-policy-only.yaml')
  })

  it('reads the v3.21 manifest extracted from the seed ConfigMap, and a value still escaped in its ConfigMap', () => {
    const m = calicoYaml('v3.21.5')
    expect(recogniseCalicoManifest(m)).toBe('calico.yaml')
    expect(recogniseCalicoManifest(JSON.stringify(vxlan(m)))).toBe('calico-vxlan.yaml')
    expect(recogniseCalicoManifest(JSON.stringify(typha(m)))).toBe('calico-typha.yaml')
  })

  it('returns undefined for a text without calico-config', () => {
    expect(recogniseCalicoManifest('kind: DaemonSet\nmetadata:\n  name: calico-node\n')).toBeUndefined()
  })
})
