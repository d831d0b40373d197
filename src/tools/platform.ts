import { FcuError } from '../errors.js'

/** The os/arch pair as flux and calicoctl release assets spell it (Go's GOOS/GOARCH). */
export interface ToolPlatform {
  os: 'linux' | 'darwin'
  arch: 'amd64' | 'arm64'
}

const OS: Record<string, ToolPlatform['os']> = { linux: 'linux', darwin: 'darwin' }
const ARCH: Record<string, ToolPlatform['arch']> = { x64: 'amd64', arm64: 'arm64' }

/** Maps Node's `process.platform` / `process.arch` to the release asset names; other runners are unsupported. */
export function toolPlatform(nodePlatform: string, nodeArch: string): ToolPlatform {
  const os = Object.hasOwn(OS, nodePlatform) ? OS[nodePlatform] : undefined
  const arch = Object.hasOwn(ARCH, nodeArch) ? ARCH[nodeArch] : undefined
  if (os === undefined || arch === undefined) {
    throw new FcuError(
      'tool',
      `flux and calicoctl cannot be installed on ${nodePlatform}/${nodeArch}: this action installs them only for linux or darwin on x64 or arm64`,
      { hint: 'Run the job on a Linux or macOS runner with an x64 or arm64 CPU (e.g. ubuntu-latest).' }
    )
  }
  return { os, arch }
}
