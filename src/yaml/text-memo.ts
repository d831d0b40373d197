import { LONGEST_HASHED } from './text-key.js'

/**
 * Values worked out from texts, found again by the text itself: a short text is a Map key as it is; a long one
 * (which V8 hashes by its length alone, see `textKey`) is looked up by a cheap fingerprint and then compared in
 * full, so a hit costs one comparison of memory and a miss rarely any, where a digest of the text cost several
 * times more (SHA-256 of a JavaScript string encodes it to UTF-8 first). Collision-safe: only an equal text hits.
 *
 * A text is kept for as long as its value: give `set` a text of its own (`ownCopy`) where it is a slice of a much
 * larger one (a document of a ConfigMap's data, itself a cluster's own), which the key would keep alive. Long texts
 * that share a fingerprint keep only the latest few, so a lookup compares against a bounded number of them.
 */

/** Long texts kept per fingerprint. */
const KEPT_ALIKE = 4

/** Characters fingerprinted in full at each end of a long text: where generated streams put what differs. */
const ENDS = 512
/** Characters sampled in between. */
const SAMPLES = 512

/**
 * A 31-bit fingerprint of a long text: its length, both ends in full and evenly spaced characters between them.
 * A fleet's texts of one length differ in a name near an end (a ConfigMap's, a sync document's), which this sees.
 */
export function fingerprint(text: string): number {
  const n = text.length
  let h = Math.imul(n, 0x9e3779b1)
  const head = Math.min(n, ENDS)
  for (let i = 0; i < head; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  const tail = Math.max(head, n - ENDS)
  const step = Math.max(1, Math.floor((tail - head) / SAMPLES))
  for (let i = head; i < tail; i += step) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  for (let i = tail; i < n; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return h & 0x7fffffff
}

export class TextMemo<V> {
  private readonly short = new Map<string, V>()
  private readonly long = new Map<number, { text: string; value: V }[]>()

  get(text: string): V | undefined {
    if (text.length <= LONGEST_HASHED) return this.short.get(text)
    const alike = this.long.get(fingerprint(text))
    return alike?.find(k => k.text.length === text.length && k.text === text)?.value
  }

  set(text: string, value: V): void {
    if (text.length <= LONGEST_HASHED) {
      this.short.set(text, value)
      return
    }
    const key = fingerprint(text)
    const alike = this.long.get(key)
    if (alike === undefined) this.long.set(key, [{ text, value }])
    else {
      if (alike.length >= KEPT_ALIKE) alike.shift()
      alike.push({ text, value })
    }
  }
}

/**
 * `text` in a string of its own, not a slice that keeps the text it was cut from alive: a slice of a string V8 has
 * just flattened into a new one (concatenation, then the slice, which flattens it) holds only that new string.
 */
export const ownCopy = (text: string): string => ` ${text}`.slice(1)

/** Texts this long are worth finding again: below it, a copy costs less than the lookup. */
export const INTERNED_MIN = 64 * 1024
/** Characters the interned texts may hold; past that the table starts over. */
const INTERNED_CHARS = 32 * 1024 * 1024

const interned = new Map<number, string[]>()
let internedChars = 0

/**
 * One string for every equal long text read in a run: a fleet's ConfigMaps each hold the same manifest in their
 * data, and a value read from each cluster's file would otherwise be a megabyte of its own per cluster for as
 * long as what was read from it is kept. Texts are compared in full, only against those of the same fingerprint.
 */
export function intern(text: string): string {
  if (text.length < INTERNED_MIN) return text
  const key = fingerprint(text)
  const alike = interned.get(key)
  const known = alike?.find(t => t.length === text.length && t === text)
  if (known !== undefined) return known
  if (internedChars + text.length > INTERNED_CHARS) {
    interned.clear()
    internedChars = 0
  }
  if (alike && interned.has(key)) {
    if (alike.length >= KEPT_ALIKE) internedChars -= alike.shift()!.length
    alike.push(text)
  } else interned.set(key, [text])
  internedChars += text.length
  return text
}
