import { ChangeSet, makePlan } from '../../src/plan/plan.js'
import { WorkingTree } from '../../src/plan/tree.js'
import { GitRepository, gitAuthEnv } from '../../src/publish/git.js'
import { githubOctokit } from '../../src/github/client.js'
import { octokitPullRequestApi } from '../../src/publish/github.js'
import { publishPullRequests } from '../../src/publish/publish.js'
import { readSettings } from '../../src/settings/inputs.js'
import { readYamlFiles } from '../../src/workspace/repository.js'
import { realExec } from '../../src/adapters.js'
import { silentLogger } from '../../src/deps.js'
import type { RunResult } from '../../src/result.js'
import { startFleet, type Fleet } from '../../support/github/fleet.js'
import { defaultFixturesDir } from '../../support/standins/index.js'

/** A large change through the Git Data API (sign-commits): hundreds of files of 300 KB in one signed commit. */
const TOKEN = 'ghs_largechange0123456789'
const FILES = 200
const SIZE = 300_000

describe('a large signed commit', () => {
  let fleet: Fleet
  beforeAll(async () => {
    fleet = await startFleet({ token: TOKEN, fixtures: defaultFixturesDir() })
    // Laying out the fleet is git work that a busy 2-core machine has been seen to take longer than the 60 s default for.
  }, 240_000)
  afterAll(() => fleet.close())

  it(`creates ${FILES} blobs of ${SIZE / 1000} KB, one tree and one commit, and the branch holds them all`, async () => {
    const base = new WorkingTree(await readYamlFiles(fleet.workspace))
    const set = new ChangeSet('calico', base)
    const content = (i: number) =>
      `# cluster ${i}\n` + `data: ${String(i).padStart(4, '0')}${'x'.repeat(SIZE)}\n`
    for (let i = 0; i < FILES; i++) set.write(`clusters/c${i}/calico.yaml`, content(i), 'regenerated')
    const plan = makePlan(base, [set])
    const settings = {
      ...readSettings(n => ({ token: TOKEN, 'sign-commits': 'true', components: 'calico' })[n] ?? ''),
      workingDirectory: fleet.workspace
    }
    const result = {
      components: [{ component: 'calico', from: '3.30.0', to: '3.31.0', action: 'upgrade', reason: 'test' }],
      targets: [],
      migrated: [],
      findings: [],
      pullRequests: []
    } as unknown as RunResult
    const api = octokitPullRequestApi(
      githubOctokit(fleet.github.apiUrl, TOKEN, {
        fetch: (url, init) => fetch(url, init),
        sleep: async () => {},
        log: silentLogger
      }),
      { owner: 'example-org', repo: 'fleet' }
    )
    const git = await GitRepository.open(
      realExec,
      fleet.workspace,
      gitAuthEnv({ serverUrl: fleet.github.serverUrl, token: TOKEN }, {}),
      fleet.workspace + '/..'
    )
    const started = Date.now()
    await publishPullRequests(plan, result, settings, { api, git, log: silentLogger, sleep: async () => {} })
    console.log(`${FILES} files of ${SIZE} bytes through the Git Data API in ${Date.now() - started} ms`)
    expect(result.pullRequests).toEqual([
      expect.objectContaining({ component: 'calico', operation: 'created' })
    ])
    expect(fleet.github.gitData.blobs).toBe(FILES)
    expect(fleet.github.gitData.trees).toHaveLength(1)
    expect(fleet.github.gitData.commits).toHaveLength(1)
    const files = fleet.branchFiles('flux-crs-upgrade/calico')
    for (const i of [0, 99, FILES - 1]) expect(files.get(`clusters/c${i}/calico.yaml`)).toBe(content(i))
    expect(fleet.github.pulls[0].body!.length).toBeLessThanOrEqual(65_536)
    expect(fleet.github.problems).toEqual([])
  }, 120_000)
})
