/**
 * Appends `items` to `target` in place and returns `target`. `target.push(...items)` passes every item as an
 * argument, and V8 refuses calls with more than about 120,000 of them ("Maximum call stack size exceeded"): a
 * flow-style `kind: List` of that many items, or as many findings, must not decide whether a run survives.
 */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item)
  return target
}
