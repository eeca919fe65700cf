import type { BlockHeader } from '@ethereumjs/block'
import type { Datadir } from '../datadir.js'
import { StateView } from './state-view.js'

export interface StateProvider {
  /** The state after `header` (a stored block). */
  stateAt(header: BlockHeader): Promise<StateView>
}

/**
 * Every stored block's state is in the store (each block's trie nodes are written with it), so
 * the state after any block opens directly at its root.
 */
export function createStateProvider(deps: { datadir: Datadir }): StateProvider {
  const { datadir } = deps
  const common = datadir.chain.createCommon()
  return {
    async stateAt(header) {
      const blockCommon = common.copy()
      blockCommon.setHardforkBy({ blockNumber: header.number, timestamp: header.timestamp })
      return new StateView(header, datadir.stateRootOf(header), datadir.store.trieNodes, blockCommon)
    },
  }
}
