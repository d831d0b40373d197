import { isAscii, isUtf8 } from 'node:buffer'
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs'
import { FcuError } from '../errors.js'

/**
 * The largest YAML file a run reads: 16 MiB. No Kubernetes object is over 3 MiB (the API server's request limit)
 * and a ConfigMap's data over 1 MiB; a file larger than this is no manifest a cluster could take, and refusing it
 * before reading bounds what one file costs (a run holds about ten times the text it parses).
 */
export const MAX_YAML_FILE_BYTES = 16 * 1024 * 1024

/**
 * A repository file as text: refused, with file and limit named, past `MAX_YAML_FILE_BYTES`; refused, with the
 * line and byte offset of the first bad byte, when it is not UTF-8 (YAML is Unicode text, and a silently replaced
 * byte would be written back changed). A byte order mark stays in the text, so a file written back keeps it.
 */
export async function readUtf8File(abs: string, file: string): Promise<string> {
  return decodeUtf8(readYamlBytes(abs, file).bytes, file)
}

/**
 * A YAML file's bytes and the mtime they are of, refused unread past `MAX_YAML_FILE_BYTES`. Synchronous: a
 * repository's files are read one after the other, with nothing else to wait for, and a thread-pool round trip per
 * file would cost more than the read.
 */
export function readYamlBytes(
  abs: string,
  file: string,
  /**
   * A buffer of at least `size` bytes to read into, reused from file to file: each fresh buffer is memory the
   * system must map in, page by page, which costs more than reading into it. The bytes are valid until the next read.
   */
  into?: (size: number) => Buffer
): { bytes: Buffer; mtimeMs: number } {
  const fd = openSync(abs, 'r')
  try {
    const { size, mtimeMs } = fstatSync(fd)
    if (size > MAX_YAML_FILE_BYTES) {
      throw new FcuError(
        'manifest',
        `${file} is ${size.toLocaleString('en-US')} bytes, over the ${MAX_YAML_FILE_BYTES.toLocaleString('en-US')} bytes a YAML file may have here`,
        {
          location: { file },
          hint: 'No Kubernetes object is over 3 MiB: split the file into smaller ones, or keep it out of the files git lists (.gitignore).'
        }
      )
    }
    if (!into) return { bytes: readFileSync(fd), mtimeMs }
    const bytes = into(size).subarray(0, size)
    for (let at = 0; at < size;) {
      const n = readSync(fd, bytes, at, size - at, at)
      // Shorter than it was a moment ago: what is there is what was read.
      if (n === 0) return { bytes: bytes.subarray(0, at), mtimeMs }
      at += n
    }
    return { bytes, mtimeMs }
  } finally {
    closeSync(fd)
  }
}

/**
 * Bytes as text, refused with the line and offset of the first byte that is not UTF-8. Most manifests are ASCII,
 * which decodes as Latin-1 (one byte per character, no validation to do); `isAscii` and `isUtf8` scan with SIMD.
 */
export function decodeUtf8(bytes: Buffer, file: string): string {
  checkUtf8(bytes, file)
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
}

/** Refuses bytes that are not UTF-8, naming the line and offset of the first bad byte. */
export function checkUtf8(bytes: Buffer, file: string): void {
  if (isAscii(bytes) || isUtf8(bytes)) return
  const offset = firstInvalidUtf8(bytes)
  let line = 1
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++
  throw new FcuError(
    'manifest',
    `${file} is not UTF-8: byte ${offset} (line ${line}) is 0x${bytes[offset].toString(16).padStart(2, '0')}`,
    {
      location: { file, line },
      hint: 'Save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8); YAML files are Unicode text.'
    }
  )
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]
    const [length, min] =
      b < 0x80
        ? [1, 0]
        : b >= 0xc2 && b < 0xe0
          ? [2, 0x80]
          : b >= 0xe0 && b < 0xf0
            ? [3, 0x800]
            : b >= 0xf0 && b < 0xf5
              ? [4, 0x10000]
              : [0, 0]
    if (length === 0 || i + length > bytes.length) return i
    let cp = length === 1 ? b : b & (0xff >> (length + 1))
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k]
      if ((c & 0xc0) !== 0x80) return i
      cp = (cp << 6) | (c & 0x3f)
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 either.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i
    i += length
  }
  return bytes.length
}
