import { execFile } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { standinScript } from '../../support/standins/index.js'

const run = promisify(execFile)
const standins = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../support/standins')

describe('standinScript', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fcu-standin-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each(['flux', 'calicoctl'] as const)('prefixes %s.cjs with a shebang and its STANDIN settings', tool => {
    const script = standinScript(tool, 'v1.2.3', '/some/fixtures')
    const [shebang, prelude, ...rest] = script.split('\n')
    expect(shebang).toBe('#!/usr/bin/env node')
    expect(prelude).toBe(
      'const STANDIN = {"tool":"' +
        tool +
        '","version":"1.2.3","fixtures":"/some/fixtures","controllers":null};'
    )
    expect(rest.join('\n')).toBe(readFileSync(path.join(standins, `${tool}.cjs`), 'utf8'))
  })

  it('gives a real Flux release its real controller versions', () => {
    expect(standinScript('flux', '2.7.5', null).split('\n')[1]).toContain(
      '"controllers":{"source-controller":"1.7.4","kustomize-controller":"1.7.3","helm-controller":"1.4.5"'
    )
  })

  it('runs as an extension-less executable', async () => {
    const file = path.join(dir, 'flux')
    writeFileSync(file, standinScript('flux', '2.9.3', null))
    chmodSync(file, 0o755)
    expect((await run(file, ['version', '--client'])).stdout).toBe('flux: v2.9.3\n')
  })
})
