// Stand-in for the `flux` CLI (owned by the flux-domain work; this is the minimal seed).
// The release mirror packs this file behind a prelude that defines STANDIN = { tool, version, fixtures }.
/* global STANDIN */
'use strict'
const args = process.argv.slice(2)
if (args[0] === 'version') {
  process.stdout.write(`flux: v${STANDIN.version}\n`)
  process.exit(0)
}
process.stderr.write(`✗ unknown command "${args.join(' ')}" for "flux"\n`)
process.exit(1)
