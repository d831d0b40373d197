/** The API group and version of Calico's own resources (what `calicoctl validate` checks). */
export const calicoApiVersion = 'projectcalico.org/v3'

const API_VERSION_KEY = 'apiVersion:'

/**
 * Whether a text has an `apiVersion:` naming projectcalico.org/v3 (`apiVersion:\s*["']?projectcalico\.org/v3`):
 * each occurrence of the group is looked at from where it stands, backwards, instead of running a regular
 * expression over every file of every validation (most hold no occurrence at all).
 */
export function mentionsCalicoApi(text: string): boolean {
  for (let i = text.indexOf(calicoApiVersion); i >= 0; i = text.indexOf(calicoApiVersion, i + 1)) {
    let j = i
    const q = text.charCodeAt(j - 1)
    if (q === 0x22 || q === 0x27) j--
    while (j > 0 && /\s/.test(text[j - 1])) j--
    if (j >= API_VERSION_KEY.length && text.startsWith(API_VERSION_KEY, j - API_VERSION_KEY.length))
      return true
  }
  return false
}
