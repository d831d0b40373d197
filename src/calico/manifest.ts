/**
 * Which upstream Calico manifest a text holds, and at which version. Both are read from the text itself (a
 * ConfigMap's data value, or a whole ConfigMap file: the patterns do not depend on indentation or on the `\"` of a
 * double-quoted scalar), so the same functions serve target discovery and the upgrade.
 */

/** The manifest installs Calico publishes under `manifests/` that this project upgrades. */
export const calicoManifests = [
  'calico.yaml',
  'calico-typha.yaml',
  'calico-vxlan.yaml',
  'calico-policy-only.yaml'
] as const

export type CalicoManifest = (typeof calicoManifests)[number]

export const isCalicoManifest = (name: string): name is CalicoManifest =>
  (calicoManifests as readonly string[]).includes(name)

/**
 * The calico-node image: the manifest carries no version header, and the image is what actually runs. From v3.31
 * images move from docker.io to quay.io, and fleets pull from mirrors, so the registry is not part of the match.
 */
const CALICO_NODE_IMAGE = /image:\s*\\?["']?(?:[\w.-]+(?::\d+)?\/)*calico\/node:v(\d+\.\d+\.\d+)\b/

/** The Calico version (`3.26.4`) a manifest deploys, from its calico-node image tag; undefined without one. */
export function currentCalicoVersion(content: string): string | undefined {
  return CALICO_NODE_IMAGE.exec(content)?.[1]
}

/** A key of the `calico-config` ConfigMap's data, plain or quoted, inside a block or an escaped scalar. */
const configKey = (key: string): RegExp => new RegExp(`\\b${key}:[ \\t]*\\\\?["']?([\\w-]*)`)
const TYPHA_SERVICE = configKey('typha_service_name')
const CALICO_BACKEND = configKey('calico_backend')
/** The calico-node env var policy-only sets literally (the networked manifests read it from calico-config). */
const BACKEND_NONE =
  /name:[ \t]*\\?["']?CALICO_NETWORKING_BACKEND\b\\?["']?(?:\\n|\s)+value:[ \t]*\\?["']?none\b/

/**
 * The upstream manifest a text was made from, or undefined when it holds no `calico-config` ConfigMap. The four
 * manifests are renderings of one Helm chart (`charts/calico`) with different values
 * (`charts/values/<manifest>`), and these are the traces those values leave in `calico-config` and calico-node:
 *
 * - `calico-policy-only.yaml` (`network: none`, typha, host-local IPAM): no `calico_backend` key, and
 *   calico-node's `CALICO_NETWORKING_BACKEND` is the literal `none`;
 * - `calico-vxlan.yaml` (`vxlan: true`): `calico_backend: "vxlan"` (no BIRD);
 * - `calico-typha.yaml` (`typha.enabled`): `typha_service_name: "calico-typha"` (and the calico-typha Deployment);
 * - `calico.yaml`: `typha_service_name: "none"`, `calico_backend: "bird"`.
 *
 * Checked in that order, so a hand-made mix (vxlan with typha turned on) reads as the manifest its backend came
 * from; the config file's `calico.manifest` overrides the guess.
 */
export function recogniseCalicoManifest(content: string): CalicoManifest | undefined {
  const typha = TYPHA_SERVICE.exec(content)?.[1]
  const backend = CALICO_BACKEND.exec(content)?.[1]
  if (typha === undefined && backend === undefined) return undefined
  if (BACKEND_NONE.test(content) || (backend === undefined && typha !== undefined))
    return 'calico-policy-only.yaml'
  if (backend === 'vxlan') return 'calico-vxlan.yaml'
  if (typha !== undefined && typha !== 'none' && typha !== '') return 'calico-typha.yaml'
  return 'calico.yaml'
}
