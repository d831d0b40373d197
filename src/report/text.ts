import { formatLocation, type Finding } from '../errors.js'
import type { RunResult } from '../result.js'
import type { InitResult } from '../init/init.js'
import { inInterface } from '../settings/names.js'
import { countsLine, detailLines, validationCounts } from './counts.js'
import { pushAll } from '../arrays.js'

/**
 * The CLI's plain summary on stdout: one line per fact, findings as `file:line: severity rule: message`, every
 * engine text in the CLI's words (flags and environment variables, not action inputs).
 */
export function renderText(result: RunResult, options: { check?: boolean } = {}): string {
  const cli = (s: string) => inInterface(s, 'cli')
  const lines: string[] = []
  for (const c of result.components)
    lines.push(`${c.component}: ${c.from ?? 'none'} -> ${c.to ?? 'none'} (${c.action}: ${cli(c.reason)})`)
  for (const t of result.targets)
    lines.push(`target ${t.path} [${t.type}] ${t.from ?? '?'} -> ${t.to ?? '?'}: ${t.status}`)
  for (const f of result.files) {
    const verb = options.check ? `would be ${f.operation}:` : `${f.operation}`
    lines.push(`${verb} ${f.path} (${f.bytes} bytes)`)
  }
  for (const c of result.configMaps) {
    const parts = c.parts.map(p => `${p.name} ${p.bytes} bytes`).join(', ')
    lines.push(
      `configmap ${c.file}${c.renamedTo ? ` -> ${c.renamedTo}` : ''} ${c.name}${c.newName !== c.name ? ` -> ${c.newName}` : ''} ${c.from} -> ${c.to}: ${c.status} (${parts}; limit 1048576)`
    )
    for (const k of c.kept) lines.push(`  kept ${k.object} ${k.path}`)
    for (const n of c.notes) lines.push(`  note ${n}`)
  }
  for (const r of result.references) lines.push(`reference ${r.file}:${r.line} ${r.from} -> ${r.to}`)
  for (const m of result.migrated)
    lines.push(`migrated ${m.file}${m.line ? `:${m.line}` : ''} ${m.kind}/${m.name} ${m.from} -> ${m.to}`)
  for (const t of result.targets)
    for (const d of t.drift)
      lines.push(`drift ${t.path}${d.line ? `:${d.line}` : ''} ${d.kind}/${d.name} ${d.path}`)
  pushAll(lines, result.findings.map(findingLine))
  const counts = validationCounts(result)
  lines.push(countsLine(counts), ...counts.notChecked.map(l => `  ${l}`), ...detailLines(counts, '  '))
  pushAll(lines, result.notes.map(cli))
  if (options.check && result.changed)
    lines.push(`${result.files.length} file(s) would change: run upgrade without --check to write them.`)
  return lines.join('\n') + '\n'
}

/** One finding on one line, in the CLI's words. */
export function findingLine(f: Finding): string {
  const where = formatLocation(f, 'cli')
  const hint = f.hint ? ` (${inInterface(f.hint, 'cli')})` : ''
  return `${where ? `${where}: ` : ''}${f.severity} ${f.rule}: ${inInterface(f.message, 'cli')}${hint}`
}

/** init's summary: the versions, each file and what happened to it, the findings, then the notes. */
export function renderInitText(result: InitResult): string {
  const lines = [
    `init ${result.directory}: flux ${result.flux.version}` +
      (result.calico ? `, calico ${result.calico.version}` : '') +
      (result.clusterResourceSet ? `, ClusterResourceSet ${result.clusterResourceSet}` : '')
  ]
  for (const f of result.files) lines.push(`${f.operation} ${f.path} (${f.bytes} bytes)`)
  pushAll(lines, result.findings.map(findingLine))
  const counts = validationCounts(result)
  lines.push(countsLine(counts), ...counts.notChecked.map(l => `  ${l}`))
  pushAll(
    lines,
    result.notes.map(s => inInterface(s, 'cli'))
  )
  return lines.join('\n') + '\n'
}
