/**
 * Contents held by reference in a store of texts (the run's is `TextStore`, src/workspace/store.ts): trees, plans,
 * writes and publishing pass a stored content on without reading it, and read it only through the `Texts` it came
 * from. Pure: where the texts live, and any reading from disk, is the store's concern.
 */

export interface StoredText {
  readonly digest: string
  readonly bytes: number
}

/** What reading and keeping stored contents needs of a store. */
export interface Texts {
  /** Keeps a text made during the run; identical texts give the same reference. */
  put(text: string): StoredText
  text(ref: StoredText): string
  /** The content as UTF-8 bytes, as it is written. */
  bytes(ref: StoredText): Buffer
}

/** The stored text behind an object's `content`, for objects made by `withStoredContent`. */
const stored = new WeakMap<object, { ref: StoredText; store: Texts }>()

/**
 * Gives `target` a `content` read from the store when asked (an enumerable getter, so spreading or comparing the
 * object sees the text), and remembers where it is, so that trees, plans and writes pass it on without reading it.
 */
export function withStoredContent<T extends object>(
  target: T,
  ref: StoredText,
  store: Texts
): T & { readonly content: string } {
  Object.defineProperty(target, 'content', {
    get: () => store.text(ref),
    enumerable: true,
    configurable: true
  })
  stored.set(target, { ref, store })
  return target as T & { readonly content: string }
}

/** Where the `content` of an object made by `withStoredContent` is kept; undefined for any other object. */
export const storedContent = (o: object): { ref: StoredText; store: Texts } | undefined => stored.get(o)

/** Whether an object's `content` is `null` (a removal), without reading a stored content. */
export const removes = (o: { content: string | null }): boolean => !stored.has(o) && o.content === null

/** `target` with the content of `from`: a stored content passed on unread, anything else as it is. */
export function passContent<T extends object>(
  target: T,
  from: { content: string | null }
): T & { content: string | null } {
  const s = stored.get(from)
  return s ? withStoredContent(target, s.ref, s.store) : Object.assign(target, { content: from.content })
}

/**
 * The SHA-256 of an object's stored content (hex), for keying work done on a text by its digest without reading
 * it (a parse cache): undefined for an object whose content is not in a store.
 */
export const contentDigest = (o: object): string | undefined => stored.get(o)?.ref.digest
