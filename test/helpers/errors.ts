import { FcuError } from '../../src/errors.js'

/** The FcuError `f` throws; anything else it throws is rethrown, and throwing nothing fails the test. */
export function thrown(f: () => unknown): FcuError {
  try {
    f()
  } catch (e) {
    if (e instanceof FcuError) return e
    throw e
  }
  throw new Error('expected an FcuError')
}

/** The FcuError `p` rejects with; any other rejection is rethrown, and resolving fails the test. */
export async function rejection(p: Promise<unknown>): Promise<FcuError> {
  try {
    await p
  } catch (e) {
    if (e instanceof FcuError) return e
    throw e
  }
  throw new Error('expected an FcuError')
}
