import { execFileSync } from 'node:child_process'

/** Git commands on the double's bare repositories, synchronous: the double answers one request at a time. */
export function git(
  dir: string,
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string> } = {}
): string {
  return execFileSync('git', args, {
    cwd: dir,
    input: options.input,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...options.env },
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe']
  }).toString('utf8')
}

/** The commit a ref points at, or undefined. */
export function revParse(dir: string, ref: string): string | undefined {
  try {
    return git(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).trim() || undefined
  } catch {
    return undefined
  }
}

export function objectExists(dir: string, sha: string, type: string): boolean {
  try {
    return git(dir, ['cat-file', '-t', sha]).trim() === type
  } catch {
    return false
  }
}
