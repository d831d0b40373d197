/**
 * One table of the names a setting goes by: the action input (the canonical name, used in every message the engine
 * writes), the CLI flag and the environment variable. The edges render the engine's text through it, so a message
 * speaks in the words of the interface it appears in: `input flux-version` in the action, `--flux-version` in the
 * CLI, `RELEASES_TOKEN` where the CLI reads an environment variable.
 *
 * How the engine names an input in its text, so that it can be rendered: a hyphenated name bare
 * (`releases-api-url`), any name as `input <name>`, `the <name> input` or in backticks (`` `token` ``). Plain
 * words such as "token" or "config" are otherwise left alone: they are also ordinary words.
 */

export type Interface = 'action' | 'cli'

export interface SettingName {
  /** The CLI flag, without dashes; absent: the CLI does not take this setting as a flag. */
  flag?: string
  /** A one-letter alias of the flag. */
  short?: string
  /** The environment variable the CLI reads it from. */
  env?: string
  /** What the CLI calls it when it is neither (the command for `mode`). */
  cli?: string
}

export const SETTING_NAMES: Readonly<Record<string, SettingName>> = {
  mode: { cli: 'the command' },
  components: { flag: 'components' },
  'flux-version': { flag: 'flux-version' },
  'calico-version': { flag: 'calico-version' },
  config: { flag: 'config' },
  'working-directory': { flag: 'working-directory', short: 'C' },
  'dry-run': {},
  token: { env: 'GITHUB_TOKEN' },
  base: {},
  'branch-prefix': {},
  group: {},
  labels: {},
  reviewers: {},
  'team-reviewers': {},
  assignees: {},
  draft: {},
  'sign-commits': {},
  'releases-api-url': { flag: 'releases-api-url' },
  'download-url': { flag: 'download-url' },
  'releases-token': { env: 'RELEASES_TOKEN' }
}

/** How an interface calls a setting: `flux-version` (action), `--flux-version` or `RELEASES_TOKEN` (CLI). */
export function settingName(input: string, where: Interface): string {
  const n = SETTING_NAMES[input]
  if (where === 'action' || !n) return input
  if (n.flag) return `--${n.flag}`
  return n.env ?? n.cli ?? input
}

/** A location's input as the interface shows it: `input flux-version` in the action, `--flux-version` in the CLI. */
export const inputLocation = (input: string, where: Interface): string =>
  where === 'action' ? `input ${input}` : settingName(input, where)

const escape = (s: string): string => s.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')

// Longest first, so that `releases-token` is not read as `token` with a prefix.
const names = Object.keys(SETTING_NAMES).sort((a, b) => b.length - a.length)
const alternatives = names.map(escape).join('|')
const hyphenated = names
  .filter(n => n.includes('-'))
  .map(escape)
  .join('|')
const reference = new RegExp(
  [
    `\\b[Ii]nput (${alternatives})(?![\\w-])`,
    `\\bthe (${alternatives}) input\\b`,
    `\`(${alternatives})\``,
    `(?<![\\w\`/.-])(${hyphenated})(?![\\w\`/-])`
  ].join('|'),
  'g'
)

/**
 * The engine's text (a message, a hint, a note) in the words of one interface. The action's words are the
 * canonical ones, so only the CLI's text changes.
 */
export function inInterface(text: string, where: Interface): string {
  if (where === 'action') return text
  return text.replace(reference, (_all, ...groups: (string | undefined)[]) => {
    const name = groups.slice(0, 4).find(g => g !== undefined)!
    return settingName(name, where)
  })
}
