import path from 'node:path'
import { FcuError } from '../errors.js'
import { CONFIGMAP_MAX_BYTES, utf8Bytes } from '../kubernetes/limits.js'
import type { StageChange } from '../plan/stage.js'
import type { ConfigMapOutcome } from '../result.js'
import type { Component } from '../settings/inputs.js'
import { joinDocuments, splitDocumentChunks } from '../yaml/documents.js'
import { readConfigMaps, renderConfigMap, type ConfigMapSource, type Provenance } from './configmap.js'
import type { ConfigMapRename, Renamed } from './references.js'
import { splitManifest } from './split.js'
import { followVersion } from './versioned-name.js'
import { pushAll } from '../arrays.js'

/**
 * One ClusterResourceSet ConfigMap moved to a new version: its data values replaced, the names that carry the
 * version (file, ConfigMap, data keys) moved at the same precision, and data over the 1 MiB limit split into
 * `-part-N` ConfigMaps in the same file. The caller follows the renames through the repository.
 */
export interface ConfigMapUpgrade {
  component: Component
  file: string
  /** The file's text as the component's earlier stages left it. */
  text: string
  /** Which ConfigMap of the file (its document index). */
  document: number
  /** The new value of each data key that changes (by the key's current name). */
  values: ReadonlyMap<string, string>
  /** For a new value, a text it starts with that many ConfigMaps share (a Flux install): rendered once. */
  shared?: ReadonlyMap<string, string>
  from: string
  to: string
  provenance: Provenance
  kept?: ConfigMapOutcome['kept']
  /** The file's ConfigMaps as the caller read them; used when read from this same `text`, so it is not parsed again. */
  read?: readonly ConfigMapSource[]
}

export interface ConfigMapUpgradeResult {
  change: StageChange
  files: Renamed[]
  configMaps: ConfigMapRename[]
  outcome: ConfigMapOutcome
}

export function upgradeConfigMap(u: ConfigMapUpgrade): ConfigMapUpgradeResult {
  const cm = configMapAt(u)
  const name = followVersion(cm.name.value, u.from, u.to, 'configmap').name
  const keys = cm.data.map(d => ({ key: d.key, next: followVersion(d.key, u.from, u.to, 'key').name }))
  const data = cm.data.map((d, i) => {
    const shared = u.values.has(d.key) ? u.shared?.get(d.key) : undefined
    return {
      key: keys[i].next,
      value: u.values.get(d.key) ?? d.value,
      from: d.key,
      ...(shared !== undefined ? { shared } : {})
    }
  })
  const bytes = data.reduce((n, d) => n + utf8Bytes(d.value), 0)

  let text: string
  let parts: { name: string; bytes: number }[]
  const notes: string[] = []
  if (bytes <= CONFIGMAP_MAX_BYTES) {
    const r = renderConfigMap(cm, { name, data, provenance: u.provenance })
    text = r.text
    pushAll(
      notes,
      r.notes.map(n => `${n.key}: ${n.reason}`)
    )
    parts = [{ name, bytes }]
  } else {
    ;({ text, parts } = renderSplit(u, cm, name, data, notes))
  }

  const base = path.posix.basename(u.file)
  const renamedFile = path.posix.join(
    path.posix.dirname(u.file),
    followVersion(base, u.from, u.to, 'file').name
  )
  const change: StageChange =
    renamedFile === u.file
      ? { path: u.file, content: text, reason: 'regenerated' }
      : { path: renamedFile, content: text, reason: 'renamed', renamedFrom: u.file }
  const partNames = parts.map(p => p.name)
  return {
    change,
    files: renamedFile === u.file ? [] : [{ from: u.file, to: renamedFile }],
    configMaps:
      partNames.length === 1 && partNames[0] === cm.name.value
        ? []
        : [{ from: cm.name.value, to: partNames }],
    outcome: {
      component: u.component,
      file: u.file,
      name: cm.name.value,
      ...(cm.namespace ? { namespace: cm.namespace.value } : {}),
      from: u.from,
      to: u.to,
      ...(renamedFile !== u.file ? { renamedTo: renamedFile } : {}),
      newName: partNames[0],
      keys: keys.map(k => (k.next === k.key ? { key: k.key } : { key: k.key, renamedTo: k.next })),
      parts,
      kept: u.kept ?? [],
      notes,
      status: text === u.text ? 'up-to-date' : 'upgraded'
    }
  }
}

function configMapAt({ text, file, document, read }: ConfigMapUpgrade): ConfigMapSource {
  // A ConfigMap holds megabytes: a caller that read the file already hands its reading over.
  const all = read && read.length > 0 && read[0].text === text ? read : readConfigMaps(text, file)
  const cm = all.find(c => c.document === document)
  if (!cm)
    throw new FcuError('internal', `${file}: no ConfigMap in document ${document + 1}`, {
      location: { file }
    })
  return cm
}

/**
 * Data over the limit: whole documents in parts (CRDs first), each a copy of the ConfigMap with its own name and
 * the part as its data, one after the other where the ConfigMap was. Only a single-key ConfigMap can be split:
 * which key's documents go where would otherwise be a guess.
 */
function renderSplit(
  u: ConfigMapUpgrade,
  cm: ConfigMapSource,
  name: string,
  data: { key: string; value: string; from: string }[],
  notes: string[]
): { text: string; parts: { name: string; bytes: number }[] } {
  if (data.length !== 1) {
    throw new FcuError(
      'manifest',
      `${u.file}: the data of ConfigMap ${cm.name.value} would be over ${CONFIGMAP_MAX_BYTES.toLocaleString('en-US')} bytes, and it has ${data.length} keys`,
      {
        location: { file: u.file, line: cm.name.line },
        hint: 'Put each manifest in a ConfigMap of its own (one data key each) so that the upgrade can split it by documents.'
      }
    )
  }
  const split = splitManifest({
    name,
    key: data[0].key,
    content: data[0].value,
    file: u.file,
    lineOffset: cm.data[0].line
  })
  const rendered = split.map(p => {
    const r = renderConfigMap(cm, {
      name: p.name,
      data: [{ key: p.key, value: p.content, from: data[0].from }],
      provenance: u.provenance
    })
    pushAll(
      notes,
      r.notes.map(n => `${p.name} ${n.key}: ${n.reason}`)
    )
    return splitDocumentChunks(r.text)[cm.document].raw
  })
  const chunks = splitDocumentChunks(u.text).map(c => c.raw)
  chunks.splice(cm.document, 1, ...rendered)
  return { text: joinDocuments(chunks), parts: split.map(p => ({ name: p.name, bytes: p.bytes })) }
}
