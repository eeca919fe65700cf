/** Our safe and finalized block numbers (null: none yet). */
export interface FinalityHeads {
  safe: bigint | null
  finalized: bigint | null
}

/**
 * Where finality comes from: the L1 anchor, the upstream's own finalized block, or a fixed depth.
 * poll() returns the heads it can vouch for now, given the current ones; it never returns a block
 * past our verified head.
 */
export interface FinalitySource {
  readonly name: string
  poll(current: FinalityHeads): Promise<FinalityHeads & { l1Head?: bigint; l1Finalized?: bigint | null }>
}
