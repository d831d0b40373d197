import { type ManifestObject } from '../objects.js'
import { isObject } from '../../yaml/values.js'
import type { YamlPath } from '../../yaml/documents.js'

/** A container image of a workload, with the path of its `image` field. */
export interface ContainerImage {
  container: string
  image: string
  /** The image's repository name without registry and path: `source-controller`. */
  name: string
  /** The tag without a digest; undefined for digest-only or untagged references. */
  tag?: string
  path: YamlPath
}

const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job'])

/** Splits `registry:5000/org/name:tag@sha256:...` into its name and tag. */
export function parseImage(image: string): { name: string; tag?: string } {
  const ref = image.split('@')[0]
  const slash = ref.lastIndexOf('/')
  const last = ref.slice(slash + 1)
  const colon = last.indexOf(':')
  return colon < 0 ? { name: last } : { name: last.slice(0, colon), tag: last.slice(colon + 1) }
}

/** The images of a workload's pod template (containers and init containers). */
export function workloadImages(obj: ManifestObject): ContainerImage[] {
  const v = obj.value
  if (typeof v.kind !== 'string' || !WORKLOAD_KINDS.has(v.kind)) return []
  const spec =
    isObject(v.spec) && isObject(v.spec.template) && isObject(v.spec.template.spec)
      ? v.spec.template.spec
      : {}
  const out: ContainerImage[] = []
  for (const field of ['initContainers', 'containers']) {
    const list = spec[field]
    if (!Array.isArray(list)) continue
    list.forEach((c, i) => {
      if (!isObject(c) || typeof c.image !== 'string') return
      out.push({
        container: typeof c.name === 'string' ? c.name : '',
        image: c.image,
        ...parseImage(c.image),
        path: ['spec', 'template', 'spec', field, i, 'image']
      })
    })
  }
  return out
}
