import type { BlockView } from '../../src/reader.js'
import { formatBlockTransaction } from '../format/transaction.js'
import { argumentList, parseBlockNumber, parseHash, parseUint, required } from '../params.js'
import { blockOrNull } from '../resolve.js'
import type { MethodTable } from './types.js'

/**
 * Mined transactions by hash or by position. Unknown hashes, blocks and out-of-range indexes
 * answer null, as in geth (which also drops block lookup errors here).
 */
export const transactionMethods: MethodTable = {
  async eth_getTransactionByHash(params, { reader }) {
    const args = argumentList(params, 1)
    const location = await reader.txLocation(parseHash(required(args, 0), 0))
    if (location === null) return null
    return transactionAt(await reader.blockByHash(location.blockHash), location.index)
  },
  async eth_getTransactionByBlockHashAndIndex(params, { reader }) {
    const args = argumentList(params, 2)
    const hash = parseHash(required(args, 0), 0)
    const index = parseUint(required(args, 1), 1)
    return transactionAt(await reader.blockByHash(hash), index)
  },
  async eth_getTransactionByBlockNumberAndIndex(params, { reader }) {
    const args = argumentList(params, 2)
    const selector = parseBlockNumber(required(args, 0), 0)
    const index = parseUint(required(args, 1), 1)
    return transactionAt(await blockOrNull(reader, selector), index)
  },
}

function transactionAt(view: BlockView | null, index: number) {
  return view === null || index >= view.block.transactions.length ? null : formatBlockTransaction(view, index)
}
