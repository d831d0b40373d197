import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  CollectCache,
  validateRepository,
  type SourceFile,
  type ValidationInput
} from '../../src/validate/validator.js'
import { defaultFixturesDir } from '../../support/standins/index.js'
import { fluxInstallExport, prepareExample } from '../../support/example/prepare.js'
import { eachClusterFleetFile } from '../../support/cluster-fleet.js'
import { generateFleet } from '../../support/fleet.js'
import { TextStore } from '../../src/workspace/store.js'
import { withStoredContent, type StoredText, type Texts } from '../../src/plan/stored.js'

/**
 * The validations of one upgrade share a `CollectCache`: whatever order the trees come in, and whatever their
 * files share, each report is the one a validation without a cache gives.
 */

const fixtures = defaultFixturesDir()

function readTree(root: string, dir = ''): SourceFile[] {
  const out: SourceFile[] = []
  for (const name of readdirSync(path.join(root, dir)).sort()) {
    const p = dir ? `${dir}/${name}` : name
    if (statSync(path.join(root, p)).isDirectory()) out.push(...readTree(root, p))
    else out.push({ path: p, content: readFileSync(path.join(root, p), 'utf8') })
  }
  return out
}

function exampleFleet(version: string): SourceFile[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fcu-cache-example-'))
  try {
    prepareExample(dir, version, fixtures)
    return readTree(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function clusterFleet(clusters: number, version: string): SourceFile[] {
  const out: SourceFile[] = []
  eachClusterFleetFile(
    clusters,
    { flux: { version, install: fluxInstallExport(version, fixtures) } },
    (p, c) => out.push({ path: p, content: c })
  )
  return out
}

/** `files` with `file` replaced (or added) by `edit` of its text. */
function edited(files: readonly SourceFile[], file: string, edit: (text: string) => string): SourceFile[] {
  const known = files.some(f => f.path === file)
  const out = files.map(f => (f.path === file ? { path: f.path, content: edit(f.content) } : f))
  return known ? out : [...out, { path: file, content: edit('') }]
}

/** Faults and changes an upgrade's trees differ by, each on top of `files`. */
function variants(files: readonly SourceFile[]): [string, SourceFile[]][] {
  const configMaps = files.filter(
    f => /^\s+\S+\.ya?ml: \|/m.test(f.content) && f.content.includes('kind: ConfigMap')
  )
  const plain = files.find(f => f.path.endsWith('.yaml') && f.content.includes('kind: Namespace'))
  const kustomization = files.find(f => f.path.endsWith('/kustomization.yaml'))
  const out: [string, SourceFile[]][] = []
  if (configMaps[0]) {
    const cm = configMaps[0].path
    out.push([
      'a manifest in a ConfigMap that does not parse',
      edited(files, cm, t => t.replace(/(\n {4}kind: )/, '\n    bad: [unclosed$1'))
    ])
    out.push([
      'an unknown field in a ConfigMap manifest',
      edited(files, cm, t => t.replace(/\n {4}metadata:\n/, '\n    surprise: 1\n    metadata:\n'))
    ])
  }
  if (plain) out.push(['a file that does not parse', edited(files, plain.path, t => `${t}\n---\nkind: [\n`)])
  if (plain)
    out.push([
      'a duplicate object in another file',
      edited(files, `${path.posix.dirname(plain.path)}/copy.yaml`, () => plain.content)
    ])
  if (kustomization && plain)
    out.push([
      'a kustomization that makes a manifest a patch',
      edited(
        files,
        kustomization.path,
        t =>
          `${t}\npatchesStrategicMerge:\n  - ${path.posix.relative(path.posix.dirname(kustomization.path), plain.path)}\n`
      )
    ])
  return out
}

function expectSameReports(trees: [string, ValidationInput][]): void {
  const cache = new CollectCache()
  const failing = trees.filter(([, input]) =>
    validateRepository(input).findings.some(f => f.severity === 'error')
  )
  // The faults are seen: the comparison covers reports with errors, not only clean ones.
  expect(failing.length).toBeGreaterThanOrEqual(3)
  // Twice over: the second round reads every file from the cache.
  for (const [name, input] of [...trees, ...trees]) {
    const cached = validateRepository(input, cache)
    const fresh = validateRepository(input)
    expect({ name, report: cached }).toEqual({ name, report: fresh })
  }
}

const written = (files: readonly SourceFile[]): string[] =>
  files.filter(f => /gotk-components\.yaml$|cm-flux/.test(f.path)).map(f => f.path)

describe('validateRepository with a cache shared by a run', () => {
  it('reports on the example fleet what it reports without one, for the upgraded and faulty trees', () => {
    const before = exampleFleet('2.8.3')
    const after = exampleFleet('2.9.3')
    const trees: [string, ValidationInput][] = [
      ['upgraded', { files: after, written: written(after) }],
      ['as read', { files: before }],
      ...variants(after).map(([n, files]): [string, ValidationInput] => [
        n,
        { files, written: written(after) }
      ]),
      ...variants(before).map(([n, files]): [string, ValidationInput] => [`${n}, as read`, { files }])
    ]
    expect(trees.length).toBeGreaterThan(4)
    expectSameReports(trees)
  })

  it('reports on a Cluster API fleet and on the home-lab fleet what it reports without one', () => {
    const before = clusterFleet(3, '2.8.3')
    const after = clusterFleet(3, '2.9.3')
    // Half upgraded: the trees of one component's changes alone share files with both.
    const half = [...before.slice(0, before.length / 2), ...after.slice(before.length / 2)]
    const homeLab = [...generateFleet({ namespaces: 2, apps: 2 })].map(([p, c]) => ({ path: p, content: c }))
    const trees: [string, ValidationInput][] = [
      ['upgraded', { files: after, written: written(after) }],
      ['half', { files: half, written: written(half) }],
      ['as read', { files: before }],
      ...variants(after).map(([n, files]): [string, ValidationInput] => [
        n,
        { files, written: written(after) }
      ]),
      ['home lab', { files: homeLab }],
      ...variants(homeLab).map(([n, files]): [string, ValidationInput] => [`${n}, home lab`, { files }])
    ]
    expect(trees.length).toBeGreaterThan(6)
    expectSameReports(trees)
  })
})

/** A store that counts the texts read from it. */
class CountingTexts implements Texts {
  reads = 0
  private readonly store = new TextStore()

  put(text: string): StoredText {
    return this.store.put(text)
  }

  text(ref: StoredText): string {
    this.reads++
    return this.store.text(ref)
  }

  bytes(ref: StoredText): Buffer {
    return this.store.bytes(ref)
  }
}

const stored = (files: readonly SourceFile[], texts: Texts): SourceFile[] =>
  files.map(f => withStoredContent({ path: f.path }, texts.put(f.content), texts))

describe('validateRepository with stored contents and a cache shared by a run', () => {
  it('reports what it reports without one: files known by path and digest, each version read again once dropped', () => {
    const texts = new CountingTexts()
    const before = clusterFleet(3, '2.8.3')
    const after = clusterFleet(3, '2.9.3')
    const half = [...before.slice(0, before.length / 2), ...after.slice(before.length / 2)]
    // The same contents under other paths: a file's objects name their own file.
    const moved = after.map(f => ({ path: f.path.replace(/^clusters\//, 'moved/'), content: f.content }))
    const trees: [string, ValidationInput][] = [
      ['upgraded', { files: stored(after, texts), written: written(after) }],
      ['half', { files: stored(half, texts), written: written(half) }],
      ['as read', { files: stored(before, texts) }],
      ...variants(after).map(([n, files]): [string, ValidationInput] => [
        n,
        { files: stored(files, texts), written: written(after) }
      ]),
      ['moved', { files: stored(moved, texts), written: written(moved) }]
    ]
    expectSameReports(trees)
  })

  it('reports what plain files give when the store keeps no text in memory: positions are read again', () => {
    const spill = mkdtempSync(path.join(os.tmpdir(), 'fcu-cache-spill-'))
    try {
      // Every text a report needs (a finding's line, a document's own text) comes back from disk.
      const texts = new TextStore({ spillDir: spill, residentBytes: 0, recentBytes: 0 })
      const after = clusterFleet(3, '2.9.3')
      const trees: [string, SourceFile[]][] = [['upgraded', after], ...variants(after)]
      const cache = new CollectCache()
      let errors = 0
      for (const [name, files] of [...trees, ...trees]) {
        const plain = validateRepository({ files, written: written(after) })
        errors += plain.findings.filter(f => f.severity === 'error').length
        const fromDisk = validateRepository({ files: stored(files, texts), written: written(after) }, cache)
        expect({ name, report: fromDisk }).toEqual({ name, report: plain })
      }
      // The faults are found, at their lines: the comparison covers findings, not only clean reports.
      expect(errors).toBeGreaterThanOrEqual(3)
    } finally {
      rmSync(spill, { recursive: true, force: true })
    }
  })

  it('does not read a stored content again that it has read for the validation before', () => {
    const texts = new CountingTexts()
    const files = stored(clusterFleet(2, '2.9.3'), texts)
    const cache = new CollectCache()
    const first = validateRepository({ files, written: written(files) }, cache)
    const read = texts.reads
    expect(read).toBeGreaterThan(0)
    const again = validateRepository({ files, written: written(files) }, cache)
    expect(again).toEqual(first)
    expect(texts.reads).toBe(read)
  })
})

describe('CollectCache.mentionsCalicoApi', () => {
  it('answers for the stored content asked about, also once its file version is dropped', () => {
    const texts = new CountingTexts()
    const cache = new CollectCache()
    const calico = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: a\n'
    const other = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n'
    const [a, b] = stored(
      [
        { path: 'p.yaml', content: calico },
        { path: 'p.yaml', content: other }
      ],
      texts
    )
    expect(cache.mentionsCalicoApi(a)).toBe(true)
    expect(cache.mentionsCalicoApi(b)).toBe(false)
    // A validation of a tree without the first version drops it.
    validateRepository({ files: [b] }, cache)
    expect(cache.mentionsCalicoApi(a)).toBe(true)
    expect(cache.mentionsCalicoApi(b)).toBe(false)
  })

  it('answers for the content asked about, not for an earlier content of the same path', () => {
    const cache = new CollectCache()
    const calico = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: a\n'
    const other = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n'
    expect(cache.mentionsCalicoApi({ path: 'p.yaml', content: calico })).toBe(true)
    expect(cache.mentionsCalicoApi({ path: 'p.yaml', content: other })).toBe(false)
    expect(cache.mentionsCalicoApi({ path: 'q.yaml', content: calico })).toBe(true)
    expect(cache.mentionsCalicoApi({ path: 'p.yaml', content: calico })).toBe(true)
  })
})
