import { CollectCache, validateRepository } from '../../../src/validate/validator.js'

/** The rule and message of each finding for one manifest, through the validator as a repository sees it. */
const check = (manifest: string) =>
  validateRepository({ files: [{ path: 'apps/x.yaml', content: manifest }] })
    .findings.filter(f => f.rule.startsWith('object/'))
    .map(f => `${f.rule} @${f.line}: ${f.message}`)

const configMap = (meta: string, data = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: apps\n${meta}${data}`

describe('name rules', () => {
  it('checks label keys: an optional lowercase DNS prefix, then a name of up to 63 characters', () => {
    expect(check(configMap('  labels:\n    Example.COM/team: a\n'))).toEqual([
      expect.stringMatching(/^object\/invalid-label @7: .*label key "Example.COM\/team": its prefix/)
    ])
    expect(check(configMap(`  labels:\n    ${'k'.repeat(64)}: a\n`))).toEqual([
      expect.stringContaining('its name part must be 1 to 63 characters')
    ])
    expect(check(configMap('  labels:\n    example.com/team_name.v1: A-b_c.9\n    empty: ""\n'))).toEqual([])
  })

  it('checks label values: at most 63 characters, letters, digits and -_. inside', () => {
    expect(check(configMap(`  labels:\n    a: ${'v'.repeat(64)}\n    b: -leading\n`))).toEqual([
      expect.stringContaining('label a: value must be no more than 63 characters (it has 64)'),
      expect.stringContaining('label b: value may hold')
    ])
  })

  it('refuses ConfigMap and Secret keys that are no file names, and keys starting with ".."', () => {
    const secret =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: apps\nstringData:\n  "..data": x\n  user name: y\n  .dockerconfigjson: z\n'
    expect(check(secret)).toEqual([
      expect.stringContaining('stringData key "..data"'),
      expect.stringContaining('stringData key "user name"')
    ])
  })

  it('allows RBAC names anything but "/" and "%", as path segments', () => {
    const role = (name: string) =>
      `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: "${name}"\n  namespace: apps\nrules: []\n`
    expect(check(role('system:Flux_Readers'))).toEqual([])
    expect(check(role('team/readers'))).toEqual([expect.stringContaining('may not contain "/" or "%"')])
  })

  it('leaves names of kinds with rules of their own, and of custom resources, to the API server', () => {
    const bundle =
      'apiVersion: certificates.k8s.io/v1beta1\nkind: ClusterTrustBundle\nmetadata:\n  name: example.com:signer:bundle\n'
    expect(check(bundle)).toEqual([])
    const custom =
      'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: Big_Widget\n  namespace: apps\n'
    expect(check(custom)).toEqual([])
  })
})

describe('name rules over the validations of a run', () => {
  it('places the problems of one value where each object of it stands', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n'
    const cache = new CollectCache()
    const files = [
      { path: 'a.yaml', content: text },
      { path: 'b/c.yaml', content: `---\n${text}` }
    ]
    for (let round = 0; round < 2; round++) {
      const found = validateRepository({ files }, cache)
        .findings.filter(f => f.rule === 'object/invalid-name')
        .map(f => [f.file, f.line])
      expect(found).toEqual([
        ['a.yaml', 4],
        ['b/c.yaml', 5]
      ])
    }
  })
})
