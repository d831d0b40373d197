import semver from 'semver'
import type { Exec } from '../deps.js'
import { FcuError, type Finding } from '../errors.js'
import { positionOf, tryParseDocuments, type YamlDocument, type YamlPath } from '../yaml/documents.js'
import { isYamlFile } from './objects.js'
import { isObject } from '../yaml/values.js'
import { pushAll } from '../arrays.js'
import { calicoApiVersion } from './calico-api.js'

export { mentionsCalicoApi } from './calico-api.js'

/**
 * `calicoctl validate` (Calico v3.31 and later) on the repository's Calico resources (`projectcalico.org/v3`).
 *
 * Each file's Calico documents go to `calicoctl validate -f -` on stdin, without the other documents of the file
 * (calicoctl refuses kinds it does not know). calicoctl prints `Successfully validated N resource(s)` and exits 0, or
 * prints `failed to validate 'IPPool' resource: [error with field ...]` / `hit error(s): [...]` / `failed to execute
 * command: ...` on stderr and exits 1. It names fields, not lines; the line is found by matching the field name
 * against the document, and a file with several resources is re-validated one resource at a time to tell which one
 * failed.
 */

export interface CalicoFile {
  /** Repository-relative path. */
  path: string
  content: string
}

export interface CalicoctlTool {
  /** As installed, `3.31.7` or `v3.31.7`. */
  version: string
  path: string
}

export interface CalicoValidation {
  findings: Finding[]
  /** Why nothing was validated, when it was not (no calicoctl, or one without `validate`). */
  skipped?: string
}

export const calicoctlValidateSince = '3.31.0'

const isCalicoResource = (d: YamlDocument): boolean =>
  isObject(d.value) && d.value.apiVersion === calicoApiVersion && typeof d.value.kind === 'string'

/** The documents of each file that are Calico resources; files without any are left out. */
export function calicoDocuments(files: readonly CalicoFile[]): { path: string; documents: YamlDocument[] }[] {
  const out: { path: string; documents: YamlDocument[] }[] = []
  for (const f of files) {
    // A generator input (a script applying Calico resources) is no manifest.
    if (!isYamlFile(f.path) || !f.content.includes(calicoApiVersion)) continue
    const { documents } = tryParseDocuments(f.content, f.path)
    const calico = documents.filter(isCalicoResource)
    if (calico.length > 0) out.push({ path: f.path, documents: calico })
  }
  return out
}

export async function validateCalicoResources(
  files: readonly CalicoFile[],
  calicoctl: CalicoctlTool | undefined,
  exec: Exec
): Promise<CalicoValidation> {
  const targets = calicoDocuments(files)
  if (targets.length === 0) return { findings: [] }
  const count = targets.reduce((n, t) => n + t.documents.length, 0)
  const what = `${count} Calico resource${count === 1 ? '' : 's'} in ${targets.length} file${targets.length === 1 ? '' : 's'}`
  if (!calicoctl)
    return {
      findings: [],
      skipped: `calicoctl is not installed, so ${what} ${count === 1 ? 'was' : 'were'} not validated`
    }
  const version = semver.coerce(calicoctl.version)?.version
  if (!version || semver.lt(version, calicoctlValidateSince))
    return {
      findings: [],
      skipped: `calicoctl validate needs Calico v3.31 or later; v${version ?? calicoctl.version.replace(/^v/, '')} was installed`
    }

  const findings: Finding[] = []
  for (const target of targets) {
    const run = await validate(calicoctl, exec, target.documents)
    if (run.unsupported)
      return { findings, skipped: `calicoctl v${version} has no validate command: ${run.unsupported}` }
    if (run.ok) continue
    if (target.documents.length === 1) {
      pushAll(findings, toFindings(target.documents[0], run.message, version))
      continue
    }
    let attributed = false
    for (const doc of target.documents) {
      const single = await validate(calicoctl, exec, [doc])
      if (single.ok || single.unsupported) continue
      attributed = true
      pushAll(findings, toFindings(doc, single.message, version))
    }
    if (!attributed) pushAll(findings, toFindings(target.documents[0], run.message, version))
  }
  return { findings }
}

/**
 * `--allow-version-mismatch`: validation is offline, but calicoctl first compares its version with a cluster's when
 * the runner's kubeconfig reaches one, and fails on a mismatch or an unreachable API.
 */
export const validateArgs = ['validate', '-f', '-', '--allow-version-mismatch']

interface Run {
  ok: boolean
  message: string
  unsupported?: string
}

async function validate(tool: CalicoctlTool, exec: Exec, documents: readonly YamlDocument[]): Promise<Run> {
  const input = documents.map(d => d.text.replace(/\n*$/, '\n')).join('---\n')
  let result
  try {
    result = await exec(tool.path, validateArgs, { input })
  } catch (e) {
    throw new FcuError('tool', `calicoctl could not be run: ${(e as Error).message}`, {
      hint: 'Check that the installed calicoctl is executable on this runner.',
      cause: e
    })
  }
  const output = [result.stderr, result.stdout]
    .filter(s => s.trim() !== '')
    .join('\n')
    .trim()
  if (result.exitCode === 0) return { ok: true, message: output }
  if (/unknown command: "validate"|Invalid option: 'validate/.test(output))
    return { ok: false, message: output, unsupported: output.split('\n')[0] }
  return { ok: false, message: output }
}

/** One field error from calicoctl's `error with field NAME = 'VALUE' (REASON)` text. */
export interface FieldError {
  field: string
  value?: string
  reason?: string
}

/** Splits calicoctl's error text into field errors; text without any is returned whole as `rest`. */
export function parseCalicoctlErrors(message: string): { errors: FieldError[]; rest?: string } {
  const errors: FieldError[] = []
  const chunks = message
    .split(/error with field |\n-\s+/)
    .slice(1)
    .map(c => c.replace(/\]\s*$/, '').trim())
  for (const chunk of chunks) {
    const m = /^(\S+)(?: = '([\s\S]*?)')?(?: \(([\s\S]*)\))?\s*$/.exec(chunk.replace(/\n[\s\S]*$/, ''))
    if (m)
      errors.push({
        field: m[1],
        ...(m[2] !== undefined ? { value: m[2] } : {}),
        ...(m[3] ? { reason: m[3] } : {})
      })
  }
  if (errors.length > 0) return { errors }
  const text = message.replace(/^failed to execute command:\s*/m, '').trim()
  return { errors: [], rest: text }
}

/** Every key path of a document, for matching calicoctl's field names (`IPpool.CIDR`) to `spec.cidr`. */
function keyPaths(value: unknown, prefix: YamlPath = [], out: YamlPath[] = []): YamlPath[] {
  if (Array.isArray(value)) value.forEach((v, i) => keyPaths(v, [...prefix, i], out))
  else if (isObject(value))
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k])
      keyPaths(v, [...prefix, k], out)
    }
  return out
}

function valueAt(value: unknown, path: YamlPath): unknown {
  let v = value
  for (const s of path)
    v = isObject(v) || Array.isArray(v) ? (v as Record<string, unknown>)[String(s)] : undefined
  return v
}

/** The document path a calicoctl field name refers to; the closest existing ancestor when the field is absent. */
export function pathOfField(doc: YamlDocument, field: string, value?: string): YamlPath {
  const kind = String((doc.value as Record<string, unknown>).kind ?? '').toLowerCase()
  let segments = field.split('.').map(s => s.toLowerCase())
  if (segments.length > 1 && segments[0] === kind) segments = segments.slice(1)
  const paths = keyPaths(doc.value).filter(p => p.every(s => typeof s === 'string' || typeof s === 'number'))
  const keysOf = (p: YamlPath) => p.filter(s => typeof s === 'string').map(s => String(s).toLowerCase())
  for (let n = segments.length; n > 0; n--) {
    const tail = segments.slice(segments.length - n)
    const matches = paths.filter(p => {
      const keys = keysOf(p)
      return keys.length >= tail.length && tail.every((s, i) => keys[keys.length - tail.length + i] === s)
    })
    if (matches.length === 0) continue
    const exact = value === undefined ? undefined : matches.find(p => String(valueAt(doc.value, p)) === value)
    // Prefer the match under spec: calicoctl reports spec fields without the `Spec.` prefix.
    return exact ?? matches.find(p => p[0] === 'spec') ?? matches[0]
  }
  return isObject((doc.value as Record<string, unknown>).spec) ? ['spec'] : []
}

const describeDoc = (doc: YamlDocument): string => {
  const v = doc.value as Record<string, unknown>
  const meta = isObject(v.metadata) ? v.metadata : {}
  return `${String(v.kind)} ${typeof meta.name === 'string' ? meta.name : '(unnamed)'}`
}

function toFindings(doc: YamlDocument, message: string, version: string): Finding[] {
  const { errors, rest } = parseCalicoctlErrors(message)
  const hint = `Fix the resource; \`calicoctl validate -f ${doc.file}\` (Calico v${version}) prints the same error.`
  const at = (path: YamlPath) => {
    const { line, column } = positionOf(doc, path)
    return { file: doc.file, line, column }
  }
  if (errors.length === 0) {
    const unknownField = /not recognized or is in the wrong location: (\S+)/.exec(rest ?? '')
    const path = /Unknown resource type/i.test(rest ?? '')
      ? ['kind']
      : unknownField
        ? pathOfField(doc, unknownField[1])
        : []
    return [
      {
        severity: 'error',
        rule: 'calico/invalid-resource',
        ...at(path),
        message: `calicoctl validate rejects ${describeDoc(doc)}: ${rest ?? message}`,
        hint
      }
    ]
  }
  return errors.map(e => ({
    severity: 'error' as const,
    rule: 'calico/invalid-resource',
    ...at(pathOfField(doc, e.field, e.value)),
    message: `calicoctl validate rejects ${describeDoc(doc)}: ${e.field}${e.value !== undefined ? ` = '${e.value}'` : ''}${
      e.reason ? `: ${e.reason}` : ''
    }`,
    hint
  }))
}
