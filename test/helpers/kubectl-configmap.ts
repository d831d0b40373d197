import { inlineScalar, kubectlScalar } from '../../src/yaml/scalar.js'

/** One `--from-file` source: the key is the file's base name unless given as `--from-file=key=path`. */
export interface FromFile {
  key: string
  content: string
}

/**
 * What `kubectl create configmap <name> --from-file ... [-n <namespace>] --dry-run=client -o yaml` prints, as a
 * pure function: keys sorted as Go sorts a map's keys, `metadata` last with `creationTimestamp: null`. The
 * differential test in test/crs/kubectl.test.ts holds it to the real kubectl.
 */
export function kubectlConfigMap(name: string, files: readonly FromFile[], namespace?: string): string {
  const out = ['apiVersion: v1']
  const sorted = [...files].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  if (sorted.length > 0) out.push('data:')
  for (const { key, content } of sorted) {
    const k = inlineScalar(key, 2)
    const value = kubectlScalar(content, 2, 2 + k.length + 2)
    out.push(`  ${k}: ${value.endsWith('\n') ? value.slice(0, -1) : value}`)
  }
  out.push('kind: ConfigMap', 'metadata:', '  creationTimestamp: null', `  name: ${name}`)
  if (namespace !== undefined) out.push(`  namespace: ${namespace}`)
  return out.join('\n') + '\n'
}
