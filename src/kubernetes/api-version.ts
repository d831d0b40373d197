/** The group and version of an `apiVersion`: `apps/v1` is group `apps`, version `v1`; the core group is `''`. */
export function groupVersion(apiVersion: unknown): { group: string; version: string } {
  const s = typeof apiVersion === 'string' ? apiVersion : ''
  const slash = s.lastIndexOf('/')
  return slash < 0 ? { group: '', version: s } : { group: s.slice(0, slash), version: s.slice(slash + 1) }
}
