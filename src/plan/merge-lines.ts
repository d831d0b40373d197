import { diffIndices } from 'node-diff3'
import { FcuError } from '../errors.js'
import { pushAll } from '../arrays.js'

/**
 * Combines several edits of one file, each made from the same base text, into one text: the case of a file two
 * components touch (a kustomization listing both the Flux and the Calico ConfigMap). Line-level three-way merge
 * tools call edits of adjacent lines a conflict; here only edits of the same base lines are one, so that two
 * neighbouring `resources` entries renamed by two components merge.
 */
export function mergeEdits(
  file: string,
  base: string,
  edits: readonly { label: string; text: string }[]
): string {
  const distinct = edits.filter((e, i) => edits.findIndex(o => o.text === e.text) === i)
  if (distinct.length === 1) return distinct[0].text
  const o = lines(base)
  const hunks = distinct.flatMap(e => hunksOf(o, lines(e.text)).map(h => ({ ...h, label: e.label })))
  hunks.sort((a, b) => a.start - b.start || a.end - b.end)
  for (let i = 1; i < hunks.length; i++) {
    const prev = hunks[i - 1]
    const h = hunks[i]
    // Same base lines, or two insertions at one point: no order or choice between them is right.
    const overlaps =
      h.start < prev.end || (h.start === prev.start && (h.start === h.end || prev.start === prev.end))
    if (overlaps && prev.label !== h.label && !sameHunk(prev, h)) {
      throw new FcuError(
        'manifest',
        `${file}: the ${prev.label} and ${h.label} upgrades change the same lines`,
        {
          location: { file, line: h.start + 1 },
          hint: 'Upgrade the components one at a time (components: flux, then calico), or set group: true.'
        }
      )
    }
  }
  const out: string[] = []
  let at = 0
  for (const h of hunks) {
    if (h.start < at) continue // the same hunk from another component
    pushAll(pushAll(out, o.slice(at, h.start)), h.content)
    at = h.end
  }
  pushAll(out, o.slice(at))
  return out.join('')
}

interface Hunk {
  start: number
  end: number
  content: string[]
}

const sameHunk = (a: Hunk, b: Hunk): boolean =>
  a.start === b.start && a.end === b.end && a.content.join('') === b.content.join('')

/** Lines with their terminators, so CRLF files and a missing final newline survive. */
const lines = (text: string): string[] => (text === '' ? [] : text.split(/(?<=\n)/))

/** The base ranges a side replaced; common leading and trailing lines are trimmed first to keep the LCS small. */
function hunksOf(o: string[], a: string[]): Hunk[] {
  let head = 0
  while (head < o.length && head < a.length && o[head] === a[head]) head++
  let tail = 0
  while (
    tail < o.length - head &&
    tail < a.length - head &&
    o[o.length - 1 - tail] === a[a.length - 1 - tail]
  )
    tail++
  const oMid = o.slice(head, o.length - tail)
  const aMid = a.slice(head, a.length - tail)
  return diffIndices(oMid, aMid).map(d => ({
    start: head + d.buffer1[0],
    end: head + d.buffer1[0] + d.buffer1[1],
    content: d.buffer2Content
  }))
}
