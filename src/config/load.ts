import path from 'node:path'
import { promises as fs } from 'node:fs'
import { FcuError } from '../errors.js'
import type { Settings } from '../settings/inputs.js'
import { insideWorkspace } from '../workspace/paths.js'
import { emptyConfig, parseConfig, type RepoConfig } from './config.js'

/** Reads the config file named by the `config` input; a missing default file means no config. */
export async function loadConfig(root: string, settings: Settings): Promise<RepoConfig> {
  const abs = insideWorkspace(root, settings.config, 'config')
  let text: string
  try {
    text = await fs.readFile(abs, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !settings.configExplicit) return emptyConfig()
    throw new FcuError('config', `Config file ${settings.config} cannot be read: ${(e as Error).message}`, {
      location: { input: 'config' },
      hint: 'Create the file or correct the config input; without the config input a missing default file is no error.'
    })
  }
  return parseConfig(text, path.relative(root, abs).split(path.sep).join('/'))
}
