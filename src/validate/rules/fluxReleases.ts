/**
 * Controller versions per Flux release, read from `flux install --export` output of each release (the project's
 * fixtures: header version and image tags). It is the fallback for drift checks when the run has no freshly
 * generated install of the same version to compare with; a release missing here is simply not checked.
 */
export const FLUX_CONTROLLER_VERSIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '2.2.2': {
    'source-controller': '1.2.3',
    'kustomize-controller': '1.2.1',
    'helm-controller': '0.37.2',
    'notification-controller': '1.2.3'
  },
  '2.3.0': {
    'source-controller': '1.3.0',
    'kustomize-controller': '1.3.0',
    'helm-controller': '1.0.1',
    'notification-controller': '1.3.0',
    'image-reflector-controller': '0.32.0',
    'image-automation-controller': '0.38.0'
  },
  '2.4.0': {
    'source-controller': '1.4.1',
    'kustomize-controller': '1.4.0',
    'helm-controller': '1.1.0',
    'notification-controller': '1.4.0'
  },
  '2.5.1': {
    'source-controller': '1.5.0',
    'kustomize-controller': '1.5.1',
    'helm-controller': '1.2.0',
    'notification-controller': '1.5.0'
  },
  '2.7.5': {
    'source-controller': '1.7.4',
    'kustomize-controller': '1.7.3',
    'helm-controller': '1.4.5',
    'notification-controller': '1.7.5',
    'image-reflector-controller': '1.0.4',
    'image-automation-controller': '1.0.4'
  },
  '2.8.3': {
    'source-controller': '1.8.1',
    'kustomize-controller': '1.8.2',
    'helm-controller': '1.5.3',
    'notification-controller': '1.8.2'
  },
  '2.9.3': {
    'source-controller': '1.9.3',
    'kustomize-controller': '1.9.4',
    'helm-controller': '1.6.3',
    'notification-controller': '1.9.2',
    'image-reflector-controller': '1.2.3',
    'image-automation-controller': '1.2.3'
  }
}
