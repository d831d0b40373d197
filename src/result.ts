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

/** A regenerated ClusterResourceSet ConfigMap, as the summary, the JSON report and the PR body list it. */
export interface ConfigMapOutcome {
  component: Component
  file: string
  name: string
  namespace?: string
  from: string
  to: string
  /** The file the ConfigMap is in after the run, where its name carried the version. */
  renamedTo?: string
  /** The ConfigMap's name after the run (the first part's, when split). */
  newName: string
  keys: { key: string; renamedTo?: string }[]
  /** One per ConfigMap the data now takes (one unless it was split), with its data size. */
  parts: { name: string; bytes: number }[]
  /** Calico: the user's changes to upstream's manifest that the new version keeps. */
  kept: { object: string; path: string; change: string }[]
  /** Why a data value is not a literal block. */
  notes: string[]
  status: 'upgraded' | 'up-to-date' | 'kept-newer'
}

/** A reference to a renamed file or ConfigMap that the run changed to the new name. */
export interface ReferenceOutcome {
  file: string
  line: number
  kind: 'file' | 'configmap'
  from: string
  to: string
}

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
  branch?: string
  title?: string
  /** The whole body, uncut (the pull request gets it cut to GitHub's limit): for the job summary and the report. */
  body?: string
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
  configMaps: ConfigMapOutcome[]
  references: ReferenceOutcome[]
  findings: Finding[]
  validation: {
    resources: number
    skipped: { apiVersion: string; kind: string; count: number; reason: string }[]
    /** Where the schemas came from, and how many objects each checked. */
    schemas?: { source: string; objects: number }[]
    /** Objects validated and not checked, by API group (`core` for the core group). */
    groups?: { group: string; validated: number; skipped: number }[]
  }
  tools: ToolOutcome[]
  /** `flux install --export` runs this run made, for the scale contract (one per distinct option set). */
  fluxInstallRuns: number
  pullRequests: PullRequestOutcome[]
  notes: string[]
}
