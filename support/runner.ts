import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface ActionRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

/**
 * Runs the bundled action (`dist/index.js`) the way a runner does: inputs as `INPUT_<NAME>` with the name's
 * hyphens kept and upper-cased, `GITHUB_OUTPUT` / `GITHUB_STEP_SUMMARY` files, `GITHUB_WORKSPACE`, `RUNNER_TEMP`
 * and `RUNNER_TOOL_CACHE`. Asynchronous, so a mirror served from the calling process keeps answering.
 */
export async function runAction(options: {
  workspace: string
  inputs: Record<string, string>
  /** The node binary; the runner's is node24. */
  node?: string
  toolCache?: string
  env?: Record<string, string>
}): Promise<ActionRun> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fcu-runner-'))
  const outputFile = path.join(scratch, 'output')
  const summaryFile = path.join(scratch, 'summary')
  const runnerTemp = path.join(scratch, 'temp')
  mkdirSync(runnerTemp)
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? scratch,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: options.toolCache ?? path.join(scratch, 'tool-cache'),
    ...options.env
  }
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const child = spawn(options.node ?? process.execPath, [path.join(repoRoot, 'dist/index.js')], {
    cwd: options.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', code => resolve(code ?? 1))
  })
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8')
  }
}

/** Reads the `name<<delimiter` blocks @actions/core writes to GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (m) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
      out[m[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const [k, ...v] = lines[i].split('=')
      out[k] = v.join('=')
    }
  }
  return out
}
