import { readFileSync } from 'node:fs'
import path from 'node:path'
import { DEFAULT_CONFIG_PATH, DEFAULTS, readSettings } from '../../src/settings/inputs.js'
import { declaredInputs, repoRoot } from '../../support/runner.js'

/**
 * A runner sends every input that action.yml declares, its default filled in. The code's defaults must be those
 * values, and a default sent by the runner must read exactly like an input the workflow left unset.
 */
const declared = declaredInputs()
const codeDefaults: Record<string, string> = DEFAULTS

describe('the defaults in action.yml and in the code', () => {
  it.each(declared.map(d => [d.name, d.default ?? ''] as const))('%s: %p', (name, actionDefault) => {
    if (actionDefault.includes('${{')) expect(codeDefaults[name]).toBeUndefined()
    else if (actionDefault === '') expect(codeDefaults[name]).toBeUndefined()
    else expect(codeDefaults[name]).toBe(actionDefault)
  })

  it('declares every input the code has a default for', () => {
    expect(Object.keys(DEFAULTS).filter(k => !declared.some(d => d.name === k))).toEqual([])
  })

  it('reads the values a runner sends for an unset input exactly as an unset input', () => {
    const sent = Object.fromEntries(
      declared.map(d => [d.name, (d.default ?? '').replace(/\$\{\{[^}]*\}\}/g, 'ghs_runner_token')])
    )
    const fromRunner = readSettings(name => sent[name] ?? '')
    const unset = readSettings(() => '')
    expect({ ...fromRunner, token: '' }).toEqual(unset)
    expect(fromRunner.token).toBe('ghs_runner_token')
    // Only an empty config input means "not chosen": the default path is then optional.
    expect(fromRunner.configExplicit).toBe(false)
    expect(fromRunner.config).toBe(DEFAULT_CONFIG_PATH)
  })

  it('names the default config path in the config input description and the README', () => {
    const config = declared.find(d => d.name === 'config')!
    expect(config.default ?? '').toBe('')
    expect(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')).toContain(DEFAULT_CONFIG_PATH)
    const readmeRow = readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
      .split('\n')
      .find(l => l.startsWith('| `config` |'))
    expect(readmeRow).toContain(DEFAULT_CONFIG_PATH)
    expect(readmeRow).toMatch(/empty/)
  })
})
