import type { Finding } from '../errors.js'
import type { RepoConfig } from '../config/config.js'
import type { Component } from '../settings/inputs.js'
import type { DiscoveredTarget } from '../targets/discover.js'
import type { VersionSpec } from '../versions/spec.js'
import type { MigratedObject } from '../flux/migrate.js'
import type { ExpectedVersion } from '../validate/validator.js'
import type { ComponentOutcome, ConfigMapOutcome, ReferenceOutcome, TargetOutcome } from '../result.js'
import type { RunDeps } from '../deps.js'
import type { Upstream } from '../upstream.js'
import type { ChangeReason } from './plan.js'
import type { WorkingTree } from './tree.js'

/** What a stage reads: the repository as its component's earlier stages left it, and the run's shared services. */
export interface StageContext {
  tree: WorkingTree
  spec: VersionSpec
  targets: readonly DiscoveredTarget[]
  config: RepoConfig
  upstream: Upstream
  deps: RunDeps
  /**
   * Hands a change's text to the run's store (spilled to disk) and returns the change with its content read back
   * when asked: a stage that changes many files pushes `keep(change)` so that it holds none of their texts. Absent
   * where nothing is stored (tests): push the change as it is.
   */
  keep?: (change: StageChange) => StageChange
}

export interface StageChange {
  path: string
  /** `null` deletes the file. */
  content: string | null
  reason: ChangeReason
  /** With `reason: 'renamed'`: the file this one replaces, removed by the same change. */
  renamedFrom?: string
}

/** What a stage returns: its file changes and what the report says of them. Stages change nothing else. */
export interface StageOutcome {
  changes: StageChange[]
  component?: ComponentOutcome
  targets?: TargetOutcome[]
  migrated?: MigratedObject[]
  /** The version each file the stage manages must hold afterwards (validation checks the headers). */
  versionTargets?: ExpectedVersion[]
  /** The CRDs the stage's new manifests install: the repository's objects of their kinds are checked against them. */
  upgradedCrds?: unknown[]
  fluxInstallRuns?: number
  /** ConfigMaps regenerated: from, to, renames, references followed, parts and sizes. */
  configMaps?: ConfigMapOutcome[]
  /** References to renamed files and ConfigMaps that the stage changed. */
  references?: ReferenceOutcome[]
  /** Problems that fail the target (a merge conflict): the run writes nothing. */
  findings?: Finding[]
  notes?: string[]
}

export interface Stage {
  component: Component
  name: string
  run(ctx: StageContext): Promise<StageOutcome>
}
