import { formatLocation, type Finding } from '../errors.js'
import { CLIENT_SIDE_APPLY_MAX_BYTES, CONFIGMAP_MAX_BYTES } from '../kubernetes/limits.js'
import type { RunResult } from '../result.js'
import { isAlreadyFailing } from '../validate/baseline.js'
import { countsLine, detailLines, validationCounts } from './counts.js'
import { pushAll } from '../arrays.js'

/**
 * The job summary (and, later, the PR body) as Markdown. Pure: the same result always renders the same text, so
 * a re-run that changes nothing also leaves the summary identical.
 */

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
const code = (s: string): string => '`' + s.replace(/`/g, "'") + '`'
const show = (v: unknown): string =>
  v === undefined ? '(absent)' : code(typeof v === 'string' ? v : JSON.stringify(v))

export function renderSummary(result: RunResult): string {
  const out: string[] = []
  const title = result.mode === 'validate' ? 'flux-crs-upgrade: validation' : 'flux-crs-upgrade: upgrade'
  out.push(`## ${title}`, '')

  if (result.components.length > 0) {
    out.push('| component | from | to | action | release notes |', '|---|---|---|---|---|')
    for (const c of result.components) {
      const notes = c.releaseNotes ? `[${c.to}](${c.releaseNotes})` : ''
      out.push(
        `| ${c.component} | ${c.from ?? '—'} | ${c.to ?? '—'} | ${esc(c.action)}: ${esc(c.reason)} | ${notes} |`
      )
    }
    out.push('')
  }

  if (result.targets.length > 0) {
    out.push('### Targets', '', '| file | type | from | to | status |', '|---|---|---|---|---|')
    for (const t of result.targets) {
      out.push(`| ${code(t.path)} | ${t.type} | ${t.from ?? '—'} | ${t.to ?? '—'} | ${t.status} |`)
    }
    out.push('')
  }

  if (result.files.length > 0) {
    out.push(
      '### Files changed',
      '',
      '| file | change | bytes | of the 1 MiB ConfigMap limit |',
      '|---|---|---|---|'
    )
    for (const f of result.files) {
      const share =
        f.operation === 'deleted' ? '—' : `${((f.bytes / CONFIGMAP_MAX_BYTES) * 100).toFixed(1)} %`
      const over = f.bytes > CLIENT_SIDE_APPLY_MAX_BYTES ? ' (over 256 KiB: apply server-side)' : ''
      out.push(`| ${code(f.path)} | ${f.operation} | ${f.bytes.toLocaleString('en-US')} | ${share}${over} |`)
    }
    out.push('')
  }

  if (result.configMaps.length > 0) {
    out.push(
      '### ClusterResourceSet ConfigMaps',
      '',
      '| ConfigMap | from | to | file | data of the 1 MiB limit | kept customisations |',
      '|---|---|---|---|---|---|'
    )
    for (const c of result.configMaps) {
      const name = c.newName === c.name ? c.name : `${c.name} → ${c.newName}`
      const file = c.renamedTo ? `${code(c.file)} → ${code(c.renamedTo)}` : code(c.file)
      const parts = c.parts
        .map(
          p =>
            `${c.parts.length > 1 ? `${p.name}: ` : ''}${((p.bytes / CONFIGMAP_MAX_BYTES) * 100).toFixed(1)} %`
        )
        .join(', ')
      const kept =
        c.kept.length === 0 ? '—' : c.kept.map(k => `${esc(k.object)} ${code(k.path)}`).join('<br>')
      out.push(`| ${esc(name)} | ${c.from} | ${c.to} | ${file} | ${parts} | ${kept} |`)
    }
    out.push('')
    pushAll(
      out,
      result.configMaps.flatMap(c => c.notes.map(n => `- ${code(c.file)}: ${esc(n)}`))
    )
    if (result.references.length > 0) {
      out.push('References that follow the new names:', '')
      for (const r of result.references)
        out.push(`- ${code(`${r.file}:${r.line}`)}: ${code(r.from)} → ${code(r.to)}`)
      out.push('')
    }
  }

  if (result.migrated.length > 0) {
    out.push('### Migrated objects', '', '| file | object | from | to |', '|---|---|---|---|')
    for (const m of result.migrated) {
      const where = m.line ? `${m.file}:${m.line}` : m.file
      const obj = `${m.kind}/${m.namespace ? `${m.namespace}/` : ''}${m.name}`
      out.push(`| ${code(where)} | ${esc(obj)} | ${code(m.from)} | ${code(m.to)} |`)
    }
    out.push('')
  }

  const drifted = result.targets.filter(t => t.drift.length > 0)
  if (drifted.length > 0) {
    out.push(
      '### Hand edits replaced by the regeneration',
      '',
      'These files differed from what `flux install` produces for their header version and options. The new file does not keep the edits below; if they were intended, move them to a kustomize patch.',
      ''
    )
    out.push('| file | object | field | `flux install` gives | the file had |', '|---|---|---|---|---|')
    for (const t of drifted) {
      for (const d of t.drift) {
        const where = d.line ? `${t.path}:${d.line}` : t.path
        out.push(
          `| ${code(where)} | ${esc(`${d.kind}/${d.name}`)} | ${code(d.path)} | ${esc(show(d.was))} | ${esc(show(d.now))} |`
        )
      }
    }
    out.push('')
  }

  pushAll(out, renderFindings(result.findings))
  const counts = validationCounts(result)
  out.push(countsLine(counts))
  for (const line of counts.notChecked) out.push(`- ${esc(line)}`)
  const details = detailLines(counts, '- ')
  if (details.length > 0) out.push('', ...details.map(l => (l.startsWith('- ') ? `- ${esc(l.slice(2))}` : l)))
  out.push('')

  if (result.tools.length > 0) {
    out.push(
      `Tools: ${result.tools.map(t => `${t.tool} ${t.version} (${t.downloaded ? 'downloaded, verified' : 'from the tool cache'})`).join(', ')}.`,
      ''
    )
  }
  for (const n of result.notes) out.push(`> ${n}`, '')
  pushAll(out, renderPullRequests(result))
  return out.join('\n')
}

/** Each pull request the run created, updated or closed, with its whole body (the pull request's may be cut). */
function renderPullRequests(result: RunResult): string[] {
  if (result.pullRequests.length === 0) return []
  const out = ['### Pull requests', '', '| branch | pull request | operation |', '|---|---|---|']
  for (const p of result.pullRequests) {
    const link = p.url ? `[#${p.number}](${p.url})` : '—'
    out.push(`| ${code(p.branch ?? p.component)} | ${link} | ${p.operation} |`)
  }
  out.push('')
  for (const p of result.pullRequests) {
    if (p.body === undefined) continue
    out.push(`#### ${esc(p.title ?? p.component)}`, '', p.body, '')
  }
  return out
}

export function renderFindings(all: Finding[]): string[] {
  const already = all.filter(isAlreadyFailing)
  const findings = all.filter(f => !isAlreadyFailing(f))
  const out = ['### Validation', '']
  const count = (s: Finding['severity']) => findings.filter(f => f.severity === s).length
  if (findings.length === 0) out.push('No findings.', '')
  else
    out.push(
      `${count('error')} error(s), ${count('warning')} warning(s), ${count('notice')} notice(s).`,
      '',
      ...findingsTable(findings)
    )
  if (already.length > 0)
    out.push(
      '### Already failing before this upgrade',
      '',
      `${already.length} error(s) the repository had before this upgrade, against the CRDs it had: reported as warnings, they do not stop it.`,
      '',
      ...findingsTable(already)
    )
  return out
}

function findingsTable(findings: readonly Finding[]): string[] {
  const out = ['| severity | where | rule | finding | what to do |', '|---|---|---|---|---|']
  for (const f of findings) {
    out.push(
      `| ${f.severity} | ${code(formatLocation(f) || '—')} | ${f.rule} | ${esc(f.message)} | ${esc(f.hint ?? '')} |`
    )
  }
  out.push('')
  return out
}
