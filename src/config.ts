import { availableParallelism } from 'node:os'
import type { CompatModeName } from './execution/compat.js'
import type { RetentionMode, StateOptions } from './state/retention.js'

/** Options of the JSON-RPC server. Each is a flag of `hindsight start`. */
export interface RpcOptions {
  /** --http.addr */
  host: string
  /** --http.port */
  port: number
  /** --rpc.max-body-bytes: larger request bodies get HTTP 413. */
  maxBodyBytes: number
  /** --rpc.max-batch: larger batches get -32600. */
  maxBatchItems: number
  /** --rpc.logs-max-range: widest eth_getLogs block range. */
  logsMaxRange: number
  /** --rpc.logs-max-results: most logs one eth_getLogs may return. */
  logsMaxResults: number
  /**
   * --rpc.gascap: the gas of an eth_call / eth_estimateGas / eth_createAccessList that names
   * none, and the most any of them may use (0 = no cap). geth's default.
   */
  gasCap: number
  /** --rpc.evmtimeout, in milliseconds: such a call still running after it is aborted (0 = never). */
  evmTimeoutMs: number
  /** --rpc.call-workers: threads running those calls, so a long one never blocks the server. */
  callWorkers: number
}

export const defaultRpcOptions: RpcOptions = {
  host: '127.0.0.1',
  port: 8545,
  maxBodyBytes: 5 * 1024 * 1024,
  maxBatchItems: 1000,
  logsMaxRange: 10_000,
  logsMaxResults: 20_000,
  gasCap: 50_000_000,
  evmTimeoutMs: 5_000,
  callWorkers: Math.max(1, availableParallelism()),
}

export interface ImportOptions {
  genesisPath: string
  datadir: string
  files: string[]
  /** --finalized: 'head', a block number or a block hash; marks that block safe and finalized. */
  finalized: string | null
  compat: CompatModeName | null | undefined
  /** Retention is fixed when the datadir is created; undefined = what it remembers. */
  retention: RetentionMode | undefined
  state: Omit<StateOptions, 'retention'>
}

/** Live sync from upstream sequencers. Each is a flag of `hindsight start`. */
export interface SyncOptions {
  /** --upstream (repeatable): JSON-RPC URLs of the sequencers to follow. None: serve the datadir as it is. */
  upstreams: string[]
  /** --sync.poll-interval, ms. */
  pollIntervalMs: number
  /** --sync.window: blocks fetched ahead. */
  window: number
  /** --sync.max-failures: consecutive failures before an upstream is dropped (and re-probed later). */
  maxFailures: number
  /** --sync.timeout, ms: per request to an upstream. */
  timeoutMs: number
  /** --sync.reprobe-after, ms: rest of a dropped upstream. */
  reprobeMs: number
  /** --sync.ban-duration, ms: how long an upstream that served an invalid block is not used. */
  banMs: number
  /** Most calls in one JSON-RPC batch to an upstream. */
  batchSize: number
  /** --ready.max-lag: GET /ready is 503 beyond this many blocks behind. */
  readyMaxLag: number
}

export const defaultSyncOptions: SyncOptions = {
  upstreams: [],
  pollIntervalMs: 1000,
  window: 64,
  maxFailures: 3,
  timeoutMs: 10_000,
  reprobeMs: 10_000,
  banMs: 10 * 60_000,
  batchSize: 32,
  readyMaxLag: 5,
}

/** Where finality comes from (`--finality`, `--l1`, `--anchor`). */
export type FinalityOptions =
  | { source: 'none' }
  | { source: 'anchor'; l1Url: string; anchor: `0x${string}`; fromBlock: bigint; pollIntervalMs: number }
  | { source: 'upstream'; pollIntervalMs: number }
  | { source: 'depth'; depth: bigint; pollIntervalMs: number }

export interface StartOptions {
  datadir: string
  genesisPath: string | null
  compat: CompatModeName | null | undefined
  retention: RetentionMode | undefined
  state: Omit<StateOptions, 'retention'>
  rpc: RpcOptions
  sync: SyncOptions
  /** --import: chain files imported before live sync takes over. */
  importFiles: string[]
  /** Default: none (safe and finalized move only by `import --finalized`). */
  finality?: FinalityOptions
}

export const CLIENT_NAME = 'Hindsight'
export const VERSION = '0.1.0'
