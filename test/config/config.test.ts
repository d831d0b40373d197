import { parseConfig } from '../../src/config/config.js'
import { FcuError } from '../../src/errors.js'
import { thrown } from '../helpers/errors.js'

const configError = (text: string): FcuError =>
  thrown(() => parseConfig(text, '.github/flux-crs-upgrade.yaml'))

describe('parseConfig', () => {
  it('reads targets, exclusions and install options', () => {
    const c = parseConfig(
      [
        'targets:',
        '  - path: ./clusters/a/gotk-components.yaml',
        '    type: flux-components',
        '    install:',
        '      registry: registry.example.com/fluxcd',
        '      toleration-keys: [role, gpu]',
        'exclude:',
        '  - clusters/frozen/**',
        'flux:',
        '  install:',
        '    network-policy: false',
        '    log-level: debug',
        'calico:',
        '  manifest: calico-typha.yaml'
      ].join('\n'),
      '.github/flux-crs-upgrade.yaml'
    )
    expect(c.targets).toEqual([
      {
        path: 'clusters/a/gotk-components.yaml',
        // Where the entry is, for a message about the file it names.
        line: 2,
        type: 'flux-components',
        install: { registry: 'registry.example.com/fluxcd', 'toleration-keys': ['role', 'gpu'] }
      }
    ])
    expect(c.exclude).toEqual(['clusters/frozen/**'])
    expect(c.flux.install).toEqual({ 'network-policy': false, 'log-level': 'debug' })
    expect(c.calico.manifest).toBe('calico-typha.yaml')
  })

  it('treats an empty file as no configuration', () => {
    expect(parseConfig('# nothing yet\n', 'c.yaml').targets).toEqual([])
  })

  it('names the line of an unknown key and lists the allowed ones', () => {
    const e = configError('targets: []\nexlude:\n  - a/**\n')
    expect(e.code).toBe('config')
    expect(e.location).toMatchObject({ file: '.github/flux-crs-upgrade.yaml', line: 2 })
    expect(e.message).toContain('unknown key "exlude"')
    expect(e.hint).toContain('exclude')
  })

  it('reports every error at once, each with its own line, and its location only once', () => {
    const e = configError(
      [
        'exlude: [a]',
        'targets:',
        '  - path: ../outside.yaml',
        '    type: flux-thing',
        '    install:',
        '      namespce: flux',
        '      log-level: loud',
        'calico:',
        '  manifest: calico-nope.yaml',
        ''
      ].join('\n')
    )
    expect(e.message).toBe('.github/flux-crs-upgrade.yaml has 6 errors')
    expect(e.findings.map(f => [f.line, f.message])).toEqual([
      [1, 'unknown key "exlude" in the config'],
      [3, '"../outside.yaml" points outside the repository'],
      [4, 'unknown target type "flux-thing"'],
      [6, 'unknown key "namespce" in targets[0].install'],
      [7, 'targets[0].install.log-level must be debug, info or error'],
      [9, 'unknown Calico manifest "calico-nope.yaml"']
    ])
    for (const f of e.findings) {
      expect(f).toMatchObject({
        severity: 'error',
        rule: 'run/config',
        file: '.github/flux-crs-upgrade.yaml'
      })
      expect(f.message).not.toContain('flux-crs-upgrade.yaml')
    }
  })

  it('names the line of an unknown install option inside a target', () => {
    const e = configError('targets:\n  - path: a.yaml\n    install:\n      namespce: flux\n')
    expect(e.location.line).toBe(4)
    expect(e.message).toContain('namespce')
  })

  it.each([
    ['targets:\n  - path: ../outside.yaml\n', 2, 'outside the repository'],
    ['targets:\n  - path: /etc/passwd\n', 2, 'outside the repository'],
    ['targets:\n  - path: a.yaml\n    type: helm-chart\n', 3, 'unknown target type'],
    ['flux:\n  install:\n    network-policy: "no"\n', 3, 'true or false'],
    ['flux:\n  install:\n    log-level: trace\n', 3, 'debug, info or error'],
    ['calico:\n  manifest: canal.yaml\n', 2, 'unknown Calico manifest'],
    ['- just\n- a list\n', 1, 'must be a mapping']
  ])('rejects %j at line %i', (text, line, message) => {
    const e = configError(text)
    expect(e.location.line).toBe(line)
    expect(e.message).toContain(message)
  })

  it('reports a YAML syntax error with its line', () => {
    const e = configError('targets:\n  - path: a.yaml\n   type: x\n')
    expect(e.code).toBe('manifest')
    expect(e.location.line).toBe(3)
  })
})
