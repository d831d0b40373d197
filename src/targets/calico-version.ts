/**
 * The Calico version a manifest (or a ConfigMap holding one) deploys, read from the calico-node image tag: the
 * manifest carries no header, and the image is what actually runs. From v3.31 images move from docker.io to quay.io,
 * so the registry is not part of the match.
 */
const CALICO_NODE_IMAGE = /image:\s*["']?(?:[\w.-]+(?::\d+)?\/)*calico\/node:v(\d+\.\d+\.\d+)\b/

export function currentCalicoVersion(content: string): string | undefined {
  return CALICO_NODE_IMAGE.exec(content)?.[1]
}
