import { join } from 'node:path'

/** Options of `hindsight devnet`, each a flag (src/devnet/commands.ts). */
export interface DevnetOptions {
  genesisPath: string
  /** The follower's datadir; wiped at start (anvil's chain is a new one every run). */
  datadir: string
  /** Loopback port of anvil's JSON-RPC. */
  anvilPort: number
  /** Loopback port of the L1 anvil's JSON-RPC. */
  l1Port: number
  /** Loopback port of the follower's JSON-RPC. */
  followerPort: number
  /** Seconds between anvil's blocks. */
  blockTime: number
  /** Seconds between the L1 anvil's blocks (fractions allowed). */
  l1BlockTime: number
  /** The proposer anchors L2 blocks N, 2N, 3N, ... */
  every: number
  /** Transactions per second the traffic generator sends. */
  tps: number
  /** Forward anvil's own output (a few lines per transaction), the L1's too. */
  anvilLogs: boolean
  /** The follower's --log-level. */
  logLevel: string
  /** Between the devnet's "heads" lines. */
  statusIntervalMs: number
}

export const defaultDevnetOptions = {
  datadir: join('data', 'devnet'),
  anvilPort: 8546,
  l1Port: 8547,
  followerPort: 8545,
  blockTime: 1,
  l1BlockTime: 1,
  every: 5,
  tps: 10,
  anvilLogs: false,
  logLevel: 'info',
  statusIntervalMs: 10_000,
}

/**
 * The devnet's L1 chain id. Not 31337, the L2's: both chains fund the same dev accounts, and a
 * transaction signed for one chain must not be valid on the other.
 */
export const DEVNET_L1_CHAIN_ID = 31338
