import type { BlockHeader } from '@ethereumjs/block'
import { equalsBytes } from '@ethereumjs/util'
import type { BlockSelector, BlockView, Reader } from '../src/reader.js'
import { RpcError } from './errors.js'

/**
 * The stored header a block parameter names, or null when there is none (unknown hash, number
 * past the head). Throws geth's errors where geth refuses rather than answering null: "finalized
 * block not found" / "safe block not found" while that tag has no value, and "hash is not
 * currently canonical" for a requireCanonical hash off the canonical chain. `pending` is the
 * head: a follower builds no pending block.
 */
async function locate(reader: Reader, selector: BlockSelector): Promise<BlockHeader | null> {
  if (selector.kind === 'hash') {
    const header = await reader.headerByHash(selector.hash)
    if (header !== null && selector.requireCanonical) {
      const canonical = await reader.canonicalHash(header.number)
      if (canonical === null || !equalsBytes(canonical, selector.hash)) {
        throw new RpcError({ code: 'SERVER', message: 'hash is not currently canonical' })
      }
    }
    return header
  }
  const number = await reader.resolveNumber(selector)
  if (number === null) {
    if (selector.kind === 'tag' && (selector.tag === 'finalized' || selector.tag === 'safe')) {
      throw new RpcError({ code: 'SERVER', message: `${selector.tag} block not found` })
    }
    return null
  }
  return reader.headerByNumber(number)
}

/** The header a state method reads at; where there is none, geth's "header not found" / "header for hash not found". */
export async function headerForState(reader: Reader, selector: BlockSelector): Promise<BlockHeader> {
  const header = await locate(reader, selector)
  if (header !== null) return header
  if (selector.kind === 'hash') throw new RpcError({ code: 'SERVER', message: 'header for hash not found' })
  throw new RpcError({ code: 'HEADER_NOT_FOUND' })
}

/** The block a block parameter names, as geth's BlockByNumberOrHash finds it (see locate). */
export async function blockForSelector(reader: Reader, selector: BlockSelector): Promise<BlockView | null> {
  const header = await locate(reader, selector)
  return header === null ? null : reader.blockByHash(header.hash())
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
