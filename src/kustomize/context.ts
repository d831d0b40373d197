import type { Finding, Severity } from '../errors.js'
import { positionOf, type YamlDocument, type YamlPath } from '../yaml/documents.js'
import type { FileIndex } from './files.js'

/** One kustomization being rendered: its file, its parsed content, and where its findings go. */
export interface KustomizationContext {
  dir: string
  file: string
  doc: YamlDocument
  spec: Record<string, unknown>
  files: FileIndex
  findings: Finding[]
  /** Called when something the renderer does not apply may have added, removed or renamed objects; says what. */
  markIncomplete(reason: string): void
}

/** A finding at a field of the kustomization file. */
export function noteAt(
  ctx: KustomizationContext,
  severity: Severity,
  rule: string,
  path: YamlPath,
  message: string,
  hint?: string
): void {
  const { line, column } = positionOf(ctx.doc, path)
  ctx.findings.push({ severity, rule, file: ctx.file, line, column, message, ...(hint ? { hint } : {}) })
}
