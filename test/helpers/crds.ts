/** CustomResourceDefinitions for tests that need a kind of their own, as objects or as the YAML a repository holds. */

/** A namespaced CRD object for `kind` in `group` (plural: the kind in lower case, plus `s`). */
export const crdObject = (group: string, kind: string, versions: object[], extra: object = {}) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${kind.toLowerCase()}s.${group}` },
  spec: { group, names: { kind, plural: `${kind.toLowerCase()}s` }, scope: 'Namespaced', versions, ...extra }
})

/** A served, non-storage version of a CRD, with `schema` as its openAPIV3Schema when given. */
export const crdVersion = (name: string, schema: object | undefined, flags: object = {}) => ({
  name,
  served: true,
  storage: false,
  ...(schema ? { schema: { openAPIV3Schema: schema } } : {}),
  ...flags
})

/** The YAML of a one-version Widget CRD (example.com) whose spec has a single integer field named `field`. */
export const widgetCrdText = (field: string, version = 'v1'): string =>
  [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata:',
    '  name: widgets.example.com',
    'spec:',
    '  group: example.com',
    '  names: {kind: Widget, plural: widgets}',
    '  scope: Namespaced',
    '  versions:',
    `    - name: ${version}`,
    '      served: true',
    '      storage: true',
    '      schema:',
    '        openAPIV3Schema:',
    '          type: object',
    `          properties: {spec: {type: object, properties: {${field}: {type: integer}}}}`,
    ''
  ].join('\n')
