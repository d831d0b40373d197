import { formatLocation, type Finding } from '../errors.js'
import type { ComponentOutcome, FileOutcome, MigratedObject, TargetOutcome } from '../result.js'
import type { AfterMerge } from './after-merge.js'

/**
 * The pull request body: what changes, why it is safe, and what happens after merge. Pure and deterministic (no
 * time, no run id): a run that finds nothing new renders the same text, and then writes nothing. GitHub refuses a
 * body over 65,536 characters; long lists are cut first, with a pointer to the job summary and the JSON report
 * that hold them whole.
 */

export const BODY_LIMIT = 65_536
const CONFIGMAP_LIMIT = 1_048_576
const CLIENT_SIDE_LIMIT = 262_144

export interface BodyInput {
  /** The branch's unit: a component, or `all` with `group`. */
  unit: string
  base: string
  components: ComponentOutcome[]
  files: FileOutcome[]
  migrated: MigratedObject[]
  targets: TargetOutcome[]
  /** Validation findings of what the pull request merges (errors never reach a pull request). */
  findings: Finding[]
  afterMerge: AfterMerge
}

/** The hidden line by which a later run knows the pull request as its own. */
export const marker = (unit: string): string => `<!-- flux-crs-upgrade:${unit} -->`

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
const code = (s: string): string => '`' + s.replace(/`/g, "'") + '`'

export function pullRequestTitle(components: readonly ComponentOutcome[]): string {
  const moving = components.filter(c => c.to && c.from !== c.to)
  const shown = (moving.length ? moving : components.filter(c => c.to)).map(c =>
    c.from && c.from !== c.to ? `${c.component} from ${c.from} to ${c.to}` : `${c.component} ${c.to}`
  )
  return shown.length ? `Upgrade ${shown.join(' and ')}` : 'Upgrade Flux and Calico manifests'
}

/** The body, at most `limit` characters; `rows` caps each list (Infinity: the whole report, for the job summary). */
export function renderPullRequestBody(input: BodyInput, limit = BODY_LIMIT): string {
  for (const rows of [Infinity, 200, 50, 10, 0]) {
    const text = render(input, rows)
    if (text.length <= limit) return text
  }
  const end = `\n\n…cut to fit GitHub's limit: the job summary and the JSON report have it all.\n\n${marker(input.unit)}\n`
  const head = render(input, 0).slice(0, Math.max(0, limit - end.length))
  return head.slice(0, Math.max(0, head.lastIndexOf('\n'))) + end
}

function capped<T>(items: readonly T[], rows: number, line: (t: T) => string, out: string[]): void {
  for (const item of items.slice(0, rows)) out.push(line(item))
  if (items.length > rows) {
    out.push('', `…and ${items.length - rows} more: see the job summary and the JSON report of the run.`)
  }
}

function render(input: BodyInput, rows: number): string {
  const out: string[] = []
  out.push(
    `This pull request regenerates the ${input.components.map(c => c.component).join(' and ')} manifests of this repository with the upstream tools, and was validated before it was opened.`,
    ''
  )
  out.push('| component | from | to | release notes |', '|---|---|---|---|')
  for (const c of input.components) {
    const notes = c.releaseNotes ? `[${c.to}](${c.releaseNotes})` : '—'
    out.push(`| ${c.component} | ${c.from ?? '—'} | ${c.to ?? '—'} | ${notes} |`)
  }
  out.push('')

  out.push(
    '### Files changed',
    '',
    '| file | change | bytes | of the 1 MiB ConfigMap limit |',
    '|---|---|---|---|'
  )
  capped(
    input.files,
    rows,
    f => {
      const share = f.operation === 'deleted' ? '—' : `${((f.bytes / CONFIGMAP_LIMIT) * 100).toFixed(1)} %`
      const over = f.bytes > CLIENT_SIDE_LIMIT ? ' (over 256 KiB: apply server-side)' : ''
      return `| ${code(f.path)} | ${f.operation} (${f.reasons.join(', ')}) | ${f.bytes.toLocaleString('en-US')} | ${share}${over} |`
    },
    out
  )
  out.push('')

  const renamed = input.files.filter(f => f.renamedFrom)
  const followed = input.files.filter(f => f.reasons.includes('reference-followed'))
  if (renamed.length || followed.length) {
    out.push('### Renamed files', '')
    capped(renamed, rows, f => `- ${code(f.renamedFrom!)} → ${code(f.path)}`, out)
    if (followed.length) {
      out.push('', 'References that followed the new names:', '')
      capped(followed, rows, f => `- ${code(f.path)}`, out)
    }
    out.push('')
  }

  if (input.migrated.length) {
    out.push('### Migrated objects', '', '| file | object | from | to |', '|---|---|---|---|')
    capped(
      input.migrated,
      rows,
      m => {
        const where = m.line ? `${m.file}:${m.line}` : m.file
        return `| ${code(where)} | ${esc(`${m.kind}/${m.namespace ? `${m.namespace}/` : ''}${m.name}`)} | ${code(m.from)} | ${code(m.to)} |`
      },
      out
    )
    out.push('')
  }

  const kept = input.targets.filter(t => t.installArgs && t.installArgs.length > 0)
  if (kept.length) {
    out.push(
      '### Kept customisations',
      '',
      'Install options read back from each file and given to `flux install` again:',
      ''
    )
    capped(kept, rows, t => `- ${code(t.path)}: ${t.installArgs!.map(code).join(' ')}`, out)
    out.push('')
  }
  const drifted = input.targets.filter(t => t.drift.length > 0)
  if (drifted.length) {
    out.push(
      '### Hand edits replaced',
      '',
      'These differed from what `flux install` gives for their version and options; move intended edits to a kustomize patch.',
      ''
    )
    capped(
      drifted.flatMap(t => t.drift.map(d => ({ t, d }))),
      rows,
      ({ t, d }) =>
        `- ${code(d.line ? `${t.path}:${d.line}` : t.path)} ${esc(`${d.kind}/${d.name}`)} ${code(d.path)}`,
      out
    )
    out.push('')
  }

  const shown = input.findings.filter(f => f.severity !== 'error')
  out.push('### Validation', '')
  if (shown.length === 0) out.push('No findings: every object validated against its schema.')
  else {
    out.push('| severity | where | rule | finding |', '|---|---|---|---|')
    capped(
      shown,
      rows,
      f => `| ${f.severity} | ${code(formatLocation(f) || '—')} | ${f.rule} | ${esc(f.message)} |`,
      out
    )
  }
  out.push('')

  out.push('### After merge', '')
  const a = input.afterMerge
  capped(
    a.flux,
    rows,
    f =>
      `- ${code(f.file)}: the Flux Kustomization ${code(f.kustomization)} (${code(f.definedIn)}, path ${code(f.path)}) applies it on the cluster that runs it${f.interval ? ` within ${f.interval}` : ''}.`,
    out
  )
  capped(
    a.clusterResourceSets,
    rows,
    c => {
      const what = c.resources.map(r => `${r.kind} ${code(r.name)}`).join(', ')
      const who = c.clusters.length
        ? `${c.clusters.length} Cluster object(s) (${c.selector}): ${c.clusters.map(code).join(', ')}`
        : `no Cluster object in this repository (${c.selector})`
      return c.strategy === 'Reconcile'
        ? `- ClusterResourceSet ${code(c.clusterResourceSet)} (Reconcile) re-applies ${what} to the existing and new clusters it selects: ${who}.`
        : `- ClusterResourceSet ${code(c.clusterResourceSet)} (ApplyOnce) gives ${what} to clusters created after the merge only; clusters that exist keep what they got. It selects ${who}.`
    },
    out
  )
  if (a.unapplied.length) {
    out.push('', 'Nothing in this repository applies these files (a Flux Kustomization elsewhere may):', '')
    capped(a.unapplied, rows, f => `- ${code(f)}`, out)
  }
  out.push('', marker(input.unit), '')
  return out.join('\n')
}
