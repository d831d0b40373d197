import fs from 'node:fs'
import path from 'node:path'
import { FLUX_CONTROLLER_VERSIONS } from '../../../src/validate/rules/fluxReleases.js'
import { fixturesDir, haveFixtures } from '../corpus/fixtures.js'

const describeIf = haveFixtures ? describe : describe.skip

/** Header version and controller image tags of each `flux install --export` fixture, read from the text. */
function fixtureReleases(): { file: string; version: string; controllers: Record<string, string> }[] {
  const fluxDir = path.join(fixturesDir, 'flux')
  return fs.readdirSync(fluxDir).flatMap(version =>
    fs.readdirSync(path.join(fluxDir, version)).map(variant => {
      const file = path.join(fluxDir, version, variant, 'gotk-components.yaml')
      const text = fs.readFileSync(file, 'utf8')
      const controllers: Record<string, string> = {}
      for (const m of text.matchAll(/image: ghcr\.io\/fluxcd\/([a-z-]+-controller):v(\S+)/g))
        controllers[m[1]] = m[2]
      return { file, version: /# Flux Version: v(\S+)/.exec(text)![1], controllers }
    })
  )
}

describeIf('FLUX_CONTROLLER_VERSIONS', () => {
  it('holds, for every Flux release in the fixtures, the controller versions its install runs', () => {
    const releases = fixtureReleases()
    expect(releases.length).toBeGreaterThan(0)
    for (const r of releases) {
      expect({ file: r.file, table: FLUX_CONTROLLER_VERSIONS[r.version] }).toEqual({
        file: r.file,
        table: expect.objectContaining(r.controllers)
      })
    }
  })

  it('knows no release the fixtures do not show', () => {
    const versions = new Set(fixtureReleases().map(r => r.version))
    expect(Object.keys(FLUX_CONTROLLER_VERSIONS).filter(v => !versions.has(v))).toEqual([])
  })
})
