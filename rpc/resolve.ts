import type { BlockHeader } from '@ethereumjs/block'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import type { BlockSelector, BlockView, Reader } from '../src/reader.js'
import { RpcError } from './errors.js'

/**
 * The header a state method reads at, or geth's error when there is none: "header not found"
 * past the head, "header for hash not found", "hash … is not currently canonical", or
 * "finalized block not found" / "safe block not found" while that tag has no value.
 */
export async function headerForState(reader: Reader, selector: BlockSelector): Promise<BlockHeader> {
  if (selector.kind === 'hash') {
    const header = await reader.headerByHash(selector.hash)
    if (header === null) throw new RpcError({ code: 'SERVER', message: 'header for hash not found' })
    if (selector.requireCanonical) {
      const canonical = await reader.canonicalHash(header.number)
      if (canonical === null || !equalsBytes(canonical, selector.hash)) {
        throw new RpcError({ code: 'SERVER', message: `hash ${bytesToHex(selector.hash)} is not currently canonical` })
      }
    }
    return header
  }
  const number = await reader.resolveNumber(selector)
  if (number === null) {
    if (selector.kind === 'tag' && (selector.tag === 'finalized' || selector.tag === 'safe')) {
      throw new RpcError({ code: 'SERVER', message: `${selector.tag} block not found` })
    }
    throw new RpcError({ code: 'HEADER_NOT_FOUND' })
  }
  const header = await reader.headerByNumber(number)
  if (header === null) throw new RpcError({ code: 'HEADER_NOT_FOUND' })
  return header
}

/**
 * The block a block parameter names, as geth's BlockByNumberOrHash finds it: null for an
 * unknown hash or a number past the head; "finalized block not found" / "safe block not found"
 * while that tag has no value, "hash is not currently canonical" for a requireCanonical hash off
 * the canonical chain. `pending` is the head: a follower builds no pending block.
 */
export async function blockForSelector(reader: Reader, selector: BlockSelector): Promise<BlockView | null> {
  if (selector.kind === 'hash') {
    const view = await reader.blockByHash(selector.hash)
    if (view === null) return null
    if (selector.requireCanonical) {
      const canonical = await reader.canonicalHash(view.number)
      if (canonical === null || !equalsBytes(canonical, selector.hash)) {
        throw new RpcError({ code: 'SERVER', message: 'hash is not currently canonical' })
      }
    }
    return view
  }
  const number = await reader.resolveNumber(selector)
  if (number === null) {
    if (selector.kind === 'tag' && (selector.tag === 'finalized' || selector.tag === 'safe')) {
      throw new RpcError({ code: 'SERVER', message: `${selector.tag} block not found` })
    }
    return null
  }
  return reader.blockByNumber(number)
}

/** Like blockForSelector, for methods where geth swallows the lookup error and answers null. */
export async function blockOrNull(reader: Reader, selector: BlockSelector): Promise<BlockView | null> {
  try {
    return await blockForSelector(reader, selector)
  } catch (err) {
    if (err instanceof RpcError) return null
    throw err
  }
}
