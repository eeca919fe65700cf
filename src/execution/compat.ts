import type { VM } from '@ethereumjs/vm'

/** Which sequencer's non-canonical state roots to reproduce. null = canonical Ethereum. */
export type CompatModeName = 'anvil'

/**
 * A compatibility mode changes how the executor builds state so that a sequencer's documented
 * deviations (../shared/anvil-quirks.md) verify, after canonical execution, without trusting it.
 */
export interface CompatMode {
  readonly name: CompatModeName
  /** Called once with the VM the executor built; may subscribe to its events. */
  attach(vm: VM): void
  /** The state root the sequencer's genesis header carries, given the alloc's real root. */
  genesisHeaderStateRoot(allocRoot: Uint8Array): Uint8Array
}
