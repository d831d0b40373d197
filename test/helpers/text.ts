/** Finding lines in test text, and reading a folder as the renderer takes a repository. */
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'

/** The 1-based line of the first line of `text` that contains `needle`, searching from the first line with `after`. */
export function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split('\n')
  const start = after === undefined ? 0 : lines.findIndex(l => l.includes(after))
  const i = lines.findIndex((l, n) => n >= start && l.includes(needle))
  if (i < 0) throw new Error(`"${needle}" is not in the text`)
  return i + 1
}

/** The 1-based lines of every line of `text` that contains `needle`. */
export function linesOf(text: string, needle: string): number[] {
  return text.split('\n').flatMap((l, i) => (l.includes(needle) ? [i + 1] : []))
}

/** Every file under `dir`, keyed by its path relative to `dir`, as the renderer takes a repository. */
export function loadTree(dir: string): Map<string, string> {
  const files = new Map<string, string>()
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else files.set(path.relative(dir, p).split(path.sep).join('/'), readFileSync(p, 'utf8'))
    }
  }
  walk(dir)
  return files
}
