import { readFileSync } from 'node:fs'
import yaml from 'js-yaml'

/**
 * The README's inputs and outputs tables are action.yml's, kept equal by this test: the same names in the same
 * order, the same defaults (`empty` for an empty one), and each description starting with the first sentence of
 * action.yml's (the README may go on). The workflows the README shows are the files in examples/: a block that opens
 * with `# examples/<file>` is that file, or a run of its lines.
 */
const readme = readFileSync('README.md', 'utf8')
const actionYml = readFileSync('action.yml', 'utf8')

interface Spec {
  description: string
  default?: unknown
}

/** Up to the first full stop that a capital, a backtick or a parenthesis follows (so `e.g. github.com` stays). */
const firstSentence = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim()
  return /^(.*?[.!?])(?=\s+[A-Z`(]|$)/.exec(flat)?.[1] ?? flat
}

/** The rows of the first table under `## <heading>`, as cells. */
function tableRows(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n## ${heading}\n`)
  if (start < 0) return []
  const end = markdown.indexOf('\n## ', start + 1)
  const lines = markdown.slice(start, end < 0 ? undefined : end).split('\n')
  const first = lines.findIndex(l => l.startsWith('|'))
  if (first < 0) return []
  const table: string[] = []
  for (const l of lines.slice(first)) {
    if (!l.startsWith('|')) break
    table.push(l)
  }
  return table.slice(2).map(l =>
    l
      .slice(1, -1)
      .split('|')
      .map(c => c.trim())
  )
}

const unquote = (cell: string): string | undefined => /^`([^`]*)`$/.exec(cell)?.[1]

/** What differs between README's tables and action.yml, one line each; empty when they agree. */
function tableDifferences(markdown: string, action: string): string[] {
  const doc = yaml.load(action) as { inputs: Record<string, Spec>; outputs: Record<string, Spec> }
  const out: string[] = []
  const compare = (heading: string, declared: Record<string, Spec>, withDefault: boolean) => {
    const rows = tableRows(markdown, heading)
    const names = rows.map(r => unquote(r[0]) ?? r[0])
    if (names.join() !== Object.keys(declared).join()) {
      out.push(
        `${heading}: README lists ${names.join(', ')}; action.yml declares ${Object.keys(declared).join(', ')}`
      )
    }
    for (const [i, row] of rows.entries()) {
      const spec = declared[names[i]]
      if (!spec) continue
      if (withDefault) {
        const want = String(spec.default ?? '')
        const got = row[1] === 'empty' ? '' : unquote(row[1])
        if (got !== want)
          out.push(`${heading}: ${names[i]} defaults to "${want}" in action.yml, README says ${row[1]}`)
      }
      const description = (withDefault ? row[2] : row[1]) ?? ''
      const sentence = firstSentence(spec.description)
      if (!description.startsWith(sentence)) {
        out.push(`${heading}: ${names[i]}'s description does not start with action.yml's "${sentence}"`)
      }
    }
  }
  compare('Inputs', doc.inputs, true)
  compare('Outputs', doc.outputs, false)
  return out
}

describe('README', () => {
  it('inputs and outputs tables agree with action.yml', () => {
    expect(tableDifferences(readme, actionYml)).toEqual([])
  })

  it('reports a missing row, a wrong default and a stale description', () => {
    const doctored = readme
      .replace(/^\| `draft` .*\n/m, '')
      .replace('| `branch-prefix` | `flux-crs-upgrade/` |', '| `branch-prefix` | `fcu/` |')
      .replace('| `report` | Path of the JSON report', '| `report` | Where the JSON report')
    expect(tableDifferences(doctored, actionYml)).toEqual([
      expect.stringMatching(
        /^Inputs: README lists .*assignees, sign-commits.*; action.yml declares .*assignees, draft, /
      ),
      'Inputs: branch-prefix defaults to "flux-crs-upgrade/" in action.yml, README says `fcu/`',
      expect.stringMatching(
        /^Outputs: report's description does not start with action.yml's "Path of the JSON report/
      )
    ])
  })

  it('first sentences: a full stop inside `e.g.` or a version does not end one', () => {
    expect(firstSentence('Token for X (e.g. github.com from GHES). The run token is never sent.')).toBe(
      'Token for X (e.g. github.com from GHES).'
    )
    expect(firstSentence('Flux `2.9.3` or `~2.8`. Only an exact version may downgrade.')).toBe(
      'Flux `2.9.3` or `~2.8`.'
    )
  })

  it('shows the example workflows as they are in examples/', () => {
    const blocks = [...readme.matchAll(/```yaml\n# (examples\/[\w.-]+)\n([\s\S]*?)```/g)]
    expect(blocks.map(b => b[1]).sort()).toEqual([
      'examples/upgrade-app-token.yaml',
      'examples/upgrade-matrix.yaml',
      'examples/upgrade.yaml',
      'examples/validate.yaml'
    ])
    for (const [, file, body] of blocks) {
      expect({ file, inFile: readFileSync(file, 'utf8').includes(body) }).toEqual({ file, inFile: true })
      // A run of whole lines, not a fragment of one.
      expect(body.endsWith('\n')).toBe(true)
      expect(
        readFileSync(file, 'utf8')
          .split('\n')
          .some(l => body.startsWith(l + '\n'))
      ).toBe(true)
    }
  })
})
