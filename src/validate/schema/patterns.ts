import { RE2JS } from 're2js'

/**
 * `pattern` is RE2 in Kubernetes (Go's regexp), not JavaScript: Calico writes `^(?i)(Drop|Reject)?$`, which
 * JavaScript's RegExp rejects. Patterns repeat across CRD versions and across CRDs (Calico has a hundred copies of
 * the same few), so each is compiled once per process.
 */
export type CompiledPattern = { ok: true; test: (s: string) => boolean } | { ok: false; error: string }

const cache = new Map<string, CompiledPattern>()

export function compilePattern(pattern: string): CompiledPattern {
  let compiled = cache.get(pattern)
  if (!compiled) {
    try {
      const re = RE2JS.compile(pattern)
      // JSON Schema patterns are unanchored: a match anywhere in the string counts.
      compiled = { ok: true, test: s => re.test(s) }
    } catch (e) {
      compiled = { ok: false, error: e instanceof Error ? e.message : String(e) }
    }
    cache.set(pattern, compiled)
  }
  return compiled
}
