import { expectParams } from '../params.js'
import { quantity } from '../format/hex.js'
import type { MethodTable } from './types.js'

/** Methods about the node and chain rather than any block. */
export const nodeInfoMethods: MethodTable = {
  async web3_clientVersion(params, { reader }) {
    expectParams(params, 0, 0)
    return reader.clientVersion
  },
  async net_version(params, { reader }) {
    expectParams(params, 0, 0)
    return reader.networkId.toString()
  },
  async eth_chainId(params, { reader }) {
    expectParams(params, 0, 0)
    return quantity(reader.chainId)
  },
  async eth_blockNumber(params, { reader }) {
    expectParams(params, 0, 0)
    return quantity((await reader.head()).number)
  },
  async eth_syncing(params, { reader }) {
    expectParams(params, 0, 0)
    const status = await reader.syncStatus()
    if (status === false) return false
    return {
      startingBlock: quantity(status.startingBlock),
      currentBlock: quantity(status.currentBlock),
      highestBlock: quantity(status.highestBlock),
    }
  },
}
