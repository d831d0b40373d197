/**
 * A dry-run upgrade of `<workspace>` against the mirror at `<mirror>`, killed by SIGKILL at `<point>` of writing the
 * working tree: `staging:N` halfway through writing the Nth new content, `renaming:N` just before the Nth file is
 * replaced, `beside:N` as `staging:N` with the scratch directory on another filesystem (so staged beside targets). Spawned by test/faults/workspace.test.ts (`node --import tsx`): a real kill, with no handler left to run.
 */
import { writeFileSync } from 'node:fs'
import { run } from '../../src/run.js'
import type { Files } from '../../src/deps.js'
import { nodeFiles } from '../../src/workspace/transaction.js'
import type { Mirror } from '../../support/mirror/server.js'
import { engineDeps, settingsFor } from '../helpers/engine.js'

const [workspace, mirrorUrl, toolCache, point] = process.argv.slice(2)
const [phase, nth] = point.split(':')
const at = Number(nth)
let writes = 0
let renames = 0

const die = (): never => {
  process.kill(process.pid, 'SIGKILL')
  throw new Error('unreachable')
}

const recorded = engineDeps(toolCache)
const scratch = recorded.deps.tempDir

const files: Files = {
  ...nodeFiles,
  lstat: async file => {
    const stat = await nodeFiles.lstat(file)
    // Another device number is all `applyChanges` sees of another filesystem.
    return phase === 'beside' && stat && file === scratch ? { ...stat, dev: stat.dev + 1 } : stat
  },
  writeFile: async (file, data, mode) => {
    if ((phase === 'staging' || phase === 'beside') && ++writes === at) {
      writeFileSync(file, data.slice(0, data.length >> 1), { mode })
      die()
    }
    return nodeFiles.writeFile(file, data, mode)
  },
  rename: async (from, to) => {
    if (phase === 'renaming' && from.endsWith('.tmp') && ++renames === at) die()
    return nodeFiles.rename(from, to)
  }
}

const mirror = { url: mirrorUrl, apiUrl: `${mirrorUrl}/api` } as Mirror
await run(settingsFor(workspace, mirror), { ...recorded.deps, files })
process.stdout.write('finished without being killed\n')
