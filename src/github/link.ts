/** The `rel="next"` target of an RFC 8288 Link header, resolved against the page it came with. */
export function nextLink(header: string | null | undefined, base: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (!match) continue
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2])
    const names = (rels?.[1] ?? rels?.[2] ?? '').toLowerCase().split(/\s+/)
    if (!names.includes('next')) continue
    try {
      return new URL(match[1], base).toString()
    } catch {
      return undefined
    }
  }
  return undefined
}
