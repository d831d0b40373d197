import fs from 'node:fs'
import {
  definitionsFile,
  generateBuiltinDefinitions,
  renderDefinitions
} from '../../../scripts/generate-builtin-definitions.js'

describe('src/validate/schema/builtin/definitions.json', () => {
  test('is what the generator makes from the installed kubernetes-models (regenerate after a bump)', () => {
    const committed = fs.readFileSync(definitionsFile, 'utf8')
    const generated = renderDefinitions(generateBuiltinDefinitions())
    // Compare the source line first, for a readable failure after a version bump.
    expect(JSON.parse(committed).source).toBe(JSON.parse(generated).source)
    expect(committed === generated).toBe(true)
  })
})
