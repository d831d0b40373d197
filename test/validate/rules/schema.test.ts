import yaml from 'js-yaml'
import { validateRepository } from '../../../src/validate/validator.js'
import { widgetCrdText as widgetCrd } from '../../helpers/crds.js'

const widget = (field: string) =>
  `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  ${field}: 1\n`

const unknownFields = (files: { path: string; content: string }[], upgradedCrds?: unknown[]) =>
  validateRepository({ files, upgradedCrds })
    .findings.filter(f => f.rule.startsWith('schema/') || f.rule.startsWith('upgrade/'))
    .map(f => [f.file, f.rule])

describe('which CRD a custom resource is checked against', () => {
  it('uses the CRD of its own bundle first: a Flux ConfigMap installs its CRDs with its sync objects', () => {
    const bundle = `${widgetCrd('own')}---\n${widget('own')}`
    expect(
      unknownFields([{ path: 'a/bundle.yaml', content: bundle }], yaml.loadAll(widgetCrd('upgraded')))
    ).toEqual([])
  })

  it('uses the upgraded CRDs for objects outside the directory of any repository CRD', () => {
    const files = [
      { path: 'apps/widget.yaml', content: widget('upgraded') },
      { path: 'crds/widgets.yaml', content: widgetCrd('stale') }
    ]
    expect(unknownFields(files, yaml.loadAll(widgetCrd('upgraded')))).toEqual([])
    expect(unknownFields(files)).toEqual([['apps/widget.yaml', 'schema/unknown-field']])
  })

  it('keeps a cluster the upgrade leaves alone on the CRDs of its own directory', () => {
    const files = [
      { path: 'clusters/old/flux-system/crds.yaml', content: widgetCrd('old') },
      { path: 'clusters/old/apps/widget.yaml', content: widget('old') },
      { path: 'apps/widget.yaml', content: widget('old') }
    ]
    expect(unknownFields(files, yaml.loadAll(widgetCrd('new')))).toEqual([
      ['apps/widget.yaml', 'schema/unknown-field']
    ])
  })

  it('treats the CRDs of a file the run wrote as the upgrade', () => {
    const files = [
      { path: 'clusters/dev/flux-system/crds.yaml', content: widgetCrd('size', 'v2') },
      { path: 'clusters/dev/apps/widget.yaml', content: widget('size') }
    ]
    const r = validateRepository({ files, written: ['clusters/dev/flux-system/crds.yaml'] })
    expect(r.findings.map(f => [f.file, f.rule])).toEqual([
      ['clusters/dev/apps/widget.yaml', 'upgrade/version-not-served']
    ])
  })

  it('skips a custom resource no CRD describes, and counts it', () => {
    const r = validateRepository({ files: [{ path: 'w.yaml', content: widget('any') }] })
    expect(r.findings).toEqual([])
    expect(r.skipped).toEqual([
      {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        count: 1,
        reason: expect.stringContaining('no CRD'),
        files: ['w.yaml']
      }
    ])
  })
})

describe('template placeholders', () => {
  it('does not judge a value that is a ${...} placeholder, but still judges the rest', () => {
    const content = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      'spec:',
      '  replicas: ${REPLICAS}',
      '  paused: "no"',
      '  selector: {matchLabels: {app: web}}',
      '  template:',
      '    metadata: {labels: {app: web}}',
      '    spec: {containers: [{name: web, image: nginx}]}',
      ''
    ].join('\n')
    const r = validateRepository({ files: [{ path: 'd.yaml', content }] })
    expect(r.findings.map(f => [f.rule, f.line])).toEqual([['schema/type', 7]])
  })
})
