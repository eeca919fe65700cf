import type { BlockHeader } from '@ethereumjs/block'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import type { BlockSelector, Reader } from '../src/reader.js'
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
