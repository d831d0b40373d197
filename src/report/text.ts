import { formatLocation, type Finding } from '../errors.js'
import type { RunResult } from '../result.js'

/** The CLI's plain summary on stdout: one line per fact, findings as `file:line: severity rule: message`. */
export function renderText(result: RunResult): string {
  const lines: string[] = []
  for (const c of result.components)
    lines.push(`${c.component}: ${c.from ?? 'none'} -> ${c.to ?? 'none'} (${c.action}: ${c.reason})`)
  for (const t of result.targets)
    lines.push(`target ${t.path} [${t.type}] ${t.from ?? '?'} -> ${t.to ?? '?'}: ${t.status}`)
  for (const f of result.files) lines.push(`${f.operation} ${f.path} (${f.bytes} bytes)`)
  for (const m of result.migrated)
    lines.push(`migrated ${m.file}${m.line ? `:${m.line}` : ''} ${m.kind}/${m.name} ${m.from} -> ${m.to}`)
  for (const t of result.targets)
    for (const d of t.drift)
      lines.push(`drift ${t.path}${d.line ? `:${d.line}` : ''} ${d.kind}/${d.name} ${d.path}`)
  lines.push(...result.findings.map(findingLine))
  const errors = result.findings.filter(f => f.severity === 'error').length
  const warnings = result.findings.filter(f => f.severity === 'warning').length
  lines.push(`${result.validation.resources} object(s) validated: ${errors} error(s), ${warnings} warning(s)`)
  lines.push(...result.notes)
  return lines.join('\n') + '\n'
}

export function findingLine(f: Finding): string {
  const where = formatLocation(f)
  return `${where ? `${where}: ` : ''}${f.severity} ${f.rule}: ${f.message}${f.hint ? ` (${f.hint})` : ''}`
}
