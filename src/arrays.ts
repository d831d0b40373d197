/**
 * Appends `items` to `target` in place and returns `target`. `target.push(...items)` passes every item as an
 * argument, and V8 refuses calls with more than about 120,000 of them ("Maximum call stack size exceeded"): a
 * flow-style `kind: List` of that many items, or as many findings, must not decide whether a run survives.
 */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item)
  return target
}

/** `fn` over `items`, at most `limit` at a time; results in the order of `items`. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
