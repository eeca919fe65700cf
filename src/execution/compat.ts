import type { BlockHeader } from '@ethereumjs/block'
import type { VM } from '@ethereumjs/vm'
import type { ChainConfig } from '../chain/genesis.js'
import type { FlatStateDependencies, FlatStateManager, FlatStateOptions } from '../state/flat-state.js'

/** Which sequencer's non-canonical state roots to reproduce. null = canonical Ethereum. */
export type CompatModeName = 'anvil'

/**
 * A compatibility mode changes how the executor builds state so that a sequencer's documented
 * deviations (../shared/anvil-quirks.md) verify, after canonical execution, without trusting it.
 * A mode object may keep per-block state: create one per executor.
 */
export interface CompatMode {
  readonly name: CompatModeName
  /** Builds the executor's state manager (canonical execution uses a plain FlatStateManager). */
  createStateManager(options: FlatStateOptions, deps: FlatStateDependencies): FlatStateManager
  /** Called once with the VM the executor built (over that state manager); may subscribe to its events. */
  attach(vm: VM, chain: ChainConfig): void
  /** The state root the sequencer's genesis header carries, given the alloc's real root. */
  genesisHeaderStateRoot(allocRoot: Uint8Array): Uint8Array
  /** The base fee the sequencer gives a child of `parent`, given EIP-1559's `canonical` one. */
  expectedBaseFee(parent: BlockHeader, canonical: bigint): bigint
  /** Whether the sequencer mines a block with its parent's timestamp (Ethereum requires a later one). */
  readonly allowsParentTimestamp: boolean
}
