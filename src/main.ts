import type { Datadir } from './datadir.js'
import { BlockExecutor } from './execution/block-executor.js'
import { createCompatMode } from './execution/compat-modes.js'
import type { Logger } from './log.js'

/**
 * Composition root: builds the node's modules from options and wires them together. The only
 * file that connects rpc/ to the node.
 */
export async function createExecutor(datadir: Datadir, deps: { log: Logger }): Promise<BlockExecutor> {
  const compat = createCompatMode(datadir.settings.compat)
  if (compat !== null) {
    deps.log.warn(
      { compat: compat.name },
      `COMPATIBILITY MODE ${compat.name.toUpperCase()}: blocks are verified by canonical re-execution plus this sequencer's documented non-canonical state-root deviations; the state is NOT canonical Ethereum state`,
    )
  }
  return BlockExecutor.create({ compat }, {
    chain: datadir.chain,
    trieNodes: datadir.store.trieNodes,
    getCanonicalHash: (number) => datadir.store.canonical.get(number),
  })
}
