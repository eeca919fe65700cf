import type { BlockHeader } from '@ethereumjs/block'
import { equalsBytes } from '@ethereumjs/util'
import type { ChainConfig } from '../../chain/genesis.js'
import type { Logger } from '../../log.js'
import type { StateView } from '../../state/state-view.js'
import { CallPool } from './pool.js'
import type { CallInput, CallKind, CallResults } from './types.js'

export interface CallOptions {
  /** --rpc.gascap: gas given to a call that names none, and the most any call may use (0 = no cap). */
  gasCap: bigint
  /** --rpc.evmtimeout in milliseconds: a call still running after it is cut off (0 = never). */
  timeoutMs: number
  /** Worker threads running calls. */
  workers: number
}

/** The state a call runs on and how BLOCKHASH is answered there. */
export interface CallScope {
  state: StateView
  /** The hash of the state's block's ancestor at `number`, or null. */
  blockHash(number: bigint): Promise<Uint8Array | null>
}

/** eth_call, eth_estimateGas and eth_createAccessList, run off the main thread. */
export interface CallService {
  /** Throws CallError with geth's texts (REVERTED, FAILED, TIMEOUT). */
  run<K extends CallKind>(kind: K, scope: CallScope, input: CallInput): Promise<CallResults[K]>
  /** Starts the workers ahead of the first calls. */
  warm(): void
  close(): Promise<void>
}

export function createCallService(options: CallOptions, deps: { chain: ChainConfig; log: Logger }): CallService {
  const pool = new CallPool({ size: options.workers, timeoutMs: options.timeoutMs }, { genesis: deps.chain.genesis, log: deps.log })
  return {
    run(kind, scope, input) {
      const { state } = scope
      return pool.run(
        { kind, header: state.header.serialize(), stateRoot: state.stateRoot, input, gasCap: options.gasCap },
        { node: (key) => state.readNode(key), blockHash: (number) => scope.blockHash(number) },
      )
    },
    warm: () => pool.warm(),
    close: () => pool.close(),
  }
}

/**
 * BLOCKHASH for calls at `header`: the hash of its ancestor at `number`, as geth's GetHashFn
 * walks back from the header. For a canonical header that is the canonical hash; for a block off
 * the canonical chain the parent links are followed.
 */
export function ancestorHashes(
  header: BlockHeader,
  deps: { canonicalHash(number: bigint): Promise<Uint8Array | null>; headerByHash(hash: Uint8Array): Promise<BlockHeader | null> },
): (number: bigint) => Promise<Uint8Array | null> {
  let canonical: Promise<boolean> | undefined
  return async (number) => {
    if (number >= header.number || number < 0n) return null
    canonical ??= deps.canonicalHash(header.number).then((hash) => hash !== null && equalsBytes(hash, header.hash()))
    if (await canonical) return deps.canonicalHash(number)
    let cursor: BlockHeader | null = header
    while (cursor !== null && cursor.number > number + 1n) cursor = await deps.headerByHash(cursor.parentHash)
    return cursor === null ? null : cursor.parentHash
  }
}
