import { spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { defaultStages, run } from '../../src/run.js'
import type { Files } from '../../src/deps.js'
import type { Stage } from '../../src/plan/stage.js'
import { nodeFiles } from '../../src/workspace/transaction.js'
import { FcuError } from '../../src/errors.js'
import { repoRoot } from '../../support/runner.js'
import { engineDeps, settingsFor, snapshot } from '../helpers/engine.js'
import { leftovers, startBench, state, stopBench, upgrade, type Bench } from './harness.js'

/**
 * Faults while a dry-run upgrade writes the working tree: a directory or a read-only file where a file goes, the disk
 * filling midway, the process killed midway. A failed run leaves every file as it was and no temporary file in the
 * workspace; a killed one leaves each file whole (its old content or its new), and the next run succeeds.
 */
const DRY = { 'dry-run': 'true' }
const GOTK = 'clusters/tmp-mgmt/flux-system/gotk-components.yaml'

/** A stage that also writes a new file, as a rename to a versioned name does. */
const newFile = (file: string): Stage => ({
  component: 'flux',
  name: 'new-file',
  run: async () => ({ changes: [{ path: file, content: 'kind: ConfigMap\n', reason: 'regenerated' }] })
})

describe('writing the working tree under faults', () => {
  let b: Bench
  beforeEach(async () => {
    b = await startBench()
  })
  afterEach(() => stopBench(b))

  const expectUntouched = (before: Record<string, unknown>, tempDir: string) => {
    expect(state(b)).toEqual(before)
    expect(leftovers(b.fleet.workspace)).toEqual([])
    expect(readdirSync(tempDir).filter(f => f.startsWith('fcu-'))).toEqual([])
  }

  it('refuses to write where a directory stands, before writing anything', async () => {
    mkdirSync(path.join(b.fleet.workspace, 'infrastructure/staging/cm-flux-next.yaml'))
    const before = state(b)
    const recorded = engineDeps(b.toolCache)
    const error = await run(settingsFor(b.fleet.workspace, b.mirror, DRY), recorded.deps, [
      ...defaultStages,
      newFile('infrastructure/staging/cm-flux-next.yaml')
    ]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FcuError)
    expect((error as FcuError).message).toBe(
      'Cannot write infrastructure/staging/cm-flux-next.yaml: it is a directory, not a file'
    )
    expect((error as FcuError).code).toBe('write')
    expectUntouched(before, recorded.deps.tempDir)
  })

  const asRoot = process.getuid?.() === 0
  if (asRoot) console.warn('A read-only target file is not tested: running as root, who may write any file.')
  ;(asRoot ? it.skip : it)('refuses a read-only target file, before writing anything', async () => {
    chmodSync(path.join(b.fleet.workspace, GOTK), 0o444)
    const before = state(b)
    const o = await upgrade(b, { inputs: DRY })
    expect(o.error?.message).toBe(`Cannot write ${GOTK}: the file is read-only`)
    expectUntouched(before, o.deps.tempDir)
  })

  it('fails with the file and the reason when the disk fills midway, and changes nothing', async () => {
    const before = state(b)
    let writes = 0
    const files: Files = {
      ...nodeFiles,
      writeFile: async (file, data, mode) => {
        // The second file finds the disk full after part of it is written.
        if (++writes === 2) {
          await nodeFiles.writeFile(file, data.slice(0, 1000), mode)
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
        }
        return nodeFiles.writeFile(file, data, mode)
      }
    }
    const o = await upgrade(b, { inputs: DRY, deps: { files } })
    expect(o.error?.message).toMatch(
      /^Could not write \S+\.yaml: no space left on the device \(ENOSPC\); nothing was written$/
    )
    expect(o.error?.hint).toBe('Free space on the runner (the workspace and RUNNER_TEMP) and run again.')
    expectUntouched(before, o.deps.tempDir)
    // With space again, the same run writes the upgrade.
    const again = await upgrade(b, { inputs: DRY })
    expect(again.error).toBeUndefined()
    expect(again.result?.written).toBe(true)
  })

  describe('killed by SIGKILL while writing', () => {
    /** The tree a whole run writes, from a second fleet at the same start on the same mirror. */
    const upgradedTree = async (): Promise<Record<string, string>> => {
      const reference = await startBench(b.mirror)
      try {
        const o = await upgrade(reference, { inputs: DRY })
        expect(o.result?.written).toBe(true)
        return snapshot(reference.fleet.workspace)
      } finally {
        await stopBench(reference)
      }
    }

    const killedAt = async (point: string) => {
      const scratch = mkdtempSync(path.join(os.tmpdir(), 'fcu-killed-'))
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(repoRoot, 'test/faults/killed-run.ts'),
          b.fleet.workspace,
          b.mirror.url,
          b.toolCache,
          point
        ],
        { cwd: repoRoot, env: { ...process.env, TMPDIR: scratch }, stdio: ['ignore', 'pipe', 'pipe'] }
      )
      let output = ''
      child.stdout.on('data', d => (output += d))
      child.stderr.on('data', d => (output += d))
      const signal = await new Promise<NodeJS.Signals | null>(resolve =>
        child.on('close', (_c, s) => resolve(s))
      )
      return { signal, output, scratch }
    }

    /** Every file is whole: as it was, or as the upgrade writes it; nothing staged is left in the workspace. */
    const expectWholeFiles = (before: Record<string, string>, upgraded: Record<string, string>) => {
      const now = snapshot(b.fleet.workspace)
      expect(Object.keys(now).sort()).toEqual(Object.keys(before).sort())
      for (const [file, content] of Object.entries(now)) {
        if (content !== before[file]) expect([file, content]).toEqual([file, upgraded[file]])
      }
      expect(leftovers(b.fleet.workspace)).toEqual([])
      return Object.keys(now).filter(f => now[f] !== before[f])
    }

    it('halfway through staging a file: the tree is as it was, the staged files are in the scratch directory', async () => {
      const before = snapshot(b.fleet.workspace)
      const upgraded = await upgradedTree()
      const killed = await killedAt('staging:2')
      expect(killed.signal).toBe('SIGKILL')
      expect(killed.output).not.toContain('finished without being killed')
      expect(expectWholeFiles(before, upgraded)).toEqual([])
      const staged = readdirSync(killed.scratch, { recursive: true }).map(String)
      expect(staged.filter(f => f.endsWith('.tmp'))).toHaveLength(2)
      const next = await upgrade(b, { inputs: DRY })
      expect(next.error).toBeUndefined()
      expect(snapshot(b.fleet.workspace)).toEqual(upgraded)
    })

    it('halfway through staging beside the targets (scratch on another filesystem): the next run removes what it left', async () => {
      const before = snapshot(b.fleet.workspace)
      const upgraded = await upgradedTree()
      const killed = await killedAt('beside:2')
      expect(killed.signal).toBe('SIGKILL')
      expect(killed.output).not.toContain('finished without being killed')
      const now = snapshot(b.fleet.workspace)
      for (const [file, content] of Object.entries(before)) expect([file, now[file]]).toEqual([file, content])
      const left = leftovers(b.fleet.workspace)
      expect(left).toHaveLength(2)
      for (const f of left) expect(path.basename(f)).toMatch(/^\.[^/]+\.fcu-\d+-[0-9a-z]+-\d\.tmp$/)
      const next = await upgrade(b, { inputs: DRY })
      expect(next.error).toBeUndefined()
      expect(snapshot(b.fleet.workspace)).toEqual(upgraded)
      expect(leftovers(b.fleet.workspace)).toEqual([])
      for (const f of left)
        expect(next.logs.join('\n')).toContain(`Removed ${f}: a staging file that a killed run left`)
    })

    it('between two renames: each file old or new, none half written, and the next run finishes the upgrade', async () => {
      const before = snapshot(b.fleet.workspace)
      const upgraded = await upgradedTree()
      const killed = await killedAt('renaming:3')
      expect(killed.signal).toBe('SIGKILL')
      expect(killed.output).not.toContain('finished without being killed')
      expect(expectWholeFiles(before, upgraded)).toHaveLength(2)
      const next = await upgrade(b, { inputs: DRY })
      expect(next.error).toBeUndefined()
      expect(snapshot(b.fleet.workspace)).toEqual(upgraded)
      expect(leftovers(b.fleet.workspace)).toEqual([])
    })
  })
})
