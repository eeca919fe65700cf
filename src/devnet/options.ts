import { join } from 'node:path'

/** Options of `hindsight devnet`, each a flag (src/devnet/commands.ts). */
export interface DevnetOptions {
  genesisPath: string
  /** The follower's datadir; wiped at start (anvil's chain is a new one every run). */
  datadir: string
  /** Loopback port of anvil's JSON-RPC. */
  anvilPort: number
  /** Loopback port of the follower's JSON-RPC. */
  followerPort: number
  /** Seconds between anvil's blocks. */
  blockTime: number
  /** Transactions per second the traffic generator sends. */
  tps: number
  /** Forward anvil's own output (a few lines per transaction). */
  anvilLogs: boolean
  /** The follower's --log-level. */
  logLevel: string
  /** Between the devnet's "heads" lines. */
  statusIntervalMs: number
}

export const defaultDevnetOptions = {
  datadir: join('data', 'devnet'),
  anvilPort: 8546,
  followerPort: 8545,
  blockTime: 1,
  tps: 10,
  anvilLogs: false,
  logLevel: 'info',
  statusIntervalMs: 10_000,
}
