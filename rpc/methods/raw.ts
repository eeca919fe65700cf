import type { BlockSelector, Reader } from '../../src/reader.js'
import { RpcError } from '../errors.js'
import { data } from '../format/hex.js'
import { argumentList, parseBlockSelector, parseHash, required } from '../params.js'
import { blockForSelector } from '../resolve.js'
import type { MethodTable } from './types.js'

/**
 * Consensus encodings as stored: the header's and block's RLP, the EIP-2718 receipts and
 * transactions. A block parameter by number that names no block answers null; an unknown hash
 * is geth's "header #… not found" / "block #… not found" error, and an empty receipt list.
 */
export const rawMethods: MethodTable = {
  async debug_getRawHeader(params, { reader }) {
    const hash = await blockHash(reader, parseBlockSelector(required(argumentList(params, 1), 0), 0))
    if (hash === null) return null
    const raw = await reader.rawHeader(hash)
    if (raw === null) throw new RpcError({ code: 'SERVER', message: `header #${goBytes(hash)} not found` })
    return data(raw)
  },
  async debug_getRawBlock(params, { reader }) {
    const hash = await blockHash(reader, parseBlockSelector(required(argumentList(params, 1), 0), 0))
    if (hash === null) return null
    const raw = await reader.rawBlock(hash)
    if (raw === null) throw new RpcError({ code: 'SERVER', message: `block #${goBytes(hash)} not found` })
    return data(raw)
  },
  async debug_getRawReceipts(params, { reader }) {
    const hash = await blockHash(reader, parseBlockSelector(required(argumentList(params, 1), 0), 0))
    if (hash === null) return null
    return ((await reader.rawReceipts(hash)) ?? []).map(data)
  },
  async debug_getRawTransaction(params, { reader }) {
    const location = await reader.txLocation(parseHash(required(argumentList(params, 1), 0), 0))
    if (location === null) return null
    const view = await reader.blockByHash(location.blockHash)
    const tx = view?.block.transactions[location.index]
    return tx === undefined ? null : data(tx.serialize())
  },
}

/** A hash is used as given (geth does not check it here); a number or tag is looked up. */
async function blockHash(reader: Reader, selector: BlockSelector): Promise<Uint8Array | null> {
  if (selector.kind === 'hash') return selector.hash
  return (await blockForSelector(reader, selector))?.hash ?? null
}

/** How Go's %d prints a common.Hash: its bytes as a decimal array, "[0 0 … 190 239]". */
function goBytes(bytes: Uint8Array): string {
  return `[${Array.from(bytes).join(' ')}]`
}
