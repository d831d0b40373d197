/**
 * Writes support/github/openapi.json: the operations the GitHub API double serves, cut out of GitHub's published
 * OpenAPI description (the npm package @octokit/openapi, about 400 MB unpacked, so it is no dependency of the
 * project), with every schema they reference and nothing else. Descriptions and examples are dropped: the double
 * checks shapes, not prose.
 *
 *   npm install --no-save @octokit/openapi@23.0.2 && npx tsx scripts/trim-github-openapi.ts
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The operations publishing calls, by operationId. */
const operations = [
  'repos/get',
  'pulls/list',
  'pulls/create',
  'pulls/update',
  'pulls/request-reviewers',
  'issues/create-comment',
  'issues/add-labels',
  'issues/add-assignees',
  'issues/get-label',
  'issues/create-label',
  'git/get-ref',
  'git/create-ref',
  'git/update-ref',
  'git/delete-ref',
  'git/create-blob',
  'git/create-tree',
  'git/create-commit'
]

type Json = unknown

/** Drops prose and examples; a property that happens to be called `description` is kept. */
function strip(v: Json, underProperties = false): Json {
  if (Array.isArray(v)) return v.map(x => strip(x))
  if (v === null || typeof v !== 'object') return v
  const out: Record<string, Json> = {}
  for (const [k, x] of Object.entries(v)) {
    if (!underProperties) {
      if (k === 'description' || k === 'examples' || k === 'example' || k === 'summary') continue
      if (k.startsWith('x-') && k !== 'x-github') continue
    }
    out[k] = strip(x, !underProperties && k === 'properties')
  }
  return out
}

function refsOf(v: Json, into: Set<string>): void {
  if (Array.isArray(v)) return v.forEach(x => refsOf(x, into))
  if (v === null || typeof v !== 'object') return
  for (const [k, x] of Object.entries(v)) {
    if (k === '$ref' && typeof x === 'string') into.add(x)
    else refsOf(x, into)
  }
}

function main(): void {
  const packageDir = path.join(root, 'node_modules/@octokit/openapi')
  const source = process.argv[2] ?? path.join(packageDir, 'generated/api.github.com.json')
  const version = (
    JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }
  ).version
  const spec = JSON.parse(readFileSync(source, 'utf8')) as {
    openapi: string
    paths: Record<string, Record<string, { operationId?: string }>>
    components: Record<string, Record<string, Json>>
  }
  const paths: Record<string, Record<string, Json>> = {}
  for (const [p, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op.operationId || !operations.includes(op.operationId)) continue
      ;(paths[p] ??= {})[method] = strip(op)
    }
  }
  const missing = operations.filter(
    id =>
      !Object.values(paths).some(i =>
        Object.values(i).some(o => (o as { operationId: string }).operationId === id)
      )
  )
  if (missing.length) throw new Error(`not in ${source}: ${missing.join(', ')}`)

  const components: Record<string, Record<string, Json>> = {}
  const seen = new Set<string>()
  const queue = new Set<string>()
  refsOf(paths, queue)
  while (queue.size > 0) {
    const ref = queue.values().next().value as string
    queue.delete(ref)
    if (seen.has(ref)) continue
    seen.add(ref)
    const [, , kind, name] = ref.split('/')
    const value = strip(spec.components[kind][name])
    ;(components[kind] ??= {})[name] = value
    const more = new Set<string>()
    refsOf(value, more)
    for (const r of more) if (!seen.has(r)) queue.add(r)
  }
  const out = {
    openapi: spec.openapi,
    info: { title: `GitHub REST API (@octokit/openapi ${version}, trimmed)` },
    paths,
    components
  }
  writeFileSync(path.join(root, 'support/github/openapi.json'), JSON.stringify(out) + '\n')
  console.log(`${operations.length} operations, ${seen.size} components`)
}

main()
