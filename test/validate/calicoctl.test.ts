import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { Exec } from '../../src/deps.js'
import { realExec } from '../../src/adapters.js'
import {
  mentionsCalicoApi,
  parseCalicoctlErrors,
  validateArgs,
  validateCalicoResources,
  type CalicoFile
} from '../../src/validate/calicoctl.js'
import { standinScript } from '../../support/standins/index.js'
import { lineOf } from '../helpers/text.js'

const goodPool = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: default-ipv4-ippool
spec:
  cidr: 192.168.0.0/16
  blockSize: 26
  ipipMode: Never
  vxlanMode: CrossSubnet
  natOutgoing: true
  nodeSelector: all()
`
const felix = `apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: default
spec:
  bpfEnabled: true
`
const badCidr = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pods
spec:
  cidr: 10.0.0.0/33 # a typo
  natOutgoing: true
`

describe('validateCalicoResources with the calicoctl stand-in', () => {
  let dir: string
  const calicoctl = (version: string) => {
    const file = path.join(dir, `calicoctl-${version}`)
    writeFileSync(file, standinScript('calicoctl', version, null))
    chmodSync(file, 0o755)
    return { version, path: file }
  }
  /** The real exec, recording each command line. */
  const recording = () => {
    const calls: string[][] = []
    const exec: Exec = (file, args, options) => {
      calls.push(args)
      return realExec(file, args, options)
    }
    return { exec, calls }
  }

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fcu-calicoctl-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('v3.31.7 flags a bad IPPool with its file and the line of the field', async () => {
    const { exec, calls } = recording()
    const files: CalicoFile[] = [
      { path: 'clusters/prod/ippool.yaml', content: badCidr },
      { path: 'clusters/prod/felix.yaml', content: felix }
    ]
    const result = await validateCalicoResources(files, calicoctl('3.31.7'), exec)
    expect(result.skipped).toBeUndefined()
    expect(result.findings).toEqual([
      {
        severity: 'error',
        rule: 'calico/invalid-resource',
        file: 'clusters/prod/ippool.yaml',
        line: lineOf(badCidr, 'cidr:'),
        column: 3,
        message:
          "calicoctl validate rejects IPPool pods: IPpool.CIDR = '10.0.0.0/33': IPPool CIDR must be a valid subnet",
        hint: expect.stringContaining('calicoctl validate -f clusters/prod/ippool.yaml')
      }
    ])
    expect(calls).toEqual([validateArgs, validateArgs])
  })

  it('tells which resource of a file failed, and sends calicoctl only the Calico documents', async () => {
    const badPool = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: too-big-blocks
spec:
  cidr: 10.1.0.1/16
  blockSize: 40
  vxlanMode: Sometimes
`
    const content = [
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: calico-system\n',
      goodPool,
      felix,
      badPool
    ].join('---\n')
    const result = await validateCalicoResources(
      [{ path: 'calico/resources.yaml', content }],
      calicoctl('3.31.7'),
      realExec
    )
    const start = lineOf(content, 'name: too-big-blocks') - 3
    const at = (needle: string) => start - 1 + lineOf(badPool, needle)
    expect(
      result.findings.map(f => [
        f.file,
        f.line,
        f.message.replace(/^calicoctl validate rejects IPPool too-big-blocks: /, '')
      ])
    ).toEqual([
      [
        'calico/resources.yaml',
        at('blockSize'),
        "IPpool.BlockSize = '40': IPv4 block size must be between 20 and 32"
      ],
      [
        'calico/resources.yaml',
        at('cidr'),
        "IPpool.CIDR = '10.1.0.1/16': IP pool CIDR is not strictly masked"
      ],
      ['calico/resources.yaml', at('vxlanMode'), "VXLANMode = 'Sometimes'"]
    ])
  })

  it('points at an unknown field and an unknown kind', async () => {
    const unknownField = goodPool.replace(
      '  natOutgoing: true\n',
      '  natOutgoing: true\n  natOutgoingg: true\n'
    )
    const unknownKind = 'apiVersion: projectcalico.org/v3\nkind: IPPools\nmetadata:\n  name: x\n'
    const result = await validateCalicoResources(
      [
        { path: 'a.yaml', content: unknownField },
        { path: 'b.yaml', content: unknownKind }
      ],
      calicoctl('3.31.7'),
      realExec
    )
    expect(result.findings.map(f => [f.file, f.line, f.message])).toEqual([
      [
        'a.yaml',
        lineOf(unknownField, 'natOutgoingg'),
        expect.stringContaining('not recognized or is in the wrong location: natOutgoingg')
      ],
      ['b.yaml', lineOf(unknownKind, 'kind:'), expect.stringContaining('Unknown resource type (IPPools)')]
    ])
  })

  it('accepts valid resources', async () => {
    const result = await validateCalicoResources(
      [{ path: 'pools.yaml', content: `${goodPool}---\n${felix}` }],
      calicoctl('3.31.7'),
      realExec
    )
    expect(result).toEqual({ findings: [] })
  })

  it('skips calicoctl before v3.31, naming the installed version', async () => {
    const { exec, calls } = recording()
    const result = await validateCalicoResources(
      [{ path: 'ippool.yaml', content: badCidr }],
      calicoctl('3.29.7'),
      exec
    )
    expect(result).toEqual({
      findings: [],
      skipped: 'calicoctl validate needs Calico v3.31 or later; v3.29.7 was installed'
    })
    expect(calls).toEqual([])
  })

  it('reports a calicoctl without validate as skipped rather than as findings', async () => {
    // A build that claims v3.31 but answers like an older release.
    const old = calicoctl('3.29.7')
    const result = await validateCalicoResources(
      [{ path: 'ippool.yaml', content: badCidr }],
      { ...old, version: 'v3.31.0' },
      realExec
    )
    expect(result.findings).toEqual([])
    expect(result.skipped).toMatch(
      /^calicoctl v3\.31\.0 has no validate command: unknown command: "validate"/
    )
  })

  it('needs no calicoctl when there is nothing to validate, and says so when there is', async () => {
    const { exec, calls } = recording()
    expect(
      await validateCalicoResources(
        [{ path: 'cm.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' }],
        undefined,
        exec
      )
    ).toEqual({
      findings: []
    })
    expect(
      await validateCalicoResources([{ path: 'ippool.yaml', content: badCidr }], undefined, exec)
    ).toEqual({
      findings: [],
      skipped: 'calicoctl is not installed, so 1 Calico resource in 1 file was not validated'
    })
    expect(calls).toEqual([])
  })
})

describe('the calicoctl stand-in', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fcu-calicoctl-cli-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const install = (version: string) => {
    const file = path.join(dir, `calicoctl-${version}`)
    writeFileSync(file, standinScript('calicoctl', version, null))
    chmodSync(file, 0o755)
    return file
  }
  const write = (name: string, content: string) => {
    const file = path.join(dir, name)
    writeFileSync(file, content)
    return file
  }

  it('answers `validate -f <file>` like calicoctl v3.31: a count on success, the errors and exit 1 on failure', async () => {
    const bin = install('3.31.7')
    const good = await realExec(bin, ['validate', '-f', write('good.yaml', goodPool)])
    expect(good).toEqual({
      exitCode: 0,
      stdout: "Successfully validated 1 'IPPool' resource(s)\n",
      stderr: ''
    })
    const bad = await realExec(bin, ['validate', '--filename=' + write('bad.yaml', badCidr)])
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toBe(
      "failed to validate 'IPPool' resource: [error with field IPpool.CIDR = '10.0.0.0/33' (IPPool CIDR must be a valid subnet)]\n"
    )
    const mixed = await realExec(bin, ['validate', '-f', write('mixed.yaml', `${felix}---\n${badCidr}`)])
    expect([mixed.exitCode, mixed.stdout]).toEqual([
      1,
      'Partial success: validated the first 1 out of 2 resources:\n'
    ])
    expect(mixed.stderr).toMatch(/^hit error\(s\): \[error with field IPpool.CIDR/)
    expect(
      (
        await realExec(bin, [
          'validate',
          '-f',
          write('blocks.yaml', goodPool.replace('blockSize: 26', 'blockSize: 19'))
        ])
      ).stderr
    ).toContain("IPpool.BlockSize = '19' (IPv4 block size must be between 20 and 32)")
    expect((await realExec(bin, ['validate', '--bogus', '-f', '-'])).stderr).toMatch(
      /^invalid option: 'calicoctl validate --bogus/
    )
  })

  it('has no validate command before v3.31', async () => {
    const result = await realExec(install('3.29.7'), ['validate', '-f', write('pool.yaml', goodPool)])
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(/^unknown command: "validate"\nUsage:/)
  })
})

describe('parseCalicoctlErrors', () => {
  it('reads the single-field, multi-field and multi-resource forms calicoctl prints', () => {
    expect(
      parseCalicoctlErrors(
        "failed to validate 'IPPool' resource: [error with field IPpool.CIDR = '10.0.0.0/33' (IPPool CIDR must be a valid subnet)]"
      )
    ).toEqual({
      errors: [{ field: 'IPpool.CIDR', value: '10.0.0.0/33', reason: 'IPPool CIDR must be a valid subnet' }]
    })
    expect(
      parseCalicoctlErrors(
        "hit error(s): [error with the following fields:\n-  Metadata.Name = 'Bad' (name must consist of lower case alphanumeric characters, '-' or '.' (regex: [a-z0-9]))\n-  IPIPMode = 'x'\n error with field VXLANMode = 'y']"
      )
    ).toEqual({
      errors: [
        {
          field: 'Metadata.Name',
          value: 'Bad',
          reason: "name must consist of lower case alphanumeric characters, '-' or '.' (regex: [a-z0-9])"
        },
        { field: 'IPIPMode', value: 'x' },
        { field: 'VXLANMode', value: 'y' }
      ]
    })
    expect(
      parseCalicoctlErrors(
        'failed to execute command: Unknown resource type (Foo) and/or version (projectcalico.org/v3)'
      )
    ).toEqual({
      errors: [],
      rest: 'Unknown resource type (Foo) and/or version (projectcalico.org/v3)'
    })
  })
})

describe('mentionsCalicoApi', () => {
  // What the run asked of every file before: the scan must answer the same.
  const regex = /apiVersion:\s*["']?projectcalico\.org\/v3/
  it.each([
    'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\n',
    'kind: X\napiVersion:"projectcalico.org/v3"\n',
    "apiVersion:\n  'projectcalico.org/v3'\n",
    'apiVersion:projectcalico.org/v3',
    'apiVersion: crd.projectcalico.org/v1\n',
    'apiVersion: ""projectcalico.org/v3',
    'apiversion: projectcalico.org/v3',
    'group: projectcalico.org/v3 apiVersion: v1',
    'projectcalico.org/v3 at the start, then apiVersion: projectcalico.org/v3',
    'apiVersion:\t\r\n\u00a0projectcalico.org/v3',
    'XapiVersion: projectcalico.org/v3',
    'apiVersion: "projectcalico.org/v2"',
    ''
  ])('%j as the regular expression reads it', text => {
    expect(mentionsCalicoApi(text)).toBe(regex.test(text))
  })
})
