import type { CompatModeName } from './execution/compat.js'

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
}

export const defaultRpcOptions: RpcOptions = {
  host: '127.0.0.1',
  port: 8545,
  maxBodyBytes: 5 * 1024 * 1024,
  maxBatchItems: 1000,
  logsMaxRange: 10_000,
  logsMaxResults: 20_000,
}

export interface ImportOptions {
  genesisPath: string
  datadir: string
  files: string[]
  /** --finalized: 'head', a block number or a block hash; marks that block safe and finalized. */
  finalized: string | null
  compat: CompatModeName | null | undefined
}

export interface StartOptions {
  datadir: string
  genesisPath: string | null
  compat: CompatModeName | null | undefined
  rpc: RpcOptions
}

export const CLIENT_NAME = 'Hindsight'
export const VERSION = '0.1.0'
