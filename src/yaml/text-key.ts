import { createHash } from 'node:crypto'

/**
 * V8 hashes a string longer than 16,383 characters by its length alone, so a Map keyed by long texts of similar
 * length (a fleet's ConfigMaps, which differ only in a cluster's name) degrades to a list compared text by text,
 * quadratic in the clusters. Long texts are keyed by a digest of their content instead; a digest key starts with
 * NUL, which no YAML text holds, so it cannot equal a short text. It also keeps memos from holding the long texts.
 */
export const LONGEST_HASHED = 16_383

export const textKey = (text: string): string =>
  text.length <= LONGEST_HASHED
    ? text
    : `\u0000${text.length}:${createHash('sha256').update(text).digest('base64')}`
