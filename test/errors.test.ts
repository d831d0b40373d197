import { compareFindings, dedupeFindings, type Finding } from '../src/errors.js'

const finding = (over: Partial<Finding>): Finding => ({ severity: 'error', rule: 'r', message: 'm', ...over })

describe('the order findings are reported in', () => {
  it('is by file, then line, then rule, then message', () => {
    const findings = [
      finding({ file: 'b.yaml', line: 1 }),
      finding({ file: 'a.yaml', line: 10, rule: 'b' }),
      finding({ file: 'a.yaml', line: 10, rule: 'a', message: 'y' }),
      finding({ file: 'a.yaml', line: 2 }),
      finding({ file: 'a.yaml', line: 10, rule: 'a', message: 'x' })
    ]
    expect(findings.sort(compareFindings).map(f => [f.file, f.line, f.rule, f.message])).toEqual([
      ['a.yaml', 2, 'r', 'm'],
      ['a.yaml', 10, 'a', 'x'],
      ['a.yaml', 10, 'a', 'y'],
      ['a.yaml', 10, 'b', 'm'],
      ['b.yaml', 1, 'r', 'm']
    ])
  })

  it('puts findings without a file (inputs, the run) first, and is the same on every locale', () => {
    const findings = [
      finding({ file: 'a.yaml' }),
      finding({ file: 'B.yaml' }),
      finding({ input: 'flux-version' })
    ]
    expect(findings.sort(compareFindings).map(f => f.file)).toEqual([undefined, 'B.yaml', 'a.yaml'])
  })
})

describe('dedupeFindings', () => {
  it('keeps the first of findings with the same rule, file, line and message, whatever the column', () => {
    const first = finding({ file: 'a.yaml', line: 3, hint: 'first' })
    const findings = [
      first,
      finding({ file: 'a.yaml', line: 3, hint: 'second' }),
      finding({ file: 'a.yaml', line: 3, column: 5 })
    ]
    expect(dedupeFindings(findings)).toEqual([first])
  })

  it('keeps the most severe of copies that differ in severity, where the first stood', () => {
    const warning = finding({ file: 'a.yaml', line: 3, severity: 'warning' })
    const other = finding({ file: 'b.yaml', line: 1 })
    const error = finding({ file: 'a.yaml', line: 3, severity: 'error', hint: 'applied' })
    expect(
      dedupeFindings([warning, other, error, finding({ file: 'a.yaml', line: 3, severity: 'notice' })])
    ).toEqual([error, other])
  })

  it('keeps findings that differ in rule, file, line or message', () => {
    const findings = [
      finding({ file: 'a.yaml', line: 3 }),
      finding({ file: 'a.yaml', line: 4 }),
      finding({ file: 'b.yaml', line: 3 }),
      finding({ file: 'a.yaml', line: 3, rule: 'other' }),
      finding({ file: 'a.yaml', line: 3, message: 'other' })
    ]
    expect(dedupeFindings(findings)).toEqual(findings)
  })
})
