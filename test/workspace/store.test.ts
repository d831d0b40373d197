import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { residentBudgetFor, TextStore } from '../../src/workspace/store.js'
import { storedContent, withStoredContent } from '../../src/plan/stored.js'
import { readRepository } from '../../src/workspace/repository.js'
import { applyChanges } from '../../src/workspace/transaction.js'
import { decodeUtf8 } from '../../src/workspace/text.js'
import { FcuError } from '../../src/errors.js'

/**
 * The store keeps a run's texts by digest: what it gives back must be byte for byte what went in, whichever of
 * memory, the workspace or the spill folder it comes from, and however small its budgets.
 */
describe('a text store', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fcu-store-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  // Same length, one character apart: a store keyed by anything less than the whole content mixes them up.
  const texts = ['name: cluster-a\n' + 'x'.repeat(40_000), 'name: cluster-b\n' + 'x'.repeat(40_000)]

  it('spills each distinct new text once and gives every text back, with no room to keep any in memory', () => {
    const spill = path.join(dir, 'texts')
    const store = new TextStore({ spillDir: spill, residentBytes: 0, recentBytes: 0 })
    const refs = [...texts, texts[0], 'é ü \ufeff\n'].map(t => store.put(t))
    expect(readdirSync(spill)).toHaveLength(3)
    expect(refs[0]).toEqual(refs[2])
    expect(refs[0].digest).not.toBe(refs[1].digest)
    expect(refs.map(r => store.text(r))).toEqual([...texts, texts[0], 'é ü \ufeff\n'])
    expect(refs[3].bytes).toBe(Buffer.byteLength('é ü \ufeff\n'))
    expect(store.bytes(refs[3]).toString('utf8')).toBe('é ü \ufeff\n')
  })

  it('gives back the right text from every tier as texts come and go', () => {
    const store = new TextStore({
      spillDir: path.join(dir, 'texts'),
      residentBytes: 50_000,
      recentBytes: 90_000
    })
    const many = Array.from({ length: 12 }, (_, i) => `n: ${i}\n${'y'.repeat(20_000 + (i % 3))}`)
    const refs = many.map(t => store.put(t))
    for (let round = 0; round < 3; round++)
      for (const i of [0, 5, 11, 3, 3, 7, 1, 10]) expect(store.text(refs[i])).toBe(many[i])
  })

  it('holds new texts in memory when it has no spill folder', () => {
    const store = new TextStore({ residentBytes: 0, recentBytes: 0 })
    const ref = store.put(texts[1])
    expect(readdirSync(dir)).toEqual([])
    expect(store.text(ref)).toBe(texts[1])
  })

  it('reads workspace files again when asked, and refuses one changed since it was read', async () => {
    mkdirSync(path.join(dir, 'repo/c'), { recursive: true })
    writeFileSync(path.join(dir, 'repo/c/a.yaml'), texts[0])
    writeFileSync(path.join(dir, 'repo/c/b.yaml'), texts[0])
    writeFileSync(path.join(dir, 'repo/c/bom.yaml'), '\ufeffkind: A # ü\n')
    const store = new TextStore({ residentBytes: 0, recentBytes: 0 })
    const read = await readRepository(path.join(dir, 'repo'), { store })
    expect(read.files.map(f => [f.path, f.content])).toEqual([
      ['c/a.yaml', texts[0]],
      ['c/b.yaml', texts[0]],
      ['c/bom.yaml', '\ufeffkind: A # ü\n']
    ])
    // The same content in two files is one stored text.
    expect(storedContent(read.files[0])!.ref).toEqual(storedContent(read.files[1])!.ref)
    expect((await readRepository(path.join(dir, 'repo'))).files).toEqual(read.files.map(f => ({ ...f })))

    writeFileSync(path.join(dir, 'repo/c/bom.yaml'), '\ufeffkind: B # ü\n')
    utimesSync(path.join(dir, 'repo/c/bom.yaml'), new Date(0), new Date(1000))
    const error = (() => {
      try {
        return read.files[2].content
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(FcuError)
    expect((error as FcuError).message).toBe('c/bom.yaml changed on disk while the run was reading it')
  })

  it('knows a new text equal to a file it read as that file, whatever its characters', async () => {
    const bom = '\ufeffkind: A # ü\n'
    mkdirSync(path.join(dir, 'repo'), { recursive: true })
    writeFileSync(path.join(dir, 'repo/a.yaml'), texts[0])
    writeFileSync(path.join(dir, 'repo/bom.yaml'), bom)
    const spill = path.join(dir, 'texts')
    const store = new TextStore({ spillDir: spill, residentBytes: 0, recentBytes: 0 })
    const read = await readRepository(path.join(dir, 'repo'), { store })
    expect([store.put(texts[0]), store.put(bom)]).toEqual(read.files.map(f => storedContent(f)!.ref))
    // Already readable from the workspace: nothing spilled.
    expect(readdirSync(dir)).not.toContain('texts')
  })

  it('gives the room of large files it read to new texts before it spills any, and still reads them back', async () => {
    const large = (name: string) => `name: ${name}\n${'x'.repeat(70_000)}`
    mkdirSync(path.join(dir, 'repo'), { recursive: true })
    writeFileSync(path.join(dir, 'repo/a.yaml'), large('a'))
    writeFileSync(path.join(dir, 'repo/b.yaml'), large('b'))
    writeFileSync(path.join(dir, 'repo/small.yaml'), 'kind: A\n')
    const spill = path.join(dir, 'texts')
    // Room for the files read and one more large text.
    const store = new TextStore({ spillDir: spill, residentBytes: 150_000, recentBytes: 0 })
    const read = await readRepository(path.join(dir, 'repo'), { store })
    const made = [large('c'), large('d')].map(t => ({ t, ref: store.put(t) }))
    expect(readdirSync(dir)).not.toContain('texts')
    // The large files read have given all their room: the next new text is spilled.
    made.push({ t: large('e'), ref: store.put(large('e')) })
    expect(readdirSync(spill)).toHaveLength(1)
    expect(made.map(m => store.text(m.ref))).toEqual(made.map(m => m.t))
    expect(read.files.map(f => f.content)).toEqual([large('a'), large('b'), 'kind: A\n'])
  })

  it('counts a text in the memory it takes: one with characters past Latin-1 takes two bytes each', () => {
    const spill = path.join(dir, 'texts')
    const store = new TextStore({ spillDir: spill, residentBytes: 100_000, recentBytes: 0 })
    // 60,000 characters: one byte each in memory, then two bytes each (a Calico manifest's quotes and dashes).
    const ascii = 'a: b\n' + 'x'.repeat(59_995)
    const wide = 'a: “b”\n' + 'x'.repeat(59_993)
    const asciiRef = store.put(ascii)
    expect(readdirSync(dir)).not.toContain('texts')
    const wideRef = store.put(wide)
    // 60,000 + 120,000 bytes do not fit in 100,000: the wide text is spilled.
    expect(readdirSync(spill)).toHaveLength(1)
    expect([store.text(asciiRef), store.text(wideRef)]).toEqual([ascii, wide])
  })

  it('keeps texts in memory within a share of the heap: up to a gigabyte on a large heap, little on a small one', () => {
    const MiB = 1024 * 1024
    // The default heap of a machine with 16 GB or more (4 GiB and a little): a quarter, less what the run holds
    // besides texts; past that, 1 GiB at most.
    expect(residentBudgetFor(4144 * MiB)).toBe(986 * MiB)
    expect(residentBudgetFor(16384 * MiB)).toBe(1024 * MiB)
    // NODE_OPTIONS=--max-old-space-size=400 (a 448 MiB heap): a quarter, less what the run holds besides texts.
    expect(residentBudgetFor(448 * MiB)).toBe(62 * MiB)
    expect(residentBudgetFor(2048 * MiB)).toBe(462 * MiB)
    // Never nothing: a tiny heap still keeps the texts a stage reads again right after.
    expect(residentBudgetFor(64 * MiB)).toBe(8 * MiB)
  })

  it('writes stored contents to the working tree as they are', async () => {
    writeFileSync(path.join(dir, 'old.yaml'), 'old\n')
    const store = new TextStore({ spillDir: path.join(dir, '.texts'), residentBytes: 0, recentBytes: 0 })
    const text = '\ufeffdata: ü\n' + texts[1]
    await applyChanges(dir, [withStoredContent({ path: 'old.yaml' }, store.put(text), store)])
    expect(readFileSync(path.join(dir, 'old.yaml'), 'utf8')).toBe(text)
  })
})

describe('decoding a file', () => {
  it('keeps a byte order mark and every character, and names the line of a byte that is not UTF-8', () => {
    expect(decodeUtf8(Buffer.from('\ufeffa: é\n'), 'x.yaml')).toBe('\ufeffa: é\n')
    expect(decodeUtf8(Buffer.from('plain\n'), 'x.yaml')).toBe('plain\n')
    expect(() => decodeUtf8(Buffer.from([0x61, 0x0a, 0x62, 0xe9, 0x0a]), 'x.yaml')).toThrow(
      'x.yaml is not UTF-8: byte 3 (line 2) is 0xe9'
    )
  })
})
