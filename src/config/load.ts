import path from 'node:path'
import { FcuError } from '../errors.js'
import { DEFAULT_CONFIG_PATH, type Settings } from '../settings/inputs.js'
import { insideWorkspace } from '../workspace/paths.js'
import { readUtf8File } from '../workspace/text.js'
import { emptyConfig, parseConfig, type RepoConfig } from './config.js'

/** Reads the config file named by the `config` input; a missing default file means no config (`file` unset). */
export async function loadConfig(root: string, settings: Settings): Promise<RepoConfig> {
  const abs = insideWorkspace(root, settings.config, 'config')
  let text: string
  try {
    text = await readUtf8File(abs, settings.config)
  } catch (e) {
    if (e instanceof FcuError) throw e
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && !settings.configExplicit) return emptyConfig()
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (e as Error).message})`
    throw new FcuError('config', `Config file ${settings.config} ${why}`, {
      location: { input: 'config' },
      hint: `Create the file, fix the path (relative to the repository root), or leave out the config input to read ${DEFAULT_CONFIG_PATH} when it exists.`
    })
  }
  return parseConfig(text, path.relative(root, abs).split(path.sep).join('/'))
}
