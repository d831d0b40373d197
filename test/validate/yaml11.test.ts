import { validateRepository } from '../../src/validate/validator.js'
import { fixturesDir, haveFixtures } from './schema/fixtures.js'
import fs from 'node:fs'
import path from 'node:path'
import { parseDocuments } from '../../src/yaml/documents.js'

/**
 * Booleans as the applier's decoder reads them. The ClusterResourceSet controller decodes ConfigMap data with
 * sigs.k8s.io/yaml (YAML 1.1: unquoted `on` and `yes` are booleans); kustomize (kustomize-controller, `kubectl
 * kustomize`) reads them as strings and writes them back quoted, so a file Flux applies keeps the string.
 */

const describeIf = haveFixtures ? describe : describe.skip
if (!haveFixtures) console.log(`YAML 1.1 boolean tests skipped: ${fixturesDir} is absent`)

const fluxCrds = () =>
  parseDocuments(
    fs.readFileSync(path.join(fixturesDir, 'flux', 'v2.7.5', 'default', 'gotk-components.yaml'), 'utf8'),
    'flux install'
  )
    .map(d => d.value as Record<string, unknown>)
    .filter(v => v?.kind === 'CustomResourceDefinition')

const deployment = (value: string) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    '  namespace: default',
    'spec:',
    '  selector:',
    '    matchLabels: {app: web}',
    '  template:',
    '    metadata:',
    '      labels: {app: web}',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: nginx:1.27',
    '          env:',
    '            - name: FEATURE',
    `              value: ${value}`
  ].join('\n')

const fluxKustomization = (suspend: string) =>
  [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    '  name: apps',
    '  namespace: flux-system',
    'spec:',
    '  interval: 10m',
    '  path: ./apps',
    '  prune: true',
    `  suspend: ${suspend}`,
    '  sourceRef:',
    '    kind: GitRepository',
    '    name: flux-system'
  ].join('\n')

/** A ConfigMap whose data a ClusterResourceSet applies to workload clusters. */
const configMap = (manifest: string) =>
  [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: addons',
    '  namespace: default',
    'data:',
    '  addons.yaml: |',
    ...manifest.split('\n').map(l => `    ${l}`),
    ''
  ].join('\n')

const errorsOf = (files: Record<string, string>) =>
  validateRepository({
    files: Object.entries(files).map(([p, content]) => ({ path: p, content })),
    crdSources: [{ name: 'flux install --export (flux v2.7.5)', crds: fluxCrds() }]
  })
    .findings.filter(f => f.severity === 'error')
    .map(f => [f.rule, f.file, f.line, f.message])

describeIf('YAML 1.1 booleans, as the applier reads them', () => {
  it('an unquoted on as an env value in ConfigMap data is a boolean, which the API server rejects', () => {
    const errors = errorsOf({ 'addons/cm.yaml': configMap(deployment('on')) })
    expect(errors).toEqual([['schema/type', 'addons/cm.yaml', 25, expect.stringContaining('string')]])
  })

  it('a quoted "on" there stays a string', () => {
    expect(errorsOf({ 'addons/cm.yaml': configMap(deployment('"on"')) })).toEqual([])
  })

  it('suspend: yes on a Flux Kustomization in ConfigMap data is a boolean, which is valid', () => {
    expect(errorsOf({ 'addons/cm.yaml': configMap(fluxKustomization('yes')) })).toEqual([])
    expect(errorsOf({ 'addons/cm.yaml': configMap(fluxKustomization('"yes"')) })).toEqual([
      ['schema/type', 'addons/cm.yaml', 17, expect.stringContaining('boolean')]
    ])
  })

  it('in a file kustomize builds, an unquoted on is the string kustomize writes back quoted', () => {
    expect(errorsOf({ 'apps/web.yaml': deployment('on') })).toEqual([])
    expect(errorsOf({ 'apps/ks.yaml': fluxKustomization('yes') })).toEqual([
      ['schema/type', 'apps/ks.yaml', 10, expect.stringContaining('boolean')]
    ])
  })

  it('the data of a ConfigMap kustomize builds keeps an unquoted on as the string it is', () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n  namespace: default\ndata:\n  a: on\n'
    expect(errorsOf({ 'apps/cm.yaml': cm })).toEqual([])
  })
})
