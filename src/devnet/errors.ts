import { NodeError } from '../errors.js'

export type DevnetErrorType =
  /** The RPC endpoint the traffic generator was given never answered. */
  | { code: 'RPC_UNREACHABLE'; url: string; reason: string }
  /** Deploying the traffic's contracts failed: the chain is not one our dev keys can use. */
  | { code: 'TRAFFIC_SETUP_FAILED'; reason: string }
  /** A process of the devnet (anvil, the follower) failed to start or died. */
  | { code: 'PROCESS_FAILED'; process: string; reason: string }

/** The devnet (anvil + traffic + follower, src/devnet/) could not run. */
export class DevnetError extends NodeError<DevnetErrorType> {
  constructor(type: DevnetErrorType) {
    super(type, renderDevnetError(type))
  }
}

function renderDevnetError(type: DevnetErrorType): string {
  switch (type.code) {
    case 'RPC_UNREACHABLE':
      return `no answer from ${type.url}: ${type.reason}`
    case 'TRAFFIC_SETUP_FAILED':
      return `traffic setup failed: ${type.reason}`
    case 'PROCESS_FAILED':
      return `${type.process} failed: ${type.reason}`
  }
}
