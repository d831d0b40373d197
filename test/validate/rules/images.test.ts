import { parseImage } from '../../../src/validate/rules/images.js'

describe('parseImage', () => {
  it.each([
    ['ghcr.io/fluxcd/source-controller:v1.9.3', { name: 'source-controller', tag: 'v1.9.3' }],
    [
      'registry.example.com:5000/mirror/fluxcd/helm-controller:v1.6.3',
      { name: 'helm-controller', tag: 'v1.6.3' }
    ],
    [
      'ghcr.io/fluxcd/kustomize-controller:v1.9.4@sha256:0123abcd',
      { name: 'kustomize-controller', tag: 'v1.9.4' }
    ],
    ['ghcr.io/fluxcd/notification-controller@sha256:0123abcd', { name: 'notification-controller' }],
    ['registry.example.com:5000/busybox', { name: 'busybox' }],
    ['nginx', { name: 'nginx' }]
  ])('%s', (image, expected) => {
    expect(parseImage(image)).toEqual(expected)
  })
})
