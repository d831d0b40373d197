import {
  apiVersionOf,
  groupOf,
  isClusterScoped,
  kindOf,
  metadataOf,
  nameOf,
  namespaceOf,
  stringMap,
  type RenderedObject
} from './resource.js'
import { groupVersion } from '../kubernetes/api-version.js'

/** A patch `target` (kustomize's `types.Selector`). Name and namespace are anchored regular expressions. */
export interface TargetSelector {
  group?: string
  version?: string
  kind?: string
  name?: string
  namespace?: string
  labelSelector?: string
  annotationSelector?: string
}

const anchored = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`)

/** How kustomize compares namespaces: an unset one is `default`, cluster-scoped objects have none. */
function effectiveNamespace(o: RenderedObject, ns: string | undefined): string {
  if (isClusterScoped(o.value)) return ''
  return ns ?? 'default'
}

/**
 * The objects a selector picks, by their current or original name and namespace (as kustomize's resWrangler
 * does: an overlay may target a base object by the name written in the base). Throws on an invalid pattern.
 */
export function selectTargets(objects: readonly RenderedObject[], s: TargetSelector): RenderedObject[] {
  const name = s.name ? anchored(s.name) : undefined
  const namespace = s.namespace ? anchored(s.namespace) : undefined
  return objects.filter(o => {
    const v = o.value
    if (s.kind && kindOf(v) !== s.kind) return false
    if (s.group !== undefined && s.group !== '' && groupOf(v) !== s.group) return false
    if (s.version) {
      if (groupVersion(apiVersionOf(v)).version !== s.version) return false
    }
    if (name && !name.test(nameOf(v)) && !name.test(o.originalName)) return false
    if (
      namespace &&
      !namespace.test(effectiveNamespace(o, namespaceOf(v))) &&
      !namespace.test(effectiveNamespace(o, o.originalNamespace))
    )
      return false
    const meta = metadataOf(v)
    if (s.labelSelector && !matchesLabelSelector(stringMap(meta.labels) ?? {}, s.labelSelector)) return false
    if (
      s.annotationSelector &&
      !matchesLabelSelector(stringMap(meta.annotations) ?? {}, s.annotationSelector)
    )
      return false
    return true
  })
}

/** Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma-joined. */
export function matchesLabelSelector(labels: Record<string, string>, selector: string): boolean {
  const requirements: string[] = []
  let depth = 0
  let current = ''
  for (const c of selector) {
    if (c === '(') depth++
    if (c === ')') depth--
    if (c === ',' && depth === 0) {
      requirements.push(current)
      current = ''
    } else current += c
  }
  requirements.push(current)
  return requirements
    .map(r => r.trim())
    .filter(r => r !== '')
    .every(r => {
      const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(r)
      if (set) {
        const values = set[3].split(',').map(x => x.trim())
        const has = set[1] in labels && values.includes(labels[set[1]])
        return set[2] === 'in' ? has : !has
      }
      const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(r)
      if (cmp) {
        const equal = labels[cmp[1]] === cmp[3].trim()
        return cmp[2] === '!=' ? !equal : equal
      }
      if (r.startsWith('!')) return !(r.slice(1).trim() in labels)
      return r in labels
    })
}
