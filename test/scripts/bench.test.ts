import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

/**
 * `npm run bench` in its smallest form (one cluster; the fleet, cold-start and bundle sections), so the script does
 * not rot: it runs through dist/index.js against the mirror, prints its tables and writes the figures it promises.
 */
describe('npm run bench, one cluster', () => {
  it('prints the fleet table and writes the figures: times, RSS, phases, requests, cold start, bundle size', async () => {
    const json = path.join(mkdtempSync(path.join(os.tmpdir(), 'fcu-bench-test-')), 'bench.json')
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'scripts/bench.ts'],
      {
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          BENCH_SECTIONS: 'fleet,cold-start,bundle',
          BENCH_SIZES: '1',
          BENCH_NOOP_SIZE: '1',
          BENCH_BASELINE_MAX: '1',
          BENCH_VALIDATE_MAX: '1',
          BENCH_JSON: json
        },
        maxBuffer: 16 << 20
      }
    )
    expect(stdout).toContain('| clusters | files |')
    expect(stdout).toContain(`Figures written to ${json}`)
    const figures = JSON.parse(readFileSync(json, 'utf8'))

    const [run] = figures.fleet.runs
    expect(run).toMatchObject({ clusters: 1, exitCode: 0, timedOut: false })
    // gotk-components.yaml, the Flux ConfigMap, and (with the fixtures) the Calico ConfigMap, renamed or not.
    expect(run.changedFiles).toBeGreaterThanOrEqual(2)
    expect(run.fluxInstallRuns).toBe(2)
    // Three engine runs, each on a fleet written afresh (a dry-run upgrades the one it is given): the median is
    // the figure, under the action's runtime where the Node 24 binary can be had.
    expect(run.wallRunsMs).toHaveLength(3)
    expect(run.wallMs).toBe([...run.wallRunsMs].sort((a: number, b: number) => a - b)[1])
    expect(run.wallMs).toBeGreaterThan(0)
    expect(figures.fleet.runtime).toMatch(/^v\d+\./)
    if (process.platform === 'linux' && process.arch === 'x64')
      expect(figures.fleet.runtime).toMatch(/^v24\./)
    expect(run.peakRssMB).toBeGreaterThan(30)
    expect(run.peakRssMB).toBeLessThan(4096)
    expect(run.baselineRunsMs).toHaveLength(3)
    expect(run.baselineMs).toBe([...run.baselineRunsMs].sort((a: number, b: number) => a - b)[1])
    expect(run.baselineMs).toBeGreaterThan(0)
    expect(run.baselineProcesses).toBe(figures.fleet.calico ? 3 : 2)
    for (const phase of ['read', 'stage-flux', 'flux-render', 'plan', 'validate', 'write']) {
      expect(run.phases[phase]).toBeGreaterThanOrEqual(0)
      // The heap a phase ends with is part of the process's RSS.
      expect(run.heapMB[phase]).toBeGreaterThan(0)
      expect(run.heapMB[phase]).toBeLessThanOrEqual(run.peakRssMB)
    }
    expect(stdout).toContain('What stays held (MB of V8 heap')

    // Everything current on the second run: one release list per component, nothing downloaded, nothing changed.
    expect(figures.fleet.noOp).toMatchObject({ clusters: 1, downloads: 0, changed: 'false' })
    for (const n of Object.values(figures.fleet.noOp.releaseLists)) expect(n).toBe(1)

    expect(figures.fleet.validation[0].resources).toBeGreaterThan(10)
    expect(figures.coldStart.firstLogLineMs).toBeGreaterThan(figures.coldStart.bareNodeMs)
    expect(figures.bundle.map((b: { file: string }) => b.file)).toEqual(['dist/index.js', 'dist/cli.js'])
    for (const b of figures.bundle) expect(b.gzipBytes).toBeLessThan(b.bytes)
  }, 180_000)
})
