import type { Finding } from './errors.js'
import type { Component, Mode } from './settings/inputs.js'
import type { TargetType } from './config/config.js'
import type { ChangeReason } from './plan/plan.js'

/** What a run did, as data: `main.ts` turns it into outputs and a summary, the CLI into text, tests assert on it. */

export interface ComponentOutcome {
  component: Component
  /** The version the repository had (highest among its targets), without `v`. */
  from?: string
  /** The version the run resolved to, without `v`. */
  to?: string
  action: 'upgrade' | 'none' | 'downgrade' | 'skipped'
  reason: string
  releaseNotes?: string
}

export type { DriftEntry as DriftItem } from './flux/drift.js'
import type { DriftEntry as DriftItem } from './flux/drift.js'

export interface TargetOutcome {
  path: string
  type: TargetType
  component: Component
  from?: string
  to?: string
  status: 'upgraded' | 'up-to-date' | 'kept-newer' | 'not-supported-yet'
  /** The `flux install` flags that reproduce the file's options. */
  installArgs?: string[]
  /** Hand edits found compared with what `flux install` gives for the file's header version and options. */
  drift: DriftItem[]
}

export interface FileOutcome {
  path: string
  operation: 'modified' | 'added' | 'deleted'
  bytes: number
  /** The components whose upgrade changes the file (a kustomization may list both ConfigMaps). */
  components: Component[]
  reasons: ChangeReason[]
  /** For the new file of a rename: the file it replaces. */
  renamedFrom?: string
}

export type { MigratedObject } from './flux/migrate.js'
import type { MigratedObject } from './flux/migrate.js'

export interface ToolOutcome {
  tool: 'flux' | 'calicoctl'
  version: string
  downloaded: boolean
}

export interface PullRequestOutcome {
  component: string
  number?: number
  url?: string
  operation: 'created' | 'updated' | 'closed' | 'none'
}

export interface RunResult {
  mode: Mode
  dryRun: boolean
  /** Files differ (or would differ) from the repository. */
  changed: boolean
  /** The working tree was written. */
  written: boolean
  components: ComponentOutcome[]
  targets: TargetOutcome[]
  files: FileOutcome[]
  migrated: MigratedObject[]
  findings: Finding[]
  validation: {
    resources: number
    skipped: { apiVersion: string; kind: string; count: number; reason: string }[]
  }
  tools: ToolOutcome[]
  /** `flux install --export` runs this run made, for the scale contract (one per distinct option set). */
  fluxInstallRuns: number
  pullRequests: PullRequestOutcome[]
  notes: string[]
}
