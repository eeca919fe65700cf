import { KECCAK256_RLP } from '@ethereumjs/util'
import type { CompatMode } from './compat.js'

/**
 * Reproduces anvil 1.7.1's non-canonical state roots (../shared/anvil-quirks.md).
 * TODO(anvil-compat): ghost accounts, zero-valued storage leaves and the EIP-7702 refund.
 */
export function createAnvilCompat(): CompatMode {
  return {
    name: 'anvil',
    attach() {},
    genesisHeaderStateRoot: () => KECCAK256_RLP,
  }
}
