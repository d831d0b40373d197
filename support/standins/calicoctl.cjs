// Stand-in for `calicoctl`: answers `version` and, from v3.31 on, `validate -f <file|->` the way the real one does
// (projectcalico/calico calicoctl/commands/validate.go, libcalico-go validator messages). Below v3.31 `validate` is
// an unknown command, as it is in those releases.
// The release mirror packs this file behind a prelude that defines STANDIN = { tool, version, fixtures }.
// Node built-ins only: it runs as an extension-less executable on the test machine.
'use strict'
const fs = require('node:fs')
const net = require('node:net')

const args = process.argv.slice(2)
const [major, minor] = STANDIN.version.split('.').map(Number)
const hasValidate = major > 3 || (major === 3 && minor >= 31)

const usage = `Usage:
  calicoctl [options] <command> [<args>...]

    create       Create a resource by file, directory or stdin.
    replace      Replace a resource by file, directory or stdin.
    apply        Apply a resource by file, directory or stdin.
    patch        Patch a preexisting resource in place.
    delete       Delete a resource identified by file, directory, stdin or resource type and name.
    get          Get a resource identified by file, directory, stdin or resource type and name.
    label        Add or update labels of resources.
${hasValidate ? '    validate     Validate a resource by file, directory or stdin without applying it.\n' : ''}    ipam         IP address management.
    node         Calico node management.
    version      Display the version of this binary.
    datastore    Calico datastore management.
    cluster      Access cluster information.
`

function fail(message) {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}

if (args[0] === 'version') {
  process.stdout.write(`Client Version:    v${STANDIN.version}\nGit commit:        0000000\n`)
  process.exit(0)
}
if (args[0] !== 'validate' || !hasValidate) {
  if (args.length === 0) fail(`Invalid option: ''. Use flag '--help' to read about a specific subcommand.`)
  fail(`unknown command: ${JSON.stringify(args[0])}\n${usage}`)
}

// ---- a YAML subset: block maps and lists, flow lists/maps of scalars, quoted and plain scalars, comments --------

function stripComment(text) {
  let quote = null
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote) {
      if (c === quote) quote = null
    } else if (c === '"' || c === "'") quote = c
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) return text.slice(0, i).trimEnd()
  }
  return text.trimEnd()
}

function scalar(text) {
  const t = text.trim()
  if (t === '' || t === '~' || t === 'null' || t === 'Null' || t === 'NULL') return null
  if (t.startsWith('"')) return JSON.parse(t)
  if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'")
  if (t.startsWith('[') || t.startsWith('{')) return flow(t)
  if (/^(true|True|TRUE)$/.test(t)) return true
  if (/^(false|False|FALSE)$/.test(t)) return false
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(t)) return Number(t)
  if (/^[-+]?([0-9]*\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?$/.test(t)) return Number(t)
  return t
}

function splitFlow(inner) {
  const parts = []
  let depth = 0
  let quote = null
  let current = ''
  for (const c of inner) {
    if (quote) {
      if (c === quote) quote = null
    } else if (c === '"' || c === "'") quote = c
    else if (c === '[' || c === '{') depth++
    else if (c === ']' || c === '}') depth--
    else if (c === ',' && depth === 0) {
      parts.push(current)
      current = ''
      continue
    }
    current += c
  }
  if (current.trim() !== '') parts.push(current)
  return parts
}

function flow(t) {
  const inner = t.slice(1, -1)
  if (t.startsWith('[')) return splitFlow(inner).map(scalar)
  const out = {}
  for (const part of splitFlow(inner)) {
    const i = part.indexOf(':')
    out[String(scalar(part.slice(0, i)))] = scalar(part.slice(i + 1))
  }
  return out
}

/** Index of the `:` that ends a mapping key on this line, or -1. */
function keyColon(text) {
  let quote = null
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote) {
      if (c === quote) quote = null
    } else if ((c === '"' || c === "'") && i === 0) quote = c
    else if (c === ':' && (i === text.length - 1 || text[i + 1] === ' ')) return i
    else if (c === '[' || c === '{') return -1
  }
  return -1
}

function parseDocument(text) {
  const lines = []
  for (const raw of text.split(/\r?\n/)) {
    const content = stripComment(raw)
    if (content.trim() === '') continue
    lines.push({ indent: content.length - content.trimStart().length, text: content.trim() })
  }
  if (lines.length === 0) return null
  let i = 0

  function node(minIndent) {
    if (i >= lines.length || lines[i].indent < minIndent) return null
    const line = lines[i]
    if (line.text === '-' || line.text.startsWith('- ')) return sequence(line.indent)
    if (keyColon(line.text) >= 0) return mapping(line.indent)
    i++
    return scalar(line.text)
  }

  function sequence(indent) {
    const out = []
    while (
      i < lines.length &&
      lines[i].indent === indent &&
      (lines[i].text === '-' || lines[i].text.startsWith('- '))
    ) {
      const rest = lines[i].text.slice(1).trim()
      if (rest === '') {
        i++
        out.push(node(indent + 1))
      } else if (keyColon(rest) >= 0) {
        lines[i] = { indent: indent + lines[i].text.indexOf(rest), text: rest }
        out.push(mapping(lines[i].indent))
      } else {
        i++
        out.push(scalar(rest))
      }
    }
    return out
  }

  function mapping(indent) {
    const out = {}
    while (
      i < lines.length &&
      lines[i].indent === indent &&
      keyColon(lines[i].text) >= 0 &&
      !lines[i].text.startsWith('- ')
    ) {
      const text = lines[i].text
      const colon = keyColon(text)
      const key = String(scalar(text.slice(0, colon)))
      const rest = text.slice(colon + 1).trim()
      i++
      if (rest === '') {
        if (i < lines.length && lines[i].indent > indent) out[key] = node(indent + 1)
        else if (i < lines.length && lines[i].indent === indent && lines[i].text.startsWith('-'))
          out[key] = sequence(indent)
        else out[key] = null
      } else if (/^[|>][-+0-9]*$/.test(rest)) {
        const block = []
        while (i < lines.length && lines[i].indent > indent) block.push(lines[i++].text)
        out[key] = block.join(rest.startsWith('>') ? ' ' : '\n')
      } else {
        out[key] = scalar(rest)
      }
    }
    return out
  }

  return node(0)
}

function parseStream(text) {
  const trimmed = text.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const v = JSON.parse(trimmed)
    return Array.isArray(v) ? v : [v]
  }
  const docs = []
  let current = []
  for (const line of text.split(/\r?\n/)) {
    if (/^---(\s|$)/.test(line) || /^\.\.\.(\s|$)/.test(line)) {
      docs.push(current.join('\n'))
      current = []
    } else current.push(line)
  }
  docs.push(current.join('\n'))
  return docs.map(parseDocument).filter(d => d !== null)
}

// ---- validation, as libcalico-go reports it --------------------------------------------------------------------

const kinds = [
  'BGPConfiguration',
  'BGPFilter',
  'BGPPeer',
  'CalicoNodeStatus',
  'ClusterInformation',
  'FelixConfiguration',
  'GlobalNetworkPolicy',
  'GlobalNetworkSet',
  'HostEndpoint',
  'IPAMConfiguration',
  'IPPool',
  'IPReservation',
  'KubeControllersConfiguration',
  'NetworkPolicy',
  'NetworkSet',
  'Node',
  'Profile',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'StagedNetworkPolicy',
  'Tier',
  'WorkloadEndpoint'
]

const ipPoolSpecFields = [
  'cidr',
  'vxlanMode',
  'ipipMode',
  'natOutgoing',
  'disabled',
  'disableBGPExport',
  'nodeSelector',
  'blockSize',
  'allowedUses',
  'assignmentMode',
  'namespaceSelector'
]
const encapModes = ['Never', 'Always', 'CrossSubnet']
const nameFormat = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'

/** A structural problem: calicoctl stops reading the file ("failed to execute command: ..."). */
class FileError extends Error {}

function checkStructure(r) {
  if (r === null || typeof r !== 'object' || Array.isArray(r))
    throw new FileError('error unmarshaling JSON: resource is not a map')
  if (r.apiVersion !== 'projectcalico.org/v3' || !kinds.includes(r.kind))
    throw new FileError(`Unknown resource type (${r.kind}) and/or version (${r.apiVersion})`)
  for (const key of Object.keys(r)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(key))
      throw new FileError(`field in document is not recognized or is in the wrong location: ${key}`)
  }
  if (r.kind === 'IPPool' && r.spec && typeof r.spec === 'object') {
    for (const key of Object.keys(r.spec)) {
      if (!ipPoolSpecFields.includes(key))
        throw new FileError(`field in document is not recognized or is in the wrong location: ${key}`)
    }
  }
}

function parseCidr(text) {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(String(text))
  if (!m) return null
  const prefix = Number(m[2])
  const version = net.isIP(m[1])
  if (version === 0 || prefix > (version === 4 ? 32 : 128)) return null
  return { address: m[1], prefix, version, bits: addressBits(m[1], version) }
}

function addressBits(address, version) {
  if (version === 4)
    return address
      .split('.')
      .map(o => Number(o).toString(2).padStart(8, '0'))
      .join('')
  const [head, tail] = address.split('::')
  const groups = s => (s ? s.split(':') : [])
  const h = groups(head)
  const t = tail === undefined ? [] : groups(tail)
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  return all.map(g => parseInt(g, 16).toString(2).padStart(16, '0')).join('')
}

function fieldError(name, value, reason) {
  return { name, value, reason }
}

function validateResource(r) {
  const errors = []
  const meta = r.metadata && typeof r.metadata === 'object' ? r.metadata : {}
  const name = meta.name === undefined || meta.name === null ? '' : String(meta.name)
  if (!new RegExp(`^${nameFormat}$`).test(name))
    errors.push(
      fieldError(
        'Metadata.Name',
        name,
        `name must consist of lower case alphanumeric characters, '-' or '.' (regex: ${nameFormat})`
      )
    )
  if (r.kind === 'IPPool') {
    const spec = r.spec && typeof r.spec === 'object' ? r.spec : {}
    const cidrText = spec.cidr === undefined || spec.cidr === null ? '' : String(spec.cidr)
    if (cidrText === '') errors.push(fieldError('IPpool.CIDR', cidrText, 'IPPool CIDR must be specified'))
    const cidr = parseCidr(cidrText)
    if (!cidr) {
      errors.push(fieldError('IPpool.CIDR', cidrText, 'IPPool CIDR must be a valid subnet'))
    } else {
      const blockSize =
        spec.blockSize === undefined || spec.blockSize === null
          ? cidr.version === 4
            ? 26
            : 122
          : Number(spec.blockSize)
      const [low, high] = cidr.version === 4 ? [20, 32] : [116, 128]
      if (!Number.isInteger(blockSize) || blockSize < low || blockSize > high)
        errors.push(
          fieldError(
            'IPpool.BlockSize',
            spec.blockSize,
            `IPv${cidr.version} block size must be between ${low} and ${high}`
          )
        )
      else if (spec.disabled !== true && cidr.prefix > blockSize)
        errors.push(
          fieldError(
            'IPpool.CIDR',
            cidrText,
            'IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size.'
          )
        )
      if (/1/.test(cidr.bits.slice(cidr.prefix)))
        errors.push(fieldError('IPpool.CIDR', cidrText, 'IP pool CIDR is not strictly masked'))
      if (
        cidr.version === 4 &&
        cidr.bits.slice(0, Math.min(16, cidr.prefix)) ===
          '1010100111111110'.slice(0, Math.min(16, cidr.prefix))
      )
        errors.push(
          fieldError(
            'IPpool.CIDR',
            cidrText,
            'IP pool range overlaps with IPv4 Link Local range 169.254.0.0/16'
          )
        )
      for (const [field, label] of [
        ['ipipMode', 'IPIPMode'],
        ['vxlanMode', 'VXLANMode']
      ]) {
        const mode = spec[field]
        if (mode === undefined || mode === null || mode === '') continue
        if (!encapModes.includes(mode)) errors.push(fieldError(label, mode))
        else if (cidr.version === 6 && mode !== 'Never')
          errors.push(
            fieldError(
              `IPpool.${label}`,
              mode,
              `${label} other than 'Never' is not supported on an IPv6 IP pool`
            )
          )
      }
    }
  }
  return errors
}

function formatField(f) {
  const value = f.value === undefined ? '' : ` = '${f.value === null ? '<nil>' : f.value}'`
  return `${f.name}${value}${f.reason ? ` (${f.reason})` : ''}`
}

function formatError(fields) {
  if (fields.length === 1) return `error with field ${formatField(fields[0])}`
  return `error with the following fields:\n${fields.map(f => `-  ${formatField(f)}\n`).join('')}`
}

// ---- the command ---------------------------------------------------------------------------------------------------

let filename
let invalid = false
for (let i = 1; i < args.length; i++) {
  const arg = args[i]
  if (arg === '-f' || arg === '--filename') filename = args[++i]
  else if (arg.startsWith('--filename=')) filename = arg.slice('--filename='.length)
  else if (!['-R', '--recursive', '--skip-empty', '--allow-version-mismatch'].includes(arg)) invalid = true
}
if (filename === undefined || invalid)
  fail(`invalid option: 'calicoctl ${args.join(' ')}'. Use flag '--help' to read about a specific subcommand`)

let text
try {
  text = filename === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(filename, 'utf8')
} catch {
  fail(`failed to execute command: open ${filename}: no such file or directory`)
}

let resources
try {
  resources = parseStream(text)
  resources.forEach(checkStructure)
} catch (e) {
  fail(
    `failed to execute command: ${e instanceof FileError ? e.message : `error parsing ${filename}: ${e.message}`}`
  )
}
if (resources.length === 0) fail(`No resources specified in file ${filename}`)

const kindsSeen = new Set(resources.map(r => r.kind))
const singleKind = kindsSeen.size === 1 ? resources[0].kind : ''
const resErrs = []
let handled = 0
for (const r of resources) {
  const errors = validateResource(r)
  if (errors.length > 0) resErrs.push(formatError(errors))
  else handled++
}

if (handled === 0) {
  const list = `[${resErrs.join(' ')}]`
  if (resources.length === 1) fail(`failed to validate '${singleKind}' resource: ${list}`)
  if (singleKind) fail(`failed to validate any '${singleKind}' resources: ${list}`)
  fail(`failed to validate any resources: ${list}`)
}
if (resErrs.length === 0) {
  process.stdout.write(
    singleKind
      ? `Successfully validated ${handled} '${singleKind}' resource(s)\n`
      : `Successfully validated ${handled} resource(s)\n`
  )
  process.exit(0)
}
process.stdout.write(
  `Partial success: ${
    singleKind
      ? `validated the first ${handled} out of ${resources.length} '${singleKind}' resources:`
      : `validated the first ${handled} out of ${resources.length} resources:`
  }\n`
)
fail(`hit error(s): [${resErrs.join(' ')}]`)
