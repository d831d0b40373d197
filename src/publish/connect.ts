import { FcuError } from '../errors.js'
import type { Plan } from '../plan/plan.js'
import type { RunResult } from '../result.js'
import type { FindingsOf, RunDeps } from '../deps.js'
import { githubOctokit } from '../github/client.js'
import type { Settings } from '../settings/inputs.js'
import { GitRepository, gitAuthEnv } from './git.js'
import { octokitPullRequestApi } from './github.js'
import { publishPullRequests } from './publish.js'

/**
 * Publishing wired to the run's GitHub: the REST API at `GITHUB_API_URL` for `GITHUB_REPOSITORY`, and git on the
 * checkout at the working directory, authenticated for `GITHUB_SERVER_URL` only.
 */
export function connectPublisher(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  deps: RunDeps
): (plan: Plan, result: RunResult, findingsOf: FindingsOf) => Promise<void> {
  return async (plan, result, findingsOf) => {
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
    if (!owner || !repo) {
      throw new FcuError('publish', 'GITHUB_REPOSITORY is not set: no repository to open pull requests in', {
        hint: 'Run the action in a GitHub Actions job, or set dry-run: true.'
      })
    }
    if (!settings.token) {
      throw new FcuError(
        'publish',
        'Input token is empty: pushing branches and opening pull requests need one',
        {
          location: { input: 'token' },
          hint: 'Leave token at its default (${{ github.token }}) or pass a GitHub App or fine-grained token.'
        }
      )
    }
    const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '')
    const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
    // The run token goes to the run's API only; retries and rate limits are the shared client's.
    const api = octokitPullRequestApi(githubOctokit(apiUrl, settings.token, deps), { owner, repo })
    const git = await GitRepository.open(
      deps.exec,
      settings.workingDirectory,
      gitAuthEnv({ serverUrl, token: settings.token }, env),
      deps.tempDir
    )
    await publishPullRequests(
      plan,
      result,
      settings,
      { api, git, log: deps.log, sleep: deps.sleep },
      findingsOf
    )
  }
}
