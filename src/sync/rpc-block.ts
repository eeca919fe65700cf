import { type Block, type JSONRPCBlock, createBlockFromRPC } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { bytesToHex } from '@ethereumjs/util'
import { ExecutionError, UpstreamError } from '../errors.js'

/** An `eth_getBlockByNumber(n, true)` answer, as far as we read it before decoding. */
export interface RpcBlockJson {
  number: string
  hash: string
  parentHash: string
  transactions: unknown[]
  uncles?: string[]
  [field: string]: unknown
}

/**
 * Builds a block from an upstream's JSON answer. The header is rebuilt from its fields, so its
 * hash is ours: it must equal the hash the upstream claims, or the answer is not the block it
 * says it is (ExecutionError, field `hash`: the upstream served a block that fails verification).
 * Everything else (transactions root, signatures, execution) is checked when the
 * block is imported, like a block from a file.
 */
export function blockFromRpc(json: RpcBlockJson, uncles: RpcBlockJson[], common: Common, url: string): Block {
  let block: Block
  try {
    block = createBlockFromRPC(json as unknown as JSONRPCBlock, uncles as unknown as JSONRPCBlock[], { common, setHardfork: true })
  } catch (err) {
    throw new UpstreamError({ code: 'BAD_RESPONSE', url, method: 'eth_getBlockByNumber', reason: `block ${json.number}: ${(err as Error).message}` })
  }
  const hash = bytesToHex(block.hash())
  if (hash !== json.hash.toLowerCase()) {
    // a header field was changed after the hash was computed: the block fails verification
    throw new ExecutionError({ code: 'FIELD_MISMATCH', number: block.header.number, field: 'hash', expected: json.hash, actual: hash })
  }
  return block
}

/** Checks the shape we rely on before decoding: a non-null object with number, hash and transactions. */
export function isRpcBlock(value: unknown): value is RpcBlockJson {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.number === 'string' && typeof v.hash === 'string' && typeof v.parentHash === 'string' && Array.isArray(v.transactions)
}
