import { DEFAULT_CONFIG_PATH, DEFAULTS } from '../settings/inputs.js'
import { SETTING_NAMES } from '../settings/names.js'

/**
 * The CLI's command line: which options each command takes, their help, and the parser. Flags that carry a
 * setting are spelled as the table of names (src/settings/names.ts) says; the rest are the CLI's own.
 */

export type Command = 'upgrade' | 'validate'
export const COMMANDS: readonly Command[] = ['upgrade', 'validate']

interface OptionSpec {
  /** The setting (action input) the flag carries; absent for the CLI's own switches. */
  setting?: string
  flag: string
  short?: string
  /** The placeholder of its value; absent for a switch. */
  value?: string
  help: string
  commands: readonly Command[]
}

const both = COMMANDS
const settingFlag = (setting: string): { setting: string; flag: string; short?: string } => {
  const n = SETTING_NAMES[setting]
  return { setting, flag: n.flag!, ...(n.short ? { short: n.short } : {}) }
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    ...settingFlag('working-directory'),
    value: '<dir>',
    help: `the repository root (default: ${DEFAULTS['working-directory']})`,
    commands: both
  },
  {
    ...settingFlag('components'),
    value: '<list>',
    help: `flux, calico, comma separated (default: ${DEFAULTS.components})`,
    commands: both
  },
  {
    ...settingFlag('flux-version'),
    value: '<v>',
    help: `latest, 2.9.3, ~2.8, 2.x ... (default: ${DEFAULTS['flux-version']})`,
    commands: ['upgrade']
  },
  {
    ...settingFlag('calico-version'),
    value: '<v>',
    help: `latest, 3.31.7, ~3.30 ...; validate: the calicoctl used (default: ${DEFAULTS['calico-version']})`,
    commands: both
  },
  {
    ...settingFlag('config'),
    value: '<file>',
    help: `config file, inside the repository (default: ${DEFAULT_CONFIG_PATH} if it exists)`,
    commands: both
  },
  {
    ...settingFlag('releases-api-url'),
    value: '<url>',
    help: `where release lists come from (default: ${DEFAULTS['releases-api-url']})`,
    commands: both
  },
  {
    ...settingFlag('download-url'),
    value: '<url>',
    help: `where flux and calicoctl are downloaded from (default: ${DEFAULTS['download-url']})`,
    commands: both
  },
  {
    flag: 'check',
    help: 'write nothing; exit 1 and list the files when any would change',
    commands: ['upgrade']
  },
  { flag: 'json', help: 'print one JSON document on stdout, whatever happens', commands: both },
  { flag: 'verbose', help: 'debug lines on stderr (tool cache, downloads)', commands: both },
  { flag: 'help', short: 'h', help: 'this help', commands: both },
  { flag: 'version', help: 'print the version', commands: both }
]

const SUMMARY: Record<Command, string> = {
  upgrade: 'regenerate Flux targets for new versions, validate, and write the working tree',
  validate: 'check the repository as it is (schemas, CRDs, ClusterResourceSet references)'
}

const EXAMPLES: Record<Command, string[]> = {
  upgrade: [
    'flux-crs-upgrade upgrade -C path/to/fleet',
    "flux-crs-upgrade upgrade --flux-version '~2.8' --components flux",
    'flux-crs-upgrade upgrade --check --json | jq .result.files'
  ],
  validate: ['flux-crs-upgrade validate -C path/to/fleet', 'flux-crs-upgrade validate --json | jq .findings']
}

const EXIT_CODES: Record<Command, string[]> = {
  upgrade: [
    '0  up to date, or written; no validation error',
    '1  validation errors (nothing written), a failure, or with --check: files would change',
    '2  usage: unknown option or command, a bad -C'
  ],
  validate: [
    '0  no validation error (warnings and notices may be printed)',
    '1  validation errors, or a failure',
    '2  usage: unknown option or command, a bad -C, an upgrade-only option'
  ]
}

const ENVIRONMENT = [
  `${SETTING_NAMES.token.env}    authenticates release-list requests to api.github.com`,
  `${SETTING_NAMES['releases-token'].env}  authenticates requests to --releases-api-url (a mirror, GHES)`
]

const optionLine = (o: OptionSpec): string => {
  const names = `${o.short ? `-${o.short}, ` : '    '}--${o.flag}${o.value ? ` ${o.value}` : ''}`
  return `  ${names.padEnd(34)}${o.help}`
}

export function globalHelp(version: string): string {
  return [
    `flux-crs-upgrade ${version}: keeps a GitOps fleet's Flux and Calico manifests current.`,
    '',
    'Usage: flux-crs-upgrade <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map(c => `  ${c.padEnd(10)} ${SUMMARY[c]}`),
    '',
    'Options: flux-crs-upgrade <command> --help',
    '  -h, --help       this help',
    '      --version    print the version',
    '',
    'Exit codes: 0 ok, 1 findings or failure (upgrade --check: files would change), 2 usage.',
    ''
  ].join('\n')
}

export function commandHelp(command: Command): string {
  return [
    `Usage: flux-crs-upgrade ${command} [options]`,
    '',
    `${SUMMARY[command]}.`,
    '',
    'Options:',
    ...OPTIONS.filter(o => o.commands.includes(command)).map(optionLine),
    '',
    'Environment:',
    ...ENVIRONMENT.map(l => `  ${l}`),
    '',
    'Examples:',
    ...EXAMPLES[command].map(l => `  ${l}`),
    '',
    'Exit codes:',
    ...EXIT_CODES[command].map(l => `  ${l}`),
    ''
  ].join('\n')
}

export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command
  ) {
    super(message)
  }
}

export type Parsed =
  | { kind: 'help'; command?: Command }
  | { kind: 'version' }
  | {
      kind: 'run'
      command: Command
      /** Setting values by their canonical (input) name. */
      settings: Map<string, string>
      check: boolean
      json: boolean
      verbose: boolean
    }

/** `--json` anywhere on the line: the caller asked for JSON, even when the line itself is wrong. */
export const wantsJson = (argv: readonly string[]): boolean => argv.includes('--json')

const looksLikeOption = (v: string): boolean => /^-[-A-Za-z]/.test(v)

/** Parses argv; throws `UsageError` for anything that is not a valid command line. */
export function parseArgs(argv: readonly string[]): Parsed {
  // Known before the parse ends, for the "see --help" of an error found on the way.
  const command = argv.find(a => (COMMANDS as string[]).includes(a)) as Command | undefined
  const settings = new Map<string, string>()
  const switches = new Set<string>()
  let positional: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') throw new UsageError('unexpected argument "--"', command)
    if (!a.startsWith('-') || a === '-') {
      if (positional === undefined) positional = a
      else throw new UsageError(`unexpected argument "${a}"`, command)
      continue
    }
    const long = a.startsWith('--')
    const [name, inline] = long
      ? a.slice(2).split(/=(.*)/s, 2)
      : [a.slice(1, 2), a.length > 2 ? a.slice(2) : undefined]
    const spec = OPTIONS.find(o => (long ? o.flag === name : o.short === name))
    if (!spec) throw new UsageError(`unknown option ${long ? `--${name}` : `-${name}`}`, command)
    const shown = long ? `--${spec.flag}` : `-${spec.short}`
    if (spec.value === undefined) {
      if (inline !== undefined) throw new UsageError(`${shown} takes no value`, command)
      switches.add(spec.flag)
      continue
    }
    let value = inline
    if (value === undefined) {
      value = argv[++i]
      if (value === undefined) throw new UsageError(`${shown} needs a value ${spec.value}`, command)
      // `--flux-version --json` is a forgotten value, not a version called "--json".
      if (looksLikeOption(value))
        throw new UsageError(
          `${shown} needs a value ${spec.value}; ${value} is an option (write ${shown}=${value} to mean it)`,
          command
        )
    }
    settings.set(spec.setting!, value)
  }
  if (switches.has('help')) return { kind: 'help', command }
  if (switches.has('version')) return { kind: 'version' }
  if (positional === undefined) throw new UsageError('a command is required: upgrade or validate')
  if (command === undefined || positional !== command)
    throw new UsageError(`unknown command "${positional}": upgrade or validate`)
  for (const o of OPTIONS) {
    const given = o.setting ? settings.has(o.setting) : switches.has(o.flag)
    if (given && !o.commands.includes(command))
      throw new UsageError(`--${o.flag} does not apply to ${command}`, command)
  }
  return {
    kind: 'run',
    command,
    settings,
    check: switches.has('check'),
    json: switches.has('json'),
    verbose: switches.has('verbose')
  }
}
