import { equalsBytes } from '@ethereumjs/util'
import { type ChainConfig, createGenesisBlock } from '../chain/genesis.js'
import { createAnvilCompat } from './anvil-compat.js'
import type { CompatMode, CompatModeName } from './compat.js'

export const COMPAT_MODE_NAMES: readonly CompatModeName[] = ['anvil']

/** The compatibility mode of that name, or null for canonical execution. */
export function createCompatMode(name: CompatModeName | null): CompatMode | null {
  switch (name) {
    case null:
      return null
    case 'anvil':
      return createAnvilCompat()
  }
}

/**
 * The mode (null for canonical) under which `chain`'s genesis block has this hash, or undefined
 * if none: tells someone whose block 1 does not follow the datadir's genesis which --compat the
 * chain was made for. `allocRoot` is the state root of the genesis alloc.
 */
export function compatModeOfGenesis(
  chain: ChainConfig,
  allocRoot: Uint8Array,
  genesisHash: Uint8Array,
): CompatModeName | null | undefined {
  for (const name of [null, ...COMPAT_MODE_NAMES]) {
    const mode = createCompatMode(name)
    const headerRoot = mode === null ? allocRoot : mode.genesisHeaderStateRoot(allocRoot)
    if (equalsBytes(createGenesisBlock(chain, headerRoot).hash(), genesisHash)) return name
  }
  return undefined
}
