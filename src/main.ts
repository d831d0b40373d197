import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as core from '@actions/core'
import { toFindings, type Finding } from './errors.js'
import { readSettings } from './settings/inputs.js'
import { inputLocation } from './settings/names.js'
import { insideWorkspace } from './workspace/paths.js'
import { run as runEngine } from './run.js'
import { realDeps } from './adapters.js'
import { connectPublisher } from './publish/connect.js'
import { basicCredential } from './publish/git.js'
import { renderFindings, renderSummary } from './report/summary.js'
import type { RunResult } from './result.js'

/**
 * The action's edge: inputs in, outputs, annotations and a job summary out. Every error of the engine is caught
 * here, once, and becomes annotations plus a failed step; nothing below touches `@actions/core`.
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  const reportPath = path.join(env.RUNNER_TEMP || workspace, 'flux-crs-upgrade-report.json')
  let result: RunResult | undefined
  let partial: RunResult | undefined
  let findings: Finding[] = []
  let failure: string | undefined
  let annotateFrom = workspace
  try {
    for (const secret of [core.getInput('token'), core.getInput('releases-token')])
      if (secret) core.setSecret(secret)
    // The form git sends it in, should anything print a request's headers.
    if (core.getInput('token')) core.setSecret(basicCredential(core.getInput('token')))
    const settings = readSettings(name => core.getInput(name))
    const root = insideWorkspace(workspace, settings.workingDirectory, 'working-directory')
    annotateFrom = root
    const { deps, dispose } = await realDeps(
      { info: core.info, warning: core.warning, debug: core.debug },
      env
    )
    const rooted = { ...settings, workingDirectory: root }
    const publish = connectPublisher(rooted, env, deps)
    try {
      result = (
        await runEngine(rooted, {
          ...deps,
          publish: async (plan, r, findingsOf) => {
            // Pull requests made before a failure are still reported in the outputs.
            partial = r
            await publish(plan, r, findingsOf)
          }
        })
      ).result
    } finally {
      await dispose()
    }
    findings = result.findings
    const errors = findings.filter(f => f.severity === 'error').length
    if (errors > 0) failure = `Validation found ${errors} error(s)`
  } catch (e) {
    result = partial
    findings = [...(partial?.findings ?? []), ...toFindings(e)]
    failure =
      findings.find(f => f.severity === 'error' && f.rule.startsWith('run/'))?.message ??
      `Validation failed with ${findings.filter(f => f.severity === 'error').length} error(s)`
  }

  for (const f of findings) annotate(f, workspace, annotateFrom)
  const report = { version: 1, ok: failure === undefined, failure, result, findings }
  await writeFile(reportPath, JSON.stringify(report, null, 2) + '\n', 'utf8')
  setOutputs(result, reportPath)
  // Outside a runner (a local run of the bundle) there is no summary file to write to.
  if (env.GITHUB_STEP_SUMMARY) {
    await core.summary
      .addRaw(
        result
          ? (failure ? `> **Failed:** ${failure}\n\n` : '') + renderSummary(result)
          : ['## flux-crs-upgrade failed', '', failure ?? '', '', ...renderFindings(findings)].join('\n')
      )
      .write()
  }
  if (failure !== undefined) {
    core.setFailed(failure)
    return 1
  }
  return 0
}

function annotate(f: Finding, workspace: string, root: string): void {
  const props: core.AnnotationProperties = { title: f.rule }
  if (f.file) {
    props.file = path.relative(workspace, path.join(root, f.file)).split(path.sep).join('/')
    if (f.line) props.startLine = f.line
    if (f.line && f.column) props.startColumn = f.column
  }
  const message = [f.input ? `${inputLocation(f.input, 'action')}: ${f.message}` : f.message, f.hint]
    .filter(Boolean)
    .join('\n')
  if (f.severity === 'error') core.error(message, props)
  else if (f.severity === 'warning') core.warning(message, props)
  else core.notice(message, props)
}

function setOutputs(result: RunResult | undefined, reportPath: string): void {
  const flux = result?.components.find(c => c.component === 'flux')
  const calico = result?.components.find(c => c.component === 'calico')
  const first = result?.pullRequests[0]
  core.setOutput('changed', String(result?.changed ?? false))
  core.setOutput('flux-version', flux?.to ?? '')
  core.setOutput('flux-previous-version', flux?.from ?? '')
  core.setOutput('calico-version', calico?.to ?? '')
  core.setOutput('calico-previous-version', calico?.from ?? '')
  core.setOutput(
    'pull-requests',
    JSON.stringify(
      (result?.pullRequests ?? []).map(p => ({
        component: p.component,
        number: p.number ?? null,
        url: p.url ?? null,
        operation: p.operation
      }))
    )
  )
  core.setOutput('pull-request-number', first?.number !== undefined ? String(first.number) : '')
  core.setOutput('pull-request-url', first?.url ?? '')
  core.setOutput('pull-request-operation', first?.operation ?? 'none')
  core.setOutput('report', reportPath)
}

/**
 * The entry `@github/local-action` calls (`npx @github/local-action . src/main.ts .env.example`, README "Local
 * runs"): it stubs `@actions/core`, imports this module and awaits `run()`; a failure is reported by setFailed.
 */
export async function run(): Promise<void> {
  await main()
}
