import semver from 'semver'
import type { Exec } from '../deps.js'
import { FcuError } from '../errors.js'
import { FLUX_GENERATED } from './header.js'

/** The few `flux` commands the engine runs. */
export interface FluxCli {
  /** Semver without `v`. */
  version: string
  /** `flux install --export <args>`: the manifest on stdout. */
  installExport(args: string[]): Promise<string>
  /**
   * `flux migrate -f . --version <minor> --yes` run inside `dir`: flux resolves `-f` inside its working directory,
   * so the files to migrate are placed there. Returns the command's log.
   */
  migrate(dir: string, minor: string): Promise<string>
}

/** `flux migrate -f` rewrites manifests on disk from Flux 2.7.1 on; older CLIs do not have the command. */
export const supportsFileMigration = (version: string): boolean => semver.gte(version, '2.7.1')

/**
 * `2.8` of `2.8.3`, `v2.8.3` or `2.8.0-rc.1`: the release line `flux migrate --version` and API removals go by.
 * Undefined for text that is no version, so a caller reading versions from user files decides what that means.
 */
export const minorOf = (version: string): string | undefined => /^v?(\d+\.\d+)/.exec(version)?.[1]

export function fluxCli(path: string, version: string, exec: Exec): FluxCli {
  const run = async (args: string[], cwd?: string) => {
    const r = await exec(path, args, cwd === undefined ? undefined : { cwd })
    if (r.exitCode !== 0) {
      const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join(' | ')
      throw new FcuError(
        'tool',
        `\`flux ${args.join(' ')}\` (flux ${version}) failed with exit code ${r.exitCode}: ${said}`,
        {
          hint: "The message above is flux's own; check the install options read from the file, or run the same command locally."
        }
      )
    }
    return r
  }
  return {
    version,
    async installExport(args) {
      const full = ['install', '--export', ...args]
      const r = await run(full)
      if (!r.stdout.includes(FLUX_GENERATED)) {
        throw new FcuError('tool', `\`flux ${full.join(' ')}\` (flux ${version}) printed no flux manifest`, {
          hint: 'The flux binary at hand does not behave like the released CLI; clear the tool cache and run again.'
        })
      }
      return r.stdout
    },
    async migrate(dir, minor) {
      const r = await run(['migrate', '-f', '.', '--version', minor, '--yes'], dir)
      return r.stderr + r.stdout
    }
  }
}
