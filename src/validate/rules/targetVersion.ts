import type { Finding } from '../../errors.js'
import { type ManifestObject } from '../objects.js'
import { isObject } from '../../yaml/values.js'
import { fileLine, type FluxInstall } from './fluxInstall.js'
import { findingAt } from './finding.js'
import { workloadImages } from './images.js'

/** The version a managed file must hold after the run (what `header/version-mismatch` checks). */
export interface ExpectedVersion {
  file: string
  component: 'flux' | 'calico'
  version: string
}

const bare = (v: string): string => v.trim().replace(/^v/, '')

/**
 * `header/version-mismatch`: a target that does not carry the version the run resolved. For Flux the version of
 * record is the header `flux install` writes; Calico manifests have none, so it is the calico-node image tag.
 */
export function targetVersion(
  target: ExpectedVersion,
  installs: readonly FluxInstall[],
  objects: readonly ManifestObject[]
): Finding[] {
  const want = bare(target.version)
  const hint =
    target.component === 'flux'
      ? `Regenerate the file with \`flux install --export\` v${want} (the upgrade does); do not edit the header by hand.`
      : `Regenerate the manifest from Calico v${want} (the upgrade does); do not edit image tags by hand.`
  if (target.component === 'flux') {
    const mine = installs.filter(i => i.stream.file === target.file)
    if (mine.length === 0) {
      return [
        {
          severity: 'error',
          rule: 'header/version-mismatch',
          file: target.file,
          line: 1,
          message: `${target.file} should hold Flux v${want}, but it has no \`# Flux Version:\` header`,
          hint
        }
      ]
    }
    return mine
      .filter(i => i.header.version !== want)
      .map(i => ({
        severity: 'error' as const,
        rule: 'header/version-mismatch',
        file: target.file,
        line: fileLine(i.stream, i.header.lines.version),
        message: `${target.file} says Flux v${i.header.version} in its header, but the target version is v${want}`,
        hint
      }))
  }
  const nodes = objects.filter(o => o.file === target.file && isCalicoNode(o))
  const images = nodes.flatMap(o =>
    workloadImages(o)
      .filter(img => img.container === 'calico-node' && img.name === 'node')
      .map(img => ({ o, img }))
  )
  if (images.length === 0) {
    return [
      {
        severity: 'error',
        rule: 'header/version-mismatch',
        file: target.file,
        line: 1,
        message: `${target.file} should hold Calico v${want}, but it has no calico-node DaemonSet to read the version from`,
        hint
      }
    ]
  }
  return images
    .filter(({ img }) => bare(img.tag ?? '') !== want)
    .map(({ o, img }) =>
      findingAt(
        o,
        img.path,
        'error',
        'header/version-mismatch',
        `${target.file} runs calico-node ${img.tag ?? '(untagged)'}, but the target version is v${want}`,
        hint
      )
    )
}

const isCalicoNode = (o: ManifestObject): boolean =>
  o.value.kind === 'DaemonSet' && isObject(o.value.metadata) && o.value.metadata.name === 'calico-node'
