/**
 * Hostile input (issue 14, item 3): files a new user, a careless generator or an attacker's pull request can put in
 * a repository. Each case pins the message the run prints and that the work is bounded by structure (an error
 * before expansion, no recursion the input can deepen), not by a clock.
 */
import { discoverTargets } from '../../src/targets/discover.js'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { realExec } from '../../src/adapters.js'
import { parseConfig } from '../../src/config/config.js'
import { GIT_STALL_SECONDS, gitAuthEnv } from '../../src/publish/git.js'
import { loadConfig } from '../../src/config/load.js'
import { readSettings, type Settings } from '../../src/settings/inputs.js'
import { insideWorkspace } from '../../src/workspace/paths.js'
import { readRepository, readYamlFiles } from '../../src/workspace/repository.js'
import { applyChanges } from '../../src/workspace/transaction.js'
import { firstInvalidUtf8, MAX_YAML_FILE_BYTES } from '../../src/workspace/text.js'
import { rejection, thrown } from '../helpers/errors.js'
import { startServer } from '../http/localServer.js'
import { FcuError } from '../../src/errors.js'
import { validateRepository } from '../../src/validate/validator.js'
import { YAML_MAX_EXPANDED } from '../../src/yaml/load.js'

/** Nine anchors of nine aliases each: 9^9 (387 million) strings once expanded, about 250 characters of text. */
export function aliasBomb(indent: string): string {
  const lines = [`${indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`]
  const names = 'abcdefghi'
  for (let i = 1; i < names.length; i++) {
    const prev = `*${names[i - 1]}`
    lines.push(`${indent}${names[i]}: &${names[i]} [${Array(9).fill(prev).join(',')}]`)
  }
  return lines.join('\n')
}

const helmRelease = (values: string): string =>
  [
    'apiVersion: helm.toolkit.fluxcd.io/v2',
    'kind: HelmRelease',
    'metadata:',
    '  name: podinfo',
    '  namespace: default',
    'spec:',
    '  interval: 1m',
    '  chart:',
    '    spec:',
    '      chart: podinfo',
    '      sourceRef: {kind: HelmRepository, name: podinfo}',
    '  values:',
    values,
    ''
  ].join('\n')

const errorsOf = (files: { path: string; content: string }[]) =>
  validateRepository({ files }).findings.filter(f => f.severity === 'error')

describe('a YAML alias bomb ("billion laughs")', () => {
  it("in a HelmRelease's spec.values is refused at its first alias, before anything expands it", () => {
    const errors = errorsOf([{ path: 'apps/podinfo.yaml', content: helmRelease(aliasBomb('    ')) }])
    expect(errors).toEqual([
      expect.objectContaining({
        rule: 'yaml/parse',
        file: 'apps/podinfo.yaml',
        line: 14,
        message:
          'apps/podinfo.yaml: a YAML document is refused: its aliases expand it to more than ' +
          "3,145,728 characters (the API server's request limit)",
        hint: expect.stringContaining('Write the repeated values out')
      })
    ])
  })

  it("in the manifests of a ConfigMap's data is refused at the file line of its first alias", () => {
    const manifest = helmRelease(aliasBomb('        '))
    const content = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: crs-cm-apps',
      '  namespace: default',
      'data:',
      '  apps.yaml: |',
      ...manifest
        .trimEnd()
        .split('\n')
        .map(l => `    ${l}`),
      ''
    ].join('\n')
    const errors = errorsOf([{ path: 'crs/cm-apps.yaml', content }])
    expect(errors).toEqual([
      expect.objectContaining({
        rule: 'yaml/parse',
        file: 'crs/cm-apps.yaml',
        // Line 14 of the embedded manifest, whose first line is the file's line 8.
        line: 21,
        message: expect.stringContaining('its aliases expand it to more than 3,145,728 characters')
      })
    ])
  })

  it('in the config file is a config error naming the file and line', () => {
    const text = `flux:\n  install:\n    log-level: debug\nbomb:\n${aliasBomb('  ')}\n`
    let thrown: unknown
    try {
      parseConfig(text, '.github/flux-crs-upgrade.yaml')
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(FcuError)
    expect(thrown).toMatchObject({
      location: { file: '.github/flux-crs-upgrade.yaml', line: 6 },
      message: expect.stringContaining('its aliases expand it to more than 3,145,728 characters')
    })
  })

  it('keeps ordinary anchors: a block reused a few times reads as before', () => {
    const values = [
      '    base: &base {replicas: 2, image: {tag: "1.0"}}',
      '    blue: *base',
      '    green: *base'
    ].join('\n')
    expect(errorsOf([{ path: 'apps/podinfo.yaml', content: helmRelease(values) }])).toEqual([])
    expect(YAML_MAX_EXPANDED).toBe(3 * 1024 * 1024)
  })
})

describe('documents whose shape would decide the depth of a recursion', () => {
  it('a flow-style kind: List of 126,000 items on one line validates (no call takes one argument per item)', () => {
    const items = Array.from(
      { length: 126_000 },
      (_, i) =>
        `{apiVersion: v1, kind: ConfigMap, metadata: {name: cm-${i}, namespace: default}, data: {k: v}}`
    )
    const content = `{apiVersion: v1, kind: List, items: [${items.join(', ')}]}\n`
    const r = validateRepository({ files: [{ path: 'list.yaml', content }] })
    expect(r.findings.filter(f => f.severity === 'error')).toEqual([])
    expect(r.resources).toBe(126_000)
  }, 120_000)

  it('10,000 nested flow sequences are refused while parsing, at 100 levels, with the file position', () => {
    const content = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`
    expect(errorsOf([{ path: 'deep.yaml', content }])).toEqual([
      expect.objectContaining({
        rule: 'yaml/parse',
        file: 'deep.yaml',
        line: 4,
        message: 'deep.yaml does not parse as YAML: nesting exceeded maxDepth (100)',
        hint: expect.stringContaining('Nest the document at most 100 levels deep')
      })
    ])
  })

  it('10,000 nested block mappings are refused the same way', () => {
    const nested = Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n')
    const content = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n${nested} x\n`
    expect(errorsOf([{ path: 'deep.yaml', content }])).toEqual([
      expect.objectContaining({ rule: 'yaml/parse', message: expect.stringContaining('maxDepth (100)') })
    ])
  })
})

describe('paths that lead out of the workspace', () => {
  let workspace: string
  let outside: string
  beforeEach(() => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'fcu-hostile-'))
    workspace = path.join(base, 'workspace')
    outside = path.join(base, 'outside')
    mkdirSync(path.join(workspace, '.github'), { recursive: true })
    mkdirSync(outside)
    writeFileSync(path.join(outside, 'secret.yaml'), 'flux: {install: {log-level: debug}}\n')
  })
  const settings = (config: string): Settings => ({
    ...readSettings(name => (name === 'config' ? config : '')),
    workingDirectory: workspace
  })

  it.each([
    ['../../etc/passwd', 'Input config "../../etc/passwd" is outside the workspace'],
    ['/etc/passwd', 'Input config "/etc/passwd" is outside the workspace']
  ])('config %s is refused before anything is read', async (config, message) => {
    const e = await rejection(loadConfig(workspace, settings(config)))
    expect(e.message).toBe(`${message} ${workspace}`)
    expect(e.location).toEqual({ input: 'config' })
  })

  it('a config file that is a symlink to a file outside is refused, not read', async () => {
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(workspace, '.github/flux-crs-upgrade.yaml'))
    const e = await rejection(loadConfig(workspace, settings('')))
    expect(e.message).toBe(
      `Input config ".github/flux-crs-upgrade.yaml" leads through a symlink to ${path.join(outside, 'secret.yaml')}, outside the workspace ${workspace}`
    )
  })

  it('working-directory ../.. is refused', () => {
    expect(thrown(() => insideWorkspace(workspace, '../..', 'working-directory')).message).toBe(
      `Input working-directory "../.." is outside the workspace ${workspace}`
    )
  })

  it('a write into a folder that is a symlink leading out is refused, and nothing is written anywhere', async () => {
    symlinkSync(outside, path.join(workspace, 'clusters'))
    const e = await rejection(applyChanges(workspace, [{ path: 'clusters/new.yaml', content: 'x: 1\n' }]))
    expect(e.message).toContain(
      `"clusters/new.yaml" leads through a symlink to ${path.join(outside, 'new.yaml')}`
    )
    expect(readdirSync(outside)).toEqual(['secret.yaml'])
  })

  it('a config target that is a symlink inside the workspace is refused at its config line, naming what to do', async () => {
    mkdirSync(path.join(workspace, 'base'))
    writeFileSync(path.join(workspace, 'base/gotk-components.yaml'), '# Flux Version: v2.7.5\n')
    mkdirSync(path.join(workspace, 'clusters/a'), { recursive: true })
    symlinkSync('../../base/gotk-components.yaml', path.join(workspace, 'clusters/a/gotk-components.yaml'))
    writeFileSync(
      path.join(workspace, '.github/flux-crs-upgrade.yaml'),
      'targets:\n  - path: clusters/a/gotk-components.yaml\n    type: flux-components\n'
    )
    const read = await readRepository(workspace)
    expect(read.links).toEqual(['clusters/a/gotk-components.yaml'])
    const config = await loadConfig(workspace, settings(''))
    const e = thrown(() => discoverTargets(read.files, config, new Set(read.links)))
    expect(e.message).toBe(
      '.github/flux-crs-upgrade.yaml: target clusters/a/gotk-components.yaml is a symbolic link; the upgrade neither reads nor writes through links'
    )
    expect(e.location).toEqual({ file: '.github/flux-crs-upgrade.yaml', line: 2 })
  })

  it('a target file that is a symlink to a file outside is neither read nor written through', async () => {
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(workspace, 'gotk-components.yaml'))
    const read = await readRepository(workspace)
    expect(read.files.map(f => f.path)).toEqual([])
    expect(read.unread).toEqual([{ path: 'gotk-components.yaml', reason: 'outside-repository' }])
    await rejection(applyChanges(workspace, [{ path: 'gotk-components.yaml', content: 'x: 1\n' }]))
    expect(readFileSync(path.join(outside, 'secret.yaml'), 'utf8')).toBe(
      'flux: {install: {log-level: debug}}\n'
    )
  })
})

describe('manifests as text', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'fcu-text-'))
  })
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: default\ndata:\n'
  const kustomization = (...resources: string[]) => ({
    path: 'kustomization.yaml',
    content: `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map(r => `  - ${r}\n`).join('')}`
  })

  it('a YAML file over 16 MiB is refused, naming the file and the limit, before it is read', async () => {
    const big = path.join(root, 'big.yaml')
    writeFileSync(big, cm)
    truncateSync(big, MAX_YAML_FILE_BYTES + 1)
    const e = await rejection(readYamlFiles(root))
    expect(e.message).toBe(
      'big.yaml is 16,777,217 bytes, over the 16,777,216 bytes a YAML file may have here'
    )
    expect(e.location).toEqual({ file: 'big.yaml' })
  })

  it('a file that is not UTF-8 is refused with the line and byte offset of the first bad byte', async () => {
    writeFileSync(
      path.join(root, 'latin1.yaml'),
      Buffer.concat([Buffer.from(`${cm}  a: caf`), Buffer.from([0xe9, 0x0a])])
    )
    const e = await rejection(readYamlFiles(root))
    expect(e.message).toBe('latin1.yaml is not UTF-8: byte 86 (line 7) is 0xe9')
    expect(e.location).toEqual({ file: 'latin1.yaml', line: 7 })
    expect(e.hint).toContain('Save the file as UTF-8')
  })

  it('reading the repository for a run, a refused file is a warning, not a stop; a kustomization listing it is an error', async () => {
    writeFileSync(path.join(root, 'ok.yaml'), cm)
    writeFileSync(
      path.join(root, 'latin1.yaml'),
      Buffer.concat([Buffer.from('app: caf'), Buffer.from([0xe9, 0x0a])])
    )
    const read = await readRepository(root)
    expect(read.files.map(f => f.path)).toEqual(['ok.yaml'])
    expect(read.refused).toEqual([
      expect.objectContaining({
        severity: 'warning',
        rule: 'yaml/unreadable',
        file: 'latin1.yaml',
        line: 1,
        message: 'latin1.yaml is not UTF-8: byte 8 (line 1) is 0xe9: not read, so not validated'
      })
    ])
    expect(read.unread).toEqual([{ path: 'latin1.yaml', reason: 'refused' }])
    const report = validateRepository({
      files: read.files.concat(kustomization('latin1.yaml')),
      unread: read.unread
    })
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        file: 'kustomization.yaml',
        message: expect.stringContaining('latin1.yaml, which was not read: it is not UTF-8 text')
      })
    )
  })

  it.each([
    ['an overlong form', [0xc0, 0xaf], 0],
    ['a surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['a truncated sequence', [0x61, 0x62, 0xe2, 0x82], 2],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0]
  ])('finds %s', (_what, bytes, offset) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(offset)
  })

  it('keeps a byte order mark, CRLF line ends and tabs in values as they are on disk', async () => {
    const crlf = `\uFEFF${cm}  a: "x\\ty"\n  b: x\ty\n`.replace(/\n/g, '\r\n')
    writeFileSync(path.join(root, 'crlf.yaml'), crlf)
    const read = await readRepository(root)
    expect(read.files).toEqual([{ path: 'crlf.yaml', content: crlf }])
    const r = validateRepository({ files: read.files })
    expect(r.findings).toEqual([])
    expect(r.resources).toBe(1)
  })

  it('a tab in indentation is a parse error at its line', () => {
    expect(errorsOf([{ path: 'tab.yaml', content: `${cm}\ta: "1"\n` }])).toEqual([
      expect.objectContaining({
        rule: 'yaml/parse',
        line: 7,
        message: 'tab.yaml does not parse as YAML: tab characters must not be used in indentation'
      })
    ])
  })

  it('a key twice in one mapping is an error naming both lines, in block and flow style', () => {
    const block = `${cm}  a: "1"\n  b: "2"\n  a: "3"\n`
    const flow = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default, name: y}\n'
    const items =
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n  kind: Secret\n'
    expect(
      errorsOf([
        { path: 'block.yaml', content: block },
        { path: 'flow.yaml', content: flow },
        { path: 'items.yaml', content: items }
      ]).map(f => [f.file, f.line, f.message])
    ).toEqual([
      ['block.yaml', 9, 'block.yaml: key "a" appears twice in one mapping, at lines 7 and 9'],
      ['flow.yaml', 3, 'flow.yaml: key "name" appears twice in one mapping'],
      ['items.yaml', 7, 'items.yaml: key "kind" appears twice in one mapping, at lines 5 and 7']
    ])
  })

  it('a ConfigMap data key "../../x" is an invalid key, and only ever a key', () => {
    const errors = errorsOf([{ path: 'cm.yaml', content: `${cm}  ../../x: hello\n` }])
    expect(errors).toEqual([
      expect.objectContaining({
        rule: 'object/invalid-key',
        line: 7,
        message:
          'ConfigMap \'default/x\': data key "../../x" may only hold letters, digits, "-", "_" and "." (at most 253 characters, not starting with "..")'
      })
    ])
  })
})

describe('a git remote that accepts the connection and never answers', () => {
  it('is given up by git after 30 s without progress, through the environment every git command gets', async () => {
    const env = gitAuthEnv(undefined, {})
    const entries = Object.fromEntries(
      Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [
        env[`GIT_CONFIG_KEY_${i}`],
        env[`GIT_CONFIG_VALUE_${i}`]
      ])
    )
    expect(entries).toMatchObject({ 'http.lowSpeedLimit': '1', 'http.lowSpeedTime': '30' })
    expect(GIT_STALL_SECONDS).toBe(30)

    // The same mechanism with the time cut to 1 s (a later entry wins): git itself gives up on the stalled remote.
    const server = await startServer(() => 'stall')
    try {
      const n = Number(env.GIT_CONFIG_COUNT)
      const shortened = {
        ...env,
        GIT_CONFIG_COUNT: String(n + 1),
        [`GIT_CONFIG_KEY_${n}`]: 'http.lowSpeedTime',
        [`GIT_CONFIG_VALUE_${n}`]: '1'
      }
      const r = await realExec('git', ['ls-remote', `${server.url}/example-org/fleet.git`], {
        env: shortened
      })
      expect(r.exitCode).not.toBe(0)
      expect(r.stderr).toMatch(/too slow|Operation timed out|low speed/i)
    } finally {
      await server.close()
    }
  }, 30_000)
})
