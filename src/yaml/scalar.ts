/**
 * Writing string scalars the way `kubectl create configmap --dry-run=client -o yaml` does (go-yaml's emitter:
 * literal blocks for multi-line text it accepts, double-quoted scalars folded at 80 columns otherwise), and the
 * project's own policy for ConfigMap data (a literal block whenever YAML can carry the text as one, SPEC §2).
 */

/** go-yaml's `best_width`: a double-quoted scalar is folded at the first space past this column. */
const BEST_WIDTH = 80

const isLineBreakChar = (c: number): boolean =>
  c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029

/**
 * go-yaml's printable set (`is_printable`): characters outside it are escaped in double quotes and rule out a block.
 * Characters beyond the Basic Multilingual Plane are outside it too, so kubectl escapes an emoji as `\U0001F600`.
 */
const isPrintable = (c: number): boolean =>
  c === 0x0a ||
  (c >= 0x20 && c <= 0x7e) ||
  (c >= 0xa0 && c <= 0xd7ff) ||
  (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff)

/**
 * What is not printable ASCII, by UTF-16 unit: the only characters that can rule a block out. Without the `u` flag
 * the scan stays a fast native one on texts that hold non-ASCII characters; surrogate pairs are joined below.
 */
const NOT_PRINTABLE_ASCII = /[^\n\x20-\x7e]/g

/**
 * Why a text cannot be a literal block, or undefined when it can. A tab is allowed in block content by YAML, but
 * SPEC §2 keeps it quoted (as kubectl does); CR, NEL and the Unicode line separators would be read back as line
 * breaks by some parser; other control characters have no literal form at all.
 */
export function literalBlockProblem(value: string): string | undefined {
  // A native scan to the few characters outside printable ASCII (a ConfigMap's data runs to megabytes).
  let pairEnd = -1
  for (const m of value.matchAll(NOT_PRINTABLE_ASCII)) {
    // The low half of a pair whose code point was looked at with its high half.
    if (m.index === pairEnd) continue
    const c = value.codePointAt(m.index)!
    if (c >= 0x10000) pairEnd = m.index + 1
    const at = () => `(line ${lineAt(value, m.index)} of the value)`
    if (c === 0x09) return `it holds a tab ${at()}`
    if (c === 0x0d) return `it holds a carriage return ${at()}`
    if (isLineBreakChar(c)) return `it holds the line separator U+${hex(c, 4)} ${at()}`
    if (c >= 0x10000) continue
    if (!isPrintable(c)) return `it holds the control character U+${hex(c, 4)} ${at()}`
  }
  return undefined
}

const lineAt = (text: string, index: number): number => {
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++
  return line
}

/**
 * A literal block scalar (header line and content lines, ending in a newline) whose content sits `indent` columns
 * deeper than `parentIndent` (the column of its key), or undefined when the text cannot be one. Chomping and
 * indentation indicators are go-yaml's: `-` without a final newline, `+` for more than one, an explicit indentation
 * when the text starts with a space or a newline.
 */
export function literalBlock(value: string, parentIndent: number, indent: number): string | undefined {
  if (value === '' || literalBlockProblem(value) !== undefined) return undefined
  const body = value.endsWith('\n') ? value.slice(0, -1) : value
  return `${blockHeader(value, indent)}\n${paddedLines(body, ' '.repeat(parentIndent + indent))}`
}

function blockHeader(value: string, indent: number): string {
  if (indent < 1 || indent > 9) throw new RangeError(`block indentation ${indent} is not 1 to 9`)
  let header = '|'
  if (value[0] === ' ' || value[0] === '\n') header += String(indent)
  if (!value.endsWith('\n')) header += '-'
  else if (value === '\n' || value.endsWith('\n\n')) header += '+'
  return header
}

/**
 * Each line of `body` after `pad`, and a newline. Empty lines carry no indentation, as go-yaml writes them. (The
 * text holds no other line breaks.) Lines are padded one by one, so a text's padding is its parts' padding joined.
 */
function paddedLines(body: string, pad: string): string {
  const out: string[] = []
  for (let p = 0; p <= body.length;) {
    const nl = body.indexOf('\n', p)
    const end = nl === -1 ? body.length : nl
    if (end > p) out.push(pad, body.slice(p, end))
    out.push('\n')
    p = end + 1
  }
  return out.join('')
}

const hex = (c: number, width: number): string => c.toString(16).toUpperCase().padStart(width, '0')

const ESCAPES: Readonly<Record<number, string>> = {
  0x00: '0',
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x1b: 'e',
  0x22: '"',
  0x5c: '\\',
  0x85: 'N',
  0xa0: '_',
  0x2028: 'L',
  0x2029: 'P'
}

function escape(c: number): string {
  const named = ESCAPES[c]
  if (named !== undefined) return `\\${named}`
  if (c <= 0xff) return `\\x${hex(c, 2)}`
  if (c <= 0xffff) return `\\u${hex(c, 4)}`
  return `\\U${hex(c, 8)}`
}

/**
 * A double-quoted scalar as go-yaml writes it (`yaml_emitter_write_double_quoted`): `column` is where the opening
 * quote goes on its line, `indent` the indentation of continuation lines. A line is broken at the first space
 * past column 80; a space that follows that break is escaped (`\ `) so that folding does not eat it.
 */
export function doubleQuoted(value: string, column: number, indent: number): string {
  const chars = [...value]
  let out = '"'
  let col = column + 1
  let spaces = false
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]
    const c = ch.codePointAt(0)!
    if (!isPrintable(c) || isLineBreakChar(c) || c === 0x22 || c === 0x5c) {
      const e = escape(c)
      out += e
      col += e.length
      spaces = false
    } else if (c === 0x20) {
      if (!spaces && col > BEST_WIDTH && i !== 0 && i !== chars.length - 1) {
        out += '\n' + ' '.repeat(indent)
        col = indent
        if (chars[i + 1] === ' ') {
          out += '\\'
          col++
        }
      } else {
        out += ' '
        col++
      }
      spaces = true
    } else {
      out += ch
      col++
      spaces = false
    }
  }
  return out + '"'
}

// Plain scalars that YAML 1.1 (go-yaml: kubectl, kustomize, flux) or 1.2 (js-yaml) would not read as a string.
const NON_STRING = [
  /^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|<<|=)$/,
  /^(?=[-+.]?[0-9])[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?0(?:x[0-9a-fA-F_]+|o[0-7_]+|b[01_]+)$/,
  /^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/
]

/**
 * A plain scalar that every YAML reader takes as this same string: printable ASCII without the characters that
 * start or end YAML syntax. Conservative on purpose (a value it refuses is quoted, which is never wrong).
 */
export function isPlainSafe(value: string): boolean {
  if (!/^[A-Za-z0-9._/=+~-][ -~]*$/.test(value) || /[\s:]$|: |[[\]{}"'`|>&*!%#]/.test(value)) return false
  if (value.startsWith('-') && !/^-[A-Za-z0-9]/.test(value)) return false
  return !NON_STRING.some(r => r.test(value))
}

/** A one-line scalar for names, keys and annotation values: plain when that is safe, else double-quoted. */
export function inlineScalar(value: string, column: number): string {
  return isPlainSafe(value) ? value : doubleQuoted(value, column, column)
}

// go-yaml's `block_allowed`: no space before a line break or at the end, and only printable characters. (It also
// lets U+2028/U+2029 into a block, as raw line breaks; those are refused here and quoted instead.)
function goYamlBlockAllowed(value: string): boolean {
  if (/ \n| $/.test(value)) return false
  for (const ch of value)
    if (!isPrintable(ch.codePointAt(0)!) || isLineBreakChar(ch.codePointAt(0)!)) {
      if (ch !== '\n') return false
    }
  return true
}

/**
 * What `kubectl create configmap --from-file` writes for a value after `key: ` at `column`, the key itself at
 * `parentIndent`: go-yaml's choice among plain, literal block and double quotes (single quotes, which go-yaml uses
 * for a few one-line values, are left out: ConfigMap data from files is multi-line). Block results end in a
 * newline, the others do not.
 */
export function kubectlScalar(value: string, parentIndent: number, column: number): string {
  if (value.includes('\n') && goYamlBlockAllowed(value)) {
    const block = literalBlock(value, parentIndent, 2)
    if (block !== undefined) return block
  }
  if (!value.includes('\n') && isPlainSafe(value)) return value
  return doubleQuoted(value, column, parentIndent + 2)
}

/**
 * The project's form for a ConfigMap data value (SPEC §2, issue 9 item 6): a literal block when the text can be
 * one, also where kubectl would quote (a line ending in a space), else the double-quoted scalar kubectl writes and
 * the reason. `indent` is the block's content indentation relative to the key.
 */
export function dataScalar(
  value: string,
  parentIndent: number,
  column: number,
  indent = 2,
  shared?: string
): DataScalar {
  if (shared !== undefined) {
    const block = sharedBlock(value, shared, parentIndent, indent)
    if (block !== undefined) return { text: block, block: true }
  }
  // A fleet writes the same manifest into every cluster's ConfigMap, usually the very same string: a long value is
  // rendered once per placing. Compared by content, which for the same string is no work and for another long
  // value stops at the first difference (cheaper than a digest, which a value seen once would pay for nothing).
  if (value.length <= LONGEST_UNMEMOISED) return renderData(value, parentIndent, column, indent)
  let known = recentlyRendered.find(
    r => r.value === value && r.parentIndent === parentIndent && r.column === column && r.indent === indent
  )
  if (!known) {
    known = { value, parentIndent, column, indent, result: renderData(value, parentIndent, column, indent) }
    recentlyRendered.unshift(known)
    recentlyRendered.length = Math.min(recentlyRendered.length, RECENT_RENDERINGS)
  }
  return { ...known.result }
}

type DataScalar = { text: string; block: boolean; reason?: string }

/**
 * The literal block of a value that starts with `shared`, a text many values start with (a Flux install, then each
 * cluster's own objects): the shared lines are padded once per placing and the rest per value. Undefined where
 * that does not apply (the value does not start with it on a line of its own, or a block cannot hold it).
 */
function sharedBlock(
  value: string,
  shared: string,
  parentIndent: number,
  indent: number
): string | undefined {
  if (
    shared.length <= LONGEST_UNMEMOISED ||
    !shared.endsWith('\n') ||
    value.length <= shared.length ||
    !value.startsWith(shared)
  )
    return undefined
  const pad = ' '.repeat(parentIndent + indent)
  let head = recentShared.find(r => r.text === shared && r.pad === pad)
  if (!head) {
    head = {
      text: shared,
      pad,
      padded: literalBlockProblem(shared) === undefined ? paddedLines(shared.slice(0, -1), pad) : undefined
    }
    recentShared.unshift(head)
    recentShared.length = Math.min(recentShared.length, RECENT_RENDERINGS)
  }
  const rest = value.slice(shared.length)
  if (head.padded === undefined || literalBlockProblem(rest) !== undefined) return undefined
  const restBody = rest.endsWith('\n') ? rest.slice(0, -1) : rest
  return `${blockHeader(value, indent)}\n${head.padded}${paddedLines(restBody, pad)}`
}

const recentShared: { text: string; pad: string; padded: string | undefined }[] = []

const LONGEST_UNMEMOISED = 16_383
const RECENT_RENDERINGS = 4
const recentlyRendered: {
  value: string
  parentIndent: number
  column: number
  indent: number
  result: DataScalar
}[] = []

function renderData(value: string, parentIndent: number, column: number, indent: number): DataScalar {
  if (value.includes('\n')) {
    const block = literalBlock(value, parentIndent, indent)
    if (block !== undefined) return { text: block, block: true }
    return {
      text: doubleQuoted(value, column, parentIndent + indent),
      block: false,
      reason: `kept as a double-quoted string: ${literalBlockProblem(value)}`
    }
  }
  return { text: inlineScalar(value, column), block: false }
}
