/**
 * Parsed values are shared: the fast loader hands one value to every place a block of text repeats (see
 * `SharedBlocks`), and a run's parse memo hands one value to every document of the same text. A write through one
 * document would change all the others, and checks that remember a value as clean (the schema check's memo) would
 * go on trusting it. So parsed values are read-only: in the types where they leave the loaders, and in fact when
 * `FCU_FREEZE_PARSED=1` (the test suite sets it), where every value the loaders return is deep-frozen and a write
 * anywhere in the engine throws (ES modules are strict code). A stage that needs a changed value edits a copy.
 */

/** `T` with every property and element read-only, however deep. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends Date
    ? T
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T

/** What a YAML document parses to, as far as its readers may know: read-only all the way down. */
export type ParsedValue =
  | null
  | boolean
  | number
  | string
  | Date
  | ReadonlyArray<ParsedValue>
  | { readonly [key: string]: ParsedValue }

/** A mapping of a parsed value (what `isObject` narrows a `ParsedValue` to). */
export type ParsedObject = { readonly [key: string]: ParsedValue }

/** `Array.isArray` for parsed values: it narrows to a mutable `any[]`, this to what the value is. */
export const isParsedList = (v: ParsedValue | undefined): v is readonly ParsedValue[] => Array.isArray(v)

/**
 * Whether the loaders freeze what they return. Read once: the test suite sets it before any module loads. Off in
 * the action and the CLI, where freezing would cost every run a walk over every value for a guarantee the test
 * suite already gives.
 */
export const FREEZE_PARSED = typeof process !== 'undefined' && process.env.FCU_FREEZE_PARSED === '1'

/**
 * Deep-freezes `value` in place and returns it. A frozen object is taken as frozen all the way down (this is the
 * only place that freezes), so a block shared with a value frozen before is not walked again. Iterative: a
 * js-yaml value may nest deeper than the stack, and aliases may make it a cycle.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  const pending: object[] = [value]
  for (let o = pending.pop(); o !== undefined; o = pending.pop()) {
    Object.freeze(o)
    for (const v of Array.isArray(o) ? o : Object.values(o)) {
      if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) pending.push(v as object)
    }
  }
  return value
}

/** A value leaving a loader, typed as what its readers may assume: frozen when the test flag is on. */
export const sealParsed = (value: unknown): ParsedValue =>
  (FREEZE_PARSED ? deepFreeze(value) : value) as ParsedValue
