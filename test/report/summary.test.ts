import { renderSummary } from '../../src/report/summary.js'
import { findingLine, renderText } from '../../src/report/text.js'
import type { RunResult } from '../../src/result.js'

const result: RunResult = {
  mode: 'upgrade',
  dryRun: true,
  changed: true,
  written: true,
  components: [
    {
      component: 'flux',
      from: '2.7.5',
      to: '2.9.3',
      action: 'upgrade',
      reason: 'upgrade 2.7.5 → 2.9.3',
      releaseNotes: 'https://github.com/fluxcd/flux2/releases/tag/v2.9.3'
    }
  ],
  targets: [
    {
      path: 'clusters/a/gotk-components.yaml',
      type: 'flux-components',
      component: 'flux',
      from: '2.7.5',
      to: '2.9.3',
      status: 'upgraded',
      drift: [
        {
          kind: 'Deployment',
          name: 'source-controller',
          path: 'spec.template.spec.containers[0].image',
          was: 'ghcr.io/fluxcd/source-controller:v1.7.4',
          now: 'ghcr.io/fluxcd/source-controller:v1.8.0',
          line: 4498
        }
      ]
    }
  ],
  files: [
    {
      path: 'clusters/a/gotk-components.yaml',
      operation: 'modified',
      bytes: 269777,
      components: ['flux'],
      reasons: ['regenerated']
    }
  ],
  configMaps: [
    {
      component: 'calico',
      file: 'capi/cm-calico-v3.21.yaml',
      name: 'calico-cni',
      from: '3.21.5',
      to: '3.31.7',
      renamedTo: 'capi/cm-calico-v3.31.yaml',
      newName: 'calico-cni',
      keys: [{ key: 'calico-v3.21.yaml', renamedTo: 'calico-v3.31.yaml' }],
      parts: [{ name: 'calico-cni', bytes: 332098 }],
      kept: [{ object: 'ConfigMap/kube-system/calico-config', path: 'data.veth_mtu', change: 'changed' }],
      notes: [],
      status: 'upgraded'
    }
  ],
  references: [
    {
      file: 'capi/kustomization.yaml',
      line: 6,
      kind: 'file',
      from: 'cm-calico-v3.21.yaml',
      to: 'cm-calico-v3.31.yaml'
    }
  ],
  migrated: [
    {
      file: 'clusters/a/gotk-sync.yaml',
      line: 3,
      kind: 'GitRepository',
      name: 'flux-system',
      namespace: 'flux-system',
      from: 'source.toolkit.fluxcd.io/v1beta2',
      to: 'source.toolkit.fluxcd.io/v1'
    }
  ],
  findings: [
    {
      severity: 'warning',
      file: 'infra/crs.yaml',
      line: 7,
      rule: 'crs/apply-once',
      message: 'strategy ApplyOnce | never re-applied',
      hint: 'Use Reconcile.'
    }
  ],
  validation: {
    resources: 41,
    skipped: [
      {
        apiVersion: 'cluster.x-k8s.io/v1beta1',
        kind: 'Cluster',
        count: 2,
        reason: 'no CRD in the repository'
      }
    ],
    schemas: [
      { source: 'Kubernetes API (built in)', objects: 30 },
      { source: 'flux install --export (flux v2.9.3)', objects: 11 }
    ],
    groups: [
      { group: 'cluster.x-k8s.io', validated: 0, skipped: 2 },
      { group: 'core', validated: 30, skipped: 0 },
      { group: 'source.toolkit.fluxcd.io', validated: 11, skipped: 0 }
    ]
  },
  tools: [{ tool: 'flux', version: '2.9.3', downloaded: true }],
  fluxInstallRuns: 1,
  pullRequests: [],
  notes: ['dry-run: wrote 1 file(s)']
}

describe('renderSummary', () => {
  const md = renderSummary(result)

  it('lists the errors the repository had before the upgrade in their own section, apart from the others', () => {
    const already = {
      severity: 'warning' as const,
      rule: 'object/missing-field',
      file: 'apps/broken.yaml',
      line: 3,
      message: 'GitRepository has no metadata.name (already failing before this upgrade)'
    }
    const out = renderSummary({ ...result, findings: [...result.findings, already] })
    const section = out.slice(out.indexOf('### Already failing before this upgrade'))
    expect(section).toContain('1 error(s) the repository had before this upgrade')
    expect(section).toContain('| warning | `apps/broken.yaml:3` | object/missing-field |')
    expect(out.slice(0, out.indexOf('### Already failing'))).not.toContain('apps/broken.yaml')
    expect(md).not.toContain('### Already failing')
  })

  it('has the version table with the release notes link', () => {
    expect(md).toContain(
      '| flux | 2.7.5 | 2.9.3 | upgrade: upgrade 2.7.5 → 2.9.3 | [2.9.3](https://github.com/fluxcd/flux2/releases/tag/v2.9.3) |'
    )
  })

  it('measures each file against the ConfigMap limit and flags the client-side apply limit', () => {
    expect(md).toContain(
      '| `clusters/a/gotk-components.yaml` | modified | 269,777 | 25.7 % (over 256 KiB: apply server-side) |'
    )
  })

  it('lists each ConfigMap with its rename, size against the limit, kept customisations and references', () => {
    expect(md).toContain(
      '| calico-cni | 3.21.5 | 3.31.7 | `capi/cm-calico-v3.21.yaml` → `capi/cm-calico-v3.31.yaml` | 31.7 % | ConfigMap/kube-system/calico-config `data.veth_mtu` |'
    )
    expect(md).toContain('- `capi/kustomization.yaml:6`: `cm-calico-v3.21.yaml` → `cm-calico-v3.31.yaml`')
  })

  it('lists migrated objects, hand edits and findings with their lines', () => {
    expect(md).toContain(
      '| `clusters/a/gotk-sync.yaml:3` | GitRepository/flux-system/flux-system | `source.toolkit.fluxcd.io/v1beta2` | `source.toolkit.fluxcd.io/v1` |'
    )
    expect(md).toContain(
      '`clusters/a/gotk-components.yaml:4498` | Deployment/source-controller | `spec.template.spec.containers[0].image` | `ghcr.io/fluxcd/source-controller:v1.7.4` | `ghcr.io/fluxcd/source-controller:v1.8.0`'
    )
    // A pipe inside a message must not break the table.
    expect(md).toContain(
      '| warning | `infra/crs.yaml:7` | crs/apply-once | strategy ApplyOnce \\| never re-applied | Use Reconcile. |'
    )
    expect(md).toContain('0 error(s), 1 warning(s), 0 notice(s).')
    expect(md).toContain('Validated 41 object(s): 0 error(s), 1 warning(s); 2 not checked:')
  })

  it('is deterministic', () => {
    expect(renderSummary(structuredClone(result))).toBe(md)
  })
})

describe('renderText', () => {
  it('prints one line per fact for the CLI', () => {
    const text = renderText(result)
    expect(text).toContain('flux: 2.7.5 -> 2.9.3 (upgrade: upgrade 2.7.5 → 2.9.3)')
    expect(text).toContain(
      'migrated clusters/a/gotk-sync.yaml:3 GitRepository/flux-system source.toolkit.fluxcd.io/v1beta2 -> source.toolkit.fluxcd.io/v1'
    )
    expect(text).toContain('Validated 41 object(s): 0 error(s), 1 warning(s); 2 not checked:')
  })

  it('formats a finding as file:line: severity rule: message (hint)', () => {
    expect(findingLine(result.findings[0])).toBe(
      'infra/crs.yaml:7: warning crs/apply-once: strategy ApplyOnce | never re-applied (Use Reconcile.)'
    )
    expect(findingLine({ severity: 'error', rule: 'run/input', message: 'bad', input: 'flux-version' })).toBe(
      '--flux-version: error run/input: bad'
    )
  })

  it('says what was not checked and why, as the job summary does', () => {
    const text = renderText(result)
    const md = renderSummary(result)
    for (const s of result.validation.skipped) {
      const line = `${s.apiVersion} ${s.kind} × ${s.count}: ${s.reason}`
      expect(text).toContain(`  ${line}\n`)
      expect(md).toContain(`- ${line}\n`)
    }
  })

  it('names where each schema set came from and counts objects by API group, as the job summary does', () => {
    const text = renderText(result)
    const md = renderSummary(result)
    expect(text).toContain(
      'Schemas:\n  Kubernetes API (built in): 30 object(s)\n  flux install --export (flux v2.9.3): 11 object(s)\n'
    )
    expect(text).toContain(
      'By API group:\n  cluster.x-k8s.io: 0 validated, 2 not checked\n  core: 30 validated\n'
    )
    expect(md).toContain(
      'Schemas:\n- Kubernetes API (built in): 30 object(s)\n- flux install --export (flux v2.9.3): 11 object(s)\n'
    )
    expect(md).toContain('- cluster.x-k8s.io: 0 validated, 2 not checked\n')
  })

  it('speaks in CLI words: flags and environment variables, not action inputs', () => {
    const text = renderText({
      ...result,
      findings: [
        {
          severity: 'error',
          rule: 'run/network',
          message: 'releases-api-url answered 401',
          hint: 'Check releases-token (or `token`), or fix the config input.',
          input: 'releases-api-url'
        }
      ]
    })
    expect(text).toContain(
      '--releases-api-url: error run/network: --releases-api-url answered 401 (Check RELEASES_TOKEN (or GITHUB_TOKEN), or fix --config.)'
    )
  })
})
