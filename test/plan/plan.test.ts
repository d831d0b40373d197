import { FcuError } from '../../src/errors.js'
import { ChangeSet, combinedChanges, makePlan, planComponents, treeAfter } from '../../src/plan/plan.js'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { WorkingTree } from '../../src/plan/tree.js'
import type { Component } from '../../src/settings/inputs.js'
import { TextStore } from '../../src/workspace/store.js'
import { withStoredContent } from '../../src/plan/stored.js'
import type { RepoFile } from '../../src/workspace/repository.js'

const KUSTOMIZATION = [
  '# Staging installs its own ConfigMaps.',
  'resources:',
  '  - ../base',
  '  - cm-flux-2.2.2.yaml',
  '  - cm-calico-v3.21.yaml',
  ''
].join('\n')

/**
 * Every case twice: with texts in memory, and kept in a text store with no room to hold any (each read from the
 * spill folder), as a run keeps them: the plan must be the same either way.
 */
describe.each([
  ['with texts in memory', false],
  ['with texts kept in a store', true]
])('%s', (_, stored) => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fcu-plan-'))
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))
  const store = new TextStore({
    spillDir: path.join(scratch, 'texts'),
    residentBytes: 0,
    recentBytes: 0
  })
  const treeOf = (files: RepoFile[]): WorkingTree =>
    new WorkingTree(
      stored ? files.map(f => withStoredContent({ path: f.path }, store.put(f.content), store)) : files
    )
  const changeSet = (component: Component, tree: WorkingTree): ChangeSet =>
    new ChangeSet(component, tree, stored ? store : undefined)

  const base = treeOf([
    { path: 'staging/kustomization.yaml', content: KUSTOMIZATION },
    { path: 'staging/cm-flux-2.2.2.yaml', content: 'flux 2.2.2\n' },
    { path: 'staging/cm-calico-v3.21.yaml', content: 'calico 3.21\n' }
  ])

  const renameEntry = (text: string, from: string, to: string) => text.replace(`- ${from}\n`, `- ${to}\n`)

  function fluxRename(): ChangeSet {
    const flux = changeSet('flux', base)
    flux.rename('staging/cm-flux-2.2.2.yaml', 'staging/cm-flux-2.9.3.yaml', 'flux 2.9.3\n')
    const k = flux.tree.get('staging/kustomization.yaml')!
    flux.write(
      'staging/kustomization.yaml',
      renameEntry(k, 'cm-flux-2.2.2.yaml', 'cm-flux-2.9.3.yaml'),
      'reference-followed'
    )
    return flux
  }

  function calicoRename(): ChangeSet {
    const calico = changeSet('calico', base)
    calico.rename('staging/cm-calico-v3.21.yaml', 'staging/cm-calico-v3.31.yaml', 'calico 3.31\n')
    const k = calico.tree.get('staging/kustomization.yaml')!
    calico.write(
      'staging/kustomization.yaml',
      renameEntry(k, 'cm-calico-v3.21.yaml', 'cm-calico-v3.31.yaml'),
      'reference-followed'
    )
    return calico
  }

  describe('a component change set', () => {
    it('lets each stage read the tree the earlier stages left, and lists only real differences from the base', () => {
      const flux = changeSet('flux', base)
      flux.write('staging/cm-flux-2.2.2.yaml', 'flux 2.9.3\n', 'regenerated')
      expect(flux.tree.get('staging/cm-flux-2.2.2.yaml')).toBe('flux 2.9.3\n')
      expect(base.get('staging/cm-flux-2.2.2.yaml')).toBe('flux 2.2.2\n')
      flux.write('staging/kustomization.yaml', KUSTOMIZATION, 'reference-followed')
      expect(flux.list().map(c => [c.path, c.reasons])).toEqual([
        ['staging/cm-flux-2.2.2.yaml', ['regenerated']]
      ])
    })

    it('records a rename as the removal of the old path and the new file that replaces it', () => {
      expect(fluxRename().list()).toEqual([
        { path: 'staging/cm-flux-2.2.2.yaml', content: null, component: 'flux', reasons: ['renamed'] },
        {
          path: 'staging/cm-flux-2.9.3.yaml',
          content: 'flux 2.9.3\n',
          component: 'flux',
          reasons: ['renamed'],
          renamedFrom: 'staging/cm-flux-2.2.2.yaml'
        },
        {
          path: 'staging/kustomization.yaml',
          content: KUSTOMIZATION.replace('cm-flux-2.2.2', 'cm-flux-2.9.3'),
          component: 'flux',
          reasons: ['reference-followed']
        }
      ])
    })

    it('refuses to delete a file that is not there', () => {
      expect(() => changeSet('flux', base).delete('staging/none.yaml', 'renamed')).toThrow(FcuError)
    })
  })

  describe('a plan of several components', () => {
    it('keeps each component apart: applied alone, a component changes only its own lines', () => {
      const plan = makePlan(base, [fluxRename(), calicoRename()])
      expect(planComponents(plan)).toEqual(['calico', 'flux'])
      const calicoOnly = treeAfter(plan, ['calico'])
      expect(calicoOnly.get('staging/kustomization.yaml')).toBe(
        KUSTOMIZATION.replace('cm-calico-v3.21', 'cm-calico-v3.31')
      )
      expect(calicoOnly.paths()).toEqual([
        'staging/cm-calico-v3.31.yaml',
        'staging/cm-flux-2.2.2.yaml',
        'staging/kustomization.yaml'
      ])
    })

    it('merges two components edits of neighbouring lines of one file, comments kept', () => {
      const plan = makePlan(base, [fluxRename(), calicoRename()])
      const all = treeAfter(plan)
      expect(all.get('staging/kustomization.yaml')).toBe(
        KUSTOMIZATION.replace('cm-flux-2.2.2', 'cm-flux-2.9.3').replace('cm-calico-v3.21', 'cm-calico-v3.31')
      )
      expect(all.paths()).toEqual([
        'staging/cm-calico-v3.31.yaml',
        'staging/cm-flux-2.9.3.yaml',
        'staging/kustomization.yaml'
      ])
      const k = combinedChanges(plan).find(c => c.path === 'staging/kustomization.yaml')!
      expect(k.components).toEqual(['calico', 'flux'])
    })

    it('keeps CRLF line endings and a missing final newline through a merge', () => {
      const crlf = treeOf([{ path: 'k.yaml', content: 'resources:\r\n  - a-1.yaml\r\n  - b-1.yaml' }])
      const a = changeSet('flux', crlf)
      a.write('k.yaml', 'resources:\r\n  - a-2.yaml\r\n  - b-1.yaml', 'reference-followed')
      const b = changeSet('calico', crlf)
      b.write('k.yaml', 'resources:\r\n  - a-1.yaml\r\n  - b-2.yaml', 'reference-followed')
      expect(treeAfter(makePlan(crlf, [a, b])).get('k.yaml')).toBe(
        'resources:\r\n  - a-2.yaml\r\n  - b-2.yaml'
      )
    })

    it('fails, naming the file and line, when two components change the same line differently', () => {
      const a = changeSet('flux', base)
      a.write(
        'staging/kustomization.yaml',
        KUSTOMIZATION.replace('../base', '../base-flux'),
        'reference-followed'
      )
      const b = changeSet('calico', base)
      b.write(
        'staging/kustomization.yaml',
        KUSTOMIZATION.replace('../base', '../base-calico'),
        'reference-followed'
      )
      const plan = makePlan(base, [a, b])
      // Each alone is fine: one pull request per component can still be made.
      expect(treeAfter(plan, ['flux']).get('staging/kustomization.yaml')).toContain('../base-flux')
      let error: unknown
      try {
        treeAfter(plan)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(FcuError)
      expect((error as FcuError).location).toEqual({ file: 'staging/kustomization.yaml', line: 3 })
      expect((error as FcuError).message).toContain('the calico and flux upgrades change the same lines')
    })

    it('takes the same edit made by two components once', () => {
      const edit = KUSTOMIZATION.replace('../base', '../base-2')
      const a = changeSet('flux', base)
      a.write('staging/kustomization.yaml', edit, 'reference-followed')
      const b = changeSet('calico', base)
      b.write('staging/kustomization.yaml', edit, 'reference-followed')
      expect(treeAfter(makePlan(base, [a, b])).get('staging/kustomization.yaml')).toBe(edit)
    })

    it('fails when one component removes a file the other changes', () => {
      const a = fluxRename()
      const b = changeSet('calico', base)
      b.write('staging/cm-flux-2.2.2.yaml', 'changed\n', 'reference-followed')
      expect(() => treeAfter(makePlan(base, [a, b]))).toThrow(
        'the flux upgrade removes this file while the calico upgrade changes it'
      )
    })

    it('refuses change sets made from another tree', () => {
      const other = treeOf([])
      expect(() => makePlan(base, [changeSet('flux', other)])).toThrow(FcuError)
    })
  })
})
