// Stand-in for `calicoctl` (owned by the validation work; this is the minimal seed).
// The release mirror packs this file behind a prelude that defines STANDIN = { tool, version, fixtures }.
/* global STANDIN */
'use strict'
const args = process.argv.slice(2)
if (args[0] === 'version') {
  process.stdout.write(`Client Version:    v${STANDIN.version}\nGit commit:        0000000\n`)
  process.exit(0)
}
process.stderr.write(`Invalid option: '${args.join(' ')}'.\n`)
process.exit(1)
