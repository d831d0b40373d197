import yaml from 'js-yaml'
import { loadFast, UNSUPPORTED } from '../../src/yaml/fast-load.js'
import { splitDocumentTexts } from '../../src/yaml/documents.js'
import { allFixtureFiles, haveFixtures } from '../validate/corpus/fixtures.js'

const jsYaml = (text: string): unknown => yaml.load(text, { json: true }) ?? null

/** Texts the fast loader must read exactly as js-yaml does. */
const SAME_AS_JS_YAML = [
  'a: 1\nb: -1.5e3\nc: 0x1F\nd: 0o17\ne: .inf\nf: .NaN\ng: ~\nh: Null\ni: TRUE\nj: yes\nk: on\nl: 2021-01-01\nm: 012',
  'a: "tab\\tsmile\\u263A \\x41"\nb: \'it\'\'s\'\nc: "folded\n  line\n\n  para"\nd: "joined\\\n  here"',
  'a: |\n  x\n\n  y\nb: |-\n  x\nc: |+\n  x\n\nd: >\n  one\n  two\n\n  three\n    kept\n  four\ne: |2\n    two more\n',
  'description: A long\n  plain text that\n\n  goes on.\ntype: string\nurl: http://x:80/y#z\nk: a#b',
  'list:\n- a\n- b: 1\n  c: 2\n- - x\n  - y\n-\n- "q"\nnested:\n  - k: v\n    l:\n    - 1\n',
  'flow: [a, "b", 1, {x: y, z: [1, 2]}]\nempty: {}\nnone: []\n"quoted key": 1\n\'single\': 2\n1: int key\ntrue: bool key',
  '# comment\na: 1 # trailing\n\n  # indented comment\nb:\n  # before\n  c: 2'
]

/** Texts outside what the fast loader reads; js-yaml decides (and reports errors with positions). */
const LEFT_TO_JS_YAML = [
  'a: &x 1\nb: *x',
  'a: !!str 1',
  '? a\n: b',
  '<<: {a: 1}',
  'a:\tb',
  'a: b\r\n',
  '%YAML 1.2\n---\na: 1',
  'a: [1,\n  2]',
  'a: 1\n  b: 2',
  'a: b: c',
  'a: "unterminated',
  'just a scalar',
  'a: "x\n---\ny"'
]

describe('loadFast', () => {
  it.each(SAME_AS_JS_YAML)('reads %j as js-yaml does', text => {
    const value = loadFast(text)
    expect(value).not.toBe(UNSUPPORTED)
    expect(value).toStrictEqual(jsYaml(text))
  })

  it.each(LEFT_TO_JS_YAML)('leaves %j to js-yaml', text => {
    expect(loadFast(text)).toBe(UNSUPPORTED)
  })

  it('reads a document of only comments as null', () => {
    expect(loadFast('# nothing\n\n')).toBeNull()
  })

  ;(haveFixtures ? it : it.skip)(
    'reads every document of the upstream fixtures, identically to js-yaml',
    () => {
      let documents = 0
      for (const f of allFixtureFiles()) {
        for (const d of splitDocumentTexts(f.content)) {
          const value = loadFast(d.text)
          expect({ file: f.path, line: d.startLine, handled: value !== UNSUPPORTED }).toEqual({
            file: f.path,
            line: d.startLine,
            handled: true
          })
          expect(value).toStrictEqual(jsYaml(d.text))
          documents++
        }
      }
      expect(documents).toBeGreaterThan(600)
    }
  )
})
