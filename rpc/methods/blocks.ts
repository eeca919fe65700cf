import { formatBlock, formatHeader } from '../format/block.js'
import { quantity } from '../format/hex.js'
import { argumentList, parseBlockNumber, parseBool, parseHash, required } from '../params.js'
import { blockForSelector, blockOrNull } from '../resolve.js'
import type { MethodTable } from './types.js'

/**
 * Blocks and headers by number or hash, and their transaction / uncle counts. As in geth: an
 * unknown hash or a number past the head answers null; an unset safe / finalized tag is an
 * error, except for the transaction counts, where geth drops it and answers null.
 */
export const blockMethods: MethodTable = {
  async eth_getBlockByNumber(params, { reader }) {
    const args = argumentList(params, 2)
    const selector = parseBlockNumber(required(args, 0), 0)
    const full = parseBool(required(args, 1), 1)
    // `safe` / `finalized` before anything is: null, so a wallet polling for finality sees "not
    // yet" rather than an error (the other lookups keep geth's "finalized block not found")
    const view = selector.kind === 'tag' ? await blockOrNull(reader, selector) : await blockForSelector(reader, selector)
    return view === null ? null : formatBlock(view, full)
  },
  async eth_getBlockByHash(params, { reader }) {
    const args = argumentList(params, 2)
    const hash = parseHash(required(args, 0), 0)
    const full = parseBool(required(args, 1), 1)
    const view = await reader.blockByHash(hash)
    return view === null ? null : formatBlock(view, full)
  },
  async eth_getHeaderByNumber(params, { reader }) {
    const args = argumentList(params, 1)
    const view = await blockForSelector(reader, parseBlockNumber(required(args, 0), 0))
    return view === null ? null : formatHeader(view.header, view.hash)
  },
  async eth_getHeaderByHash(params, { reader }) {
    const args = argumentList(params, 1)
    const hash = parseHash(required(args, 0), 0)
    const header = await reader.headerByHash(hash)
    return header === null ? null : formatHeader(header, hash)
  },
  async eth_getBlockTransactionCountByNumber(params, { reader }) {
    const args = argumentList(params, 1)
    const view = await blockOrNull(reader, parseBlockNumber(required(args, 0), 0))
    return view === null ? null : quantity(view.block.transactions.length)
  },
  async eth_getBlockTransactionCountByHash(params, { reader }) {
    const args = argumentList(params, 1)
    const view = await reader.blockByHash(parseHash(required(args, 0), 0))
    return view === null ? null : quantity(view.block.transactions.length)
  },
  async eth_getUncleCountByBlockNumber(params, { reader }) {
    const args = argumentList(params, 1)
    const view = await blockForSelector(reader, parseBlockNumber(required(args, 0), 0))
    return view === null ? null : quantity(view.block.uncleHeaders.length)
  },
  async eth_getUncleCountByBlockHash(params, { reader }) {
    const args = argumentList(params, 1)
    const view = await reader.blockByHash(parseHash(required(args, 0), 0))
    return view === null ? null : quantity(view.block.uncleHeaders.length)
  },
}
