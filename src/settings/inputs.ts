import { FcuError } from '../errors.js'

/**
 * Typed settings of one run, read from action inputs or CLI options through the same names (SPEC §7). Pure: the
 * caller passes a lookup, so the action (`core.getInput`) and the CLI (parsed argv) share every rule here.
 */

export type Component = 'flux' | 'calico'
export type Mode = 'upgrade' | 'validate'

export interface Settings {
  mode: Mode
  components: Component[]
  fluxVersion: string
  calicoVersion: string
  /** Config file path relative to the working directory. */
  config: string
  /** Whether the config path was given (a missing file is then an error); otherwise `DEFAULT_CONFIG_PATH`, optional. */
  configExplicit: boolean
  workingDirectory: string
  dryRun: boolean
  token: string
  base: string
  branchPrefix: string
  group: boolean
  labels: string[]
  reviewers: string[]
  teamReviewers: string[]
  assignees: string[]
  draft: boolean
  signCommits: boolean
  /** Empty: the message names the component and versions. */
  commitMessage: string
  author: Identity
  committer: Identity
  releasesApiUrl: string
  downloadUrl: string
  releasesToken: string
}

export interface Identity {
  name: string
  email: string
}

/** The GitHub Actions bot, as GitHub's own actions commit: its user id makes the noreply address link to it. */
export const ACTIONS_BOT = 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>'

/**
 * The config file read when the `config` input is empty. `action.yml` declares `config` without a default on
 * purpose: a runner sends every declared default as if the user had set it, and only an empty value tells "not
 * chosen" (a missing file is then fine) from a path the user named (a missing file is an error).
 */
export const DEFAULT_CONFIG_PATH = '.github/flux-crs-upgrade.yaml'

/** The defaults `action.yml` declares, for the inputs that have one besides `token` (a test keeps them equal). */
export const DEFAULTS = {
  mode: 'upgrade',
  components: 'flux,calico',
  'flux-version': 'latest',
  'calico-version': 'latest',
  'working-directory': '.',
  'dry-run': 'false',
  'branch-prefix': 'flux-crs-upgrade/',
  group: 'false',
  draft: 'false',
  'sign-commits': 'false',
  author: ACTIONS_BOT,
  committer: ACTIONS_BOT,
  'releases-api-url': 'https://api.github.com',
  'download-url': 'https://github.com'
} as const

/** Returns the raw value of an input, '' when unset. */
export type InputLookup = (name: string) => string

const list = (raw: string): string[] =>
  raw
    .split(/[,\n]/)
    .map(s => s.trim())
    .filter(s => s !== '')

function bool(get: InputLookup, name: keyof typeof DEFAULTS): boolean {
  const raw = (get(name).trim() || DEFAULTS[name]).toLowerCase()
  if (['true', 'yes', '1', 'on'].includes(raw)) return true
  if (['false', 'no', '0', 'off'].includes(raw)) return false
  throw new FcuError('input', `Input ${name} must be true or false, got "${get(name)}"`, {
    location: { input: name },
    hint: `Set ${name}: true or ${name}: false.`
  })
}

function identity(get: InputLookup, name: 'author' | 'committer'): Identity {
  const raw = get(name).trim() || DEFAULTS[name]
  const m = /^([^<>\n]*?)\s*<([^<>\s]+)>$/.exec(raw)
  if (!m || m[1] === '') {
    throw new FcuError('input', `Input ${name} must be "Name <email>", got "${raw}"`, {
      location: { input: name },
      hint: `For example ${name}: ${ACTIONS_BOT}`
    })
  }
  return { name: m[1], email: m[2] }
}

function url(get: InputLookup, name: 'releases-api-url' | 'download-url'): string {
  const raw = get(name).trim() || DEFAULTS[name]
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new FcuError('input', `Input ${name} is not a URL: "${raw}"`, {
      location: { input: name },
      hint: `Give an absolute http(s) URL, e.g. ${DEFAULTS[name]}.`
    })
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new FcuError('input', `Input ${name} must be an http(s) URL, got "${raw}"`, {
      location: { input: name }
    })
  }
  if (parsed.username || parsed.password) {
    throw new FcuError('input', `Input ${name} must not carry credentials in the URL`, {
      location: { input: name },
      hint: 'Pass a token through releases-token instead; URLs end up in logs.'
    })
  }
  return raw.replace(/\/+$/, '')
}

/**
 * A branch name or prefix as `git check-ref-format` takes it: no space, control character, `~^:?*[\`, `..` or
 * `@{`, no part that starts with `.` or ends with `.lock`, no empty part, no leading `-`. Refused here with the
 * input named, rather than by git in the middle of a push; git runs without a shell, so any other character (`$`,
 * `;`, a backtick) is only a character.
 */
function gitRef(name: 'base' | 'branch-prefix', value: string, prefix: boolean): string {
  // A prefix is judged as the branch names it starts: followed by a component name.
  const full = prefix ? `${value}flux` : value
  const bad =
    // eslint-disable-next-line no-control-regex
    /[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{/.test(full) ||
    full.startsWith('-') ||
    full.endsWith('.') ||
    full.split('/').some(p => p === '' || p.startsWith('.') || p.endsWith('.lock'))
  if (bad) {
    throw new FcuError(
      'input',
      `Input ${name} is not a valid git branch name${prefix ? ' prefix' : ''}: ${JSON.stringify(value)}`,
      {
        location: { input: name },
        hint: 'Use letters, digits and - _ . / (no spaces, no "..", no ~^:?*[\\ or control characters).'
      }
    )
  }
  return value
}

export function readSettings(get: InputLookup): Settings {
  const mode = (get('mode').trim() || DEFAULTS.mode) as Mode
  if (mode !== 'upgrade' && mode !== 'validate') {
    throw new FcuError('input', `Input mode must be "upgrade" or "validate", got "${mode}"`, {
      location: { input: 'mode' },
      hint: 'Use mode: validate for a check on pull requests, mode: upgrade (the default) on a schedule.'
    })
  }
  const components = list(get('components').trim() || DEFAULTS.components)
  for (const c of components) {
    if (c !== 'flux' && c !== 'calico') {
      throw new FcuError('input', `Input components names an unknown component "${c}"`, {
        location: { input: 'components' },
        hint: 'Components are flux and calico, comma separated.'
      })
    }
  }
  if (components.length === 0) {
    throw new FcuError('input', 'Input components is empty', {
      location: { input: 'components' },
      hint: 'Name at least one of flux, calico.'
    })
  }
  const configRaw = get('config').trim()
  return {
    mode,
    components: [...new Set(components)] as Component[],
    fluxVersion: get('flux-version').trim() || DEFAULTS['flux-version'],
    calicoVersion: get('calico-version').trim() || DEFAULTS['calico-version'],
    config: configRaw || DEFAULT_CONFIG_PATH,
    configExplicit: configRaw !== '',
    workingDirectory: get('working-directory').trim() || DEFAULTS['working-directory'],
    dryRun: bool(get, 'dry-run'),
    token: get('token').trim(),
    base: get('base').trim() === '' ? '' : gitRef('base', get('base').trim(), false),
    branchPrefix: gitRef('branch-prefix', get('branch-prefix').trim() || DEFAULTS['branch-prefix'], true),
    group: bool(get, 'group'),
    labels: list(get('labels')),
    reviewers: list(get('reviewers')),
    teamReviewers: list(get('team-reviewers')),
    assignees: list(get('assignees')),
    draft: bool(get, 'draft'),
    signCommits: bool(get, 'sign-commits'),
    commitMessage: get('commit-message').trim(),
    author: identity(get, 'author'),
    committer: identity(get, 'committer'),
    releasesApiUrl: url(get, 'releases-api-url'),
    downloadUrl: url(get, 'download-url'),
    releasesToken: get('releases-token').trim()
  }
}
