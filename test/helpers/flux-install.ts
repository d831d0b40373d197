import type { FluxInstallOptions } from '../../src/flux/options.js'

/** Every `flux install` option away from its default, as a fleet with a customised install has them. */
export const customInstallOptions: Readonly<FluxInstallOptions> = {
  components: [
    'source-controller',
    'kustomize-controller',
    'helm-controller',
    'notification-controller',
    'image-reflector-controller',
    'image-automation-controller'
  ],
  namespace: 'gitops',
  registry: 'registry.example.com/mirror',
  imagePullSecret: 'regcred',
  tolerationKeys: ['dedicated', 'node-role.kubernetes.io/control-plane'],
  watchAllNamespaces: false,
  logLevel: 'debug',
  networkPolicy: false,
  clusterDomain: 'k8s.internal'
}
