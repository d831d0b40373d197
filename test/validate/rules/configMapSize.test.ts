import { configMapDataBytes, configMapSize } from '../../../src/validate/rules/configMapSize.js'
import type { ManifestObject } from '../../../src/validate/objects.js'
import { parseDocuments } from '../../../src/yaml/documents.js'
import { CLIENT_SIDE_APPLY_MAX_BYTES, CONFIGMAP_MAX_BYTES } from '../../../src/kubernetes/limits.js'

describe('configMapDataBytes', () => {
  it('counts data values in UTF-8 bytes, not characters, and not the keys', () => {
    expect(configMapDataBytes({ data: { a: 'abc', 'a-long-key-name': 'é€😀' } })).toBe(3 + 2 + 3 + 4)
  })

  it('counts binaryData by its decoded bytes', () => {
    // "hello" is aGVsbG8= in base64; line breaks inside base64 do not count.
    expect(configMapDataBytes({ binaryData: { a: 'aGVsbG8=', b: 'aGVs\nbG8=' } })).toBe(10)
  })

  it('adds data and binaryData, and ignores what is not a string (templates, nulls)', () => {
    expect(configMapDataBytes({ data: { a: 'xy', b: null }, binaryData: { c: 'eHk=' } })).toBe(4)
    expect(configMapDataBytes({ data: '${CNI_RESOURCES}' })).toBe(0)
  })
})

describe('configMapSize over the validations of a run', () => {
  const object = (value: Record<string, unknown>): ManifestObject => {
    const [doc] = parseDocuments(`${JSON.stringify(value)}\n`, 'cm.yaml')
    return { file: 'cm.yaml', bundle: 'cm.yaml', doc, root: [], value: doc.value as ManifestObject['value'] }
  }
  const cm = (bytes: number) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'same' },
    data: { 'a.yaml': 'x'.repeat(bytes) }
  })

  it('measures each value: the same name with other data is measured again', () => {
    expect(configMapSize(object(cm(CLIENT_SIDE_APPLY_MAX_BYTES + 1)))?.rule).toBe(
      'configmap/over-client-side-apply-limit'
    )
    expect(configMapSize(object(cm(10)))).toBeUndefined()
    expect(configMapSize(object(cm(CONFIGMAP_MAX_BYTES + 1)))?.rule).toBe('configmap/too-large')
  })
})
