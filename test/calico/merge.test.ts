import { mergeCalicoManifest, mergeConflictError, type CalicoMergeResult } from '../../src/calico/merge.js'
import { calicoYaml, describeIfFixtures, newerVersions, replaceOnce } from './fixtures.js'

const merged = (r: CalicoMergeResult): string => {
  if (!r.ok) throw new Error(`unexpected conflicts: ${JSON.stringify(r.conflicts)}`)
  return r.text
}

const CIDR_COMMENTED = '            # - name: CALICO_IPV4POOL_CIDR\n            #   value: "192.168.0.0/16"\n'
const CIDR_SET = '            - name: CALICO_IPV4POOL_CIDR\n              value: "10.244.0.0/16"\n'
const REQUESTS = '          resources:\n            requests:\n              cpu: 250m\n'
const LIMITS = '            limits:\n              memory: 512Mi\n'

/** The three customisations of the issue: pool CIDR (uncommented), MTU, and a memory limit on calico-node. */
function customised(manifest: string): string {
  let m = replaceOnce(manifest, CIDR_COMMENTED, CIDR_SET)
  m = replaceOnce(m, '  veth_mtu: "0"', '  veth_mtu: "1440"')
  return replaceOnce(m, REQUESTS, REQUESTS + LIMITS)
}

describeIfFixtures('mergeCalicoManifest on upstream manifests', () => {
  const base = () => calicoYaml('v3.26.4')
  const theirs = () => calicoYaml('v3.31.7')

  it('keeps a pool CIDR, the MTU and a resource limit from v3.26.4 to v3.31.7; every other byte is upstream', () => {
    const r = mergeCalicoManifest({ base: base(), ours: customised(base()), theirs: theirs() })
    // The result is v3.31.7's text with exactly the three customisations spliced in where they stand: the env var
    // after the one that precedes it in the user's list (before upstream's commented-out template for it).
    let expected = replaceOnce(theirs(), '  veth_mtu: "0"', '  veth_mtu: "1440"')
    expected = replaceOnce(expected, REQUESTS, REQUESTS + LIMITS)
    const POOL_COMMENT = '            # The default IPv4 pool to create on startup if none exists.'
    expected = replaceOnce(expected, POOL_COMMENT, CIDR_SET + POOL_COMMENT)
    expect(merged(r)).toBe(expected)
    expect(r.kept).toEqual([
      {
        object: 'ConfigMap kube-system/calico-config',
        path: 'data.veth_mtu',
        change: 'changed',
        value: '1440'
      },
      {
        object: 'DaemonSet kube-system/calico-node',
        path: 'spec.template.spec.containers[name=calico-node].env[name=CALICO_IPV4POOL_CIDR]',
        change: 'added',
        value: { name: 'CALICO_IPV4POOL_CIDR', value: '10.244.0.0/16' }
      },
      {
        object: 'DaemonSet kube-system/calico-node',
        path: 'spec.template.spec.containers[name=calico-node].resources.limits',
        change: 'added',
        value: { memory: '512Mi' }
      }
    ])
  })

  it('merges unchanged data to exactly the new upstream text', () => {
    expect(merged(mergeCalicoManifest({ base: base(), ours: base(), theirs: theirs() }))).toBe(theirs())
  })

  it.each(newerVersions)('takes the v3.21.5 manifest of the seed ConfigMap to %s as upstream wrote it', v => {
    const old = calicoYaml('v3.21.5')
    const r = mergeCalicoManifest({ base: old, ours: old, theirs: calicoYaml(v) })
    expect(merged(r)).toBe(calicoYaml(v))
    expect(r.kept).toEqual([])
  })

  it.each(newerVersions.slice(1))('carries the customisations from v3.26.4 to %s', v => {
    const r = mergeCalicoManifest({ base: base(), ours: customised(base()), theirs: calicoYaml(v) })
    const text = merged(r)
    expect(text).toContain(CIDR_SET)
    expect(text).toContain(REQUESTS + LIMITS)
    expect(text).toContain('  veth_mtu: "1440"')
    expect(text.length).toBe(calicoYaml(v).length + CIDR_SET.length + LIMITS.length + 3)
  })

  it('fails on a field upstream also changed, naming the object and the field', () => {
    const ours = replaceOnce(base(), '"log_level": "info",', '"log_level": "debug",')
    const r = mergeCalicoManifest({ base: base(), ours, theirs: theirs() })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.conflicts).toEqual([
      expect.objectContaining({
        object: 'ConfigMap kube-system/calico-config',
        path: 'data.cni_network_config',
        reason: 'changed in the ConfigMap and upstream, to different values'
      })
    ])
    const e = mergeConflictError(r.conflicts, { file: 'clusters/a/cm-calico.yaml', line: 3 }, '3.31.7')
    expect(e.message).toMatch(/ConfigMap kube-system\/calico-config data\.cni_network_config/)
    expect(e.findings[0]).toMatchObject({
      rule: 'calico/merge-conflict',
      file: 'clusters/a/cm-calico.yaml',
      line: 3
    })
  })

  it('fails on an image tag the user pinned while upstream moved it', () => {
    const ours = replaceOnce(
      base(),
      '        - name: calico-node\n          image: docker.io/calico/node:v3.26.4',
      '        - name: calico-node\n          image: docker.io/calico/node:v3.26.3'
    )
    const r = mergeCalicoManifest({ base: base(), ours, theirs: theirs() })
    expect(r.ok ? [] : r.conflicts.map(c => `${c.object} ${c.path}`)).toEqual([
      'DaemonSet kube-system/calico-node spec.template.spec.containers[name=calico-node].image'
    ])
  })

  it('keeps a private registry prefix with the new tags, also for containers upstream renamed', () => {
    const ours = base().replaceAll('image: docker.io/calico/', 'image: registry.example.com/calico/')
    const text = merged(mergeCalicoManifest({ base: base(), ours, theirs: theirs() }))
    expect(text).toBe(theirs().replaceAll('image: quay.io/calico/', 'image: registry.example.com/calico/'))
  })

  it('lets a user on upstream docker.io follow upstream to quay.io', () => {
    const text = merged(mergeCalicoManifest({ base: base(), ours: base(), theirs: theirs() }))
    expect(text).not.toContain('docker.io/calico/')
    expect(text).toContain('image: quay.io/calico/node:v3.31.7')
  })

  it('keeps objects the user added after upstream, as written', () => {
    const added =
      '# our pool\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: kube-system\ndata:\n  a: "1"'
    const r = mergeCalicoManifest({ base: base(), ours: `${base()}---\n${added}\n`, theirs: theirs() })
    expect(merged(r)).toBe(`${theirs()}---\n${added}\n`)
    expect(r.kept).toEqual([{ object: 'ConfigMap kube-system/extra', path: '', change: 'added' }])
  })

  it('keeps an object deleted when upstream did not change it, and fails when upstream did', () => {
    const drop = (m: string, kind: string, name: string): string => {
      const docs = m.slice('---\n'.length).split('\n---\n')
      const i = docs.findIndex(d => d.includes(`\nkind: ${kind}\n`) && d.includes(`\n  name: ${name}\n`))
      expect(i).toBeGreaterThanOrEqual(0)
      return `---\n${[...docs.slice(0, i), ...docs.slice(i + 1)].join('\n---\n')}`
    }
    const noPdb = drop(base(), 'PodDisruptionBudget', 'calico-kube-controllers')
    const r = mergeCalicoManifest({ base: base(), ours: noPdb, theirs: theirs() })
    expect(merged(r)).toBe(drop(theirs(), 'PodDisruptionBudget', 'calico-kube-controllers'))
    expect(r.kept).toEqual([
      { object: 'PodDisruptionBudget kube-system/calico-kube-controllers', path: '', change: 'removed' }
    ])

    const noRole = drop(base(), 'ClusterRole', 'calico-node')
    const c = mergeCalicoManifest({ base: base(), ours: noRole, theirs: theirs() })
    expect(c.ok ? [] : c.conflicts).toEqual([
      { object: 'ClusterRole calico-node', path: '', reason: 'removed from the ConfigMap, changed upstream' }
    ])
  })

  it('is fast enough for the largest manifest', () => {
    const big = calicoYaml('v3.30.7')
    const ours = customised(base())
    mergeCalicoManifest({ base: base(), ours, theirs: big })
    const start = performance.now()
    const text = merged(mergeCalicoManifest({ base: base(), ours, theirs: big }))
    expect(performance.now() - start).toBeLessThan(1000)
    expect(text.length).toBeGreaterThan(540_000)
  })
})

describe('mergeCalicoManifest field rules', () => {
  const doc = (env: string, extra = '') =>
    [
      'apiVersion: apps/v1',
      'kind: DaemonSet',
      'metadata:',
      '  name: calico-node',
      '  namespace: kube-system',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: calico-node',
      '          image: docker.io/calico/node:v1.0.0',
      '          env:',
      env,
      extra
    ]
      .filter(l => l !== '')
      .join('\n') + '\n'
  const A = '            - name: A\n              value: "a"'
  const B = '            - name: B\n              value: "b"'

  it('removes an env var the user removed, and keeps one upstream added', () => {
    const base = doc(`${A}\n${B}`)
    const ours = doc(B)
    const theirs = doc(`${A}\n${B}\n            - name: C\n              value: "c"`).replace(
      'v1.0.0',
      'v1.1.0'
    )
    const text = merged(mergeCalicoManifest({ base, ours, theirs }))
    expect(text).toBe(
      doc(`${B}\n            - name: C\n              value: "c"`).replace('v1.0.0', 'v1.1.0')
    )
  })

  it('takes the same change from both sides without a conflict', () => {
    const base = doc(A)
    const both = doc(A.replace('"a"', '"z"'))
    expect(merged(mergeCalicoManifest({ base, ours: both, theirs: both }))).toBe(both)
  })

  it('keeps the user text whole for an object upstream left byte-identical', () => {
    const base = doc(A) + '---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n'
    const ours = doc(`${A}   # mine`) + '---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n'
    const theirs =
      doc(A) + '---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n  labels: {a: b}\n'
    expect(merged(mergeCalicoManifest({ base, ours, theirs }))).toBe(
      doc(`${A}   # mine`) +
        '---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n  labels: {a: b}\n'
    )
  })
})
