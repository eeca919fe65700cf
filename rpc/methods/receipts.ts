import { deriveReceipts } from '../../src/chain/derived-receipts.js'
import type { BlockView, Reader } from '../../src/reader.js'
import { formatReceipt } from '../format/receipt.js'
import { argumentList, parseBlockSelector, parseHash, required } from '../params.js'
import { blockForSelector } from '../resolve.js'
import type { MethodTable } from './types.js'

/** Receipts of one transaction or of a whole block, with geth's derived fields. */
export const receiptMethods: MethodTable = {
  async eth_getTransactionReceipt(params, { reader }) {
    const args = argumentList(params, 1)
    const location = await reader.txLocation(parseHash(required(args, 0), 0))
    if (location === null) return null
    const view = await reader.blockByHash(location.blockHash)
    if (view === null) return null
    // gasUsed and log indexes depend on the receipts before it: derive all, format one
    const receipt = (await derivedReceipts(reader, view))[location.index]
    return receipt === undefined ? null : formatReceipt(receipt, receiptBlock(view))
  },
  async eth_getBlockReceipts(params, { reader }) {
    const args = argumentList(params, 1)
    const view = await blockForSelector(reader, parseBlockSelector(required(args, 0), 0))
    if (view === null) return null
    const block = receiptBlock(view)
    return (await derivedReceipts(reader, view)).map((receipt) => formatReceipt(receipt, block))
  },
}

async function derivedReceipts(reader: Reader, view: BlockView) {
  return deriveReceipts(view.block, view.senders, (await reader.receipts(view.hash)) ?? [])
}

function receiptBlock(view: BlockView) {
  return { hash: view.hash, number: view.number, timestamp: view.header.timestamp }
}
