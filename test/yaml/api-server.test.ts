import { apiServerValue } from '../../src/yaml/api-server.js'
import { parseDocuments } from '../../src/yaml/documents.js'

const read = (text: string) => apiServerValue(text, parseDocuments(text, 'x.yaml')[0].value)

describe('apiServerValue: YAML as sigs.k8s.io/yaml (goyaml.v2) decodes it', () => {
  it.each(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE'])(
    'unquoted %s is true',
    w => {
      expect(read(`a: ${w}\nl:\n  - ${w}\n`)).toEqual({ a: true, l: [true] })
    }
  )

  it.each(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE'])(
    'unquoted %s is false',
    w => {
      expect(read(`a: ${w} # comment\n`)).toEqual({ a: false })
    }
  )

  it('quoted words, other words and block scalars stay strings', () => {
    expect(read(`a: "on"\nb: 'yes'\nc: onward\nd: |\n  on\ne: no way\n`)).toEqual({
      a: 'on',
      b: 'yes',
      c: 'onward',
      d: 'on\n',
      e: 'no way'
    })
  })

  it('leaves the value the YAML 1.2 loaders gave where no YAML 1.1 word is in the text', () => {
    const value = parseDocuments('a: b\n', 'x.yaml')[0].value
    expect(apiServerValue('a: b\n', value)).toBe(value)
  })
})
