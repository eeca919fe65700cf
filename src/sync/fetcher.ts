import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { UpstreamError } from '../errors.js'
import { type RpcBlockJson, blockFromRpc, isRpcBlock } from './rpc-block.js'
import type { Peer } from './upstream/peers.js'

/** What one window fetch brought: the blocks in order from `from`, up to the first gap. */
export type FetchResult = { ok: true; blocks: Block[] } | { ok: false; error: unknown }

/**
 * Fetches blocks [from, to] from one peer with full transactions, all requests at once (viem
 * sends them as JSON-RPC batches). Answers arrive in any order; the result keeps them in number
 * order and stops at the first block the peer does not have yet (a gap is fetched again next
 * time). Never rejects, so a window fetched ahead and then abandoned cannot go unhandled.
 */
export async function fetchWindow(peer: Peer, from: bigint, to: bigint, common: Common): Promise<FetchResult> {
  try {
    const numbers: bigint[] = []
    for (let n = from; n <= to; n++) numbers.push(n)
    const answers = await Promise.all(numbers.map((n) => fetchBlockJson(peer, n)))
    const blocks: Block[] = []
    for (const json of answers) {
      if (json === null) break
      const uncles = await fetchUncles(peer, json)
      blocks.push(blockFromRpc(json, uncles, common, peer.url))
      // decoding a window of full blocks is CPU work on the thread that serves JSON-RPC: let
      // waiting requests in between blocks rather than after the whole window
      await new Promise((resolve) => setImmediate(resolve))
    }
    return { ok: true, blocks }
  } catch (error) {
    return { ok: false, error }
  }
}

/** eth_getBlockByNumber(n, true), checked to be an answer for block n (null: not there yet). */
async function fetchBlockJson(peer: Peer, number: bigint): Promise<RpcBlockJson | null> {
  const json = await peer.client.request<unknown>('eth_getBlockByNumber', [`0x${number.toString(16)}`, true])
  if (json === null) return null
  if (!isRpcBlock(json)) {
    throw new UpstreamError({ code: 'BAD_RESPONSE', url: peer.url, method: 'eth_getBlockByNumber', reason: `block ${number}: not a block object` })
  }
  if (BigInt(json.number) !== number) {
    throw new UpstreamError({ code: 'BAD_RESPONSE', url: peer.url, method: 'eth_getBlockByNumber', reason: `asked for block ${number}, got ${BigInt(json.number)}` })
  }
  return json
}

async function fetchUncles(peer: Peer, json: RpcBlockJson): Promise<RpcBlockJson[]> {
  const count = json.uncles?.length ?? 0
  if (count === 0) return []
  const uncles = await Promise.all(
    Array.from({ length: count }, (_, i) => peer.client.request<unknown>('eth_getUncleByBlockHashAndIndex', [json.hash, `0x${i.toString(16)}`])),
  )
  return uncles.map((uncle, i) => {
    if (typeof uncle !== 'object' || uncle === null) {
      throw new UpstreamError({ code: 'BAD_RESPONSE', url: peer.url, method: 'eth_getUncleByBlockHashAndIndex', reason: `uncle ${i} of block ${json.number} missing` })
    }
    return uncle as RpcBlockJson
  })
}

/** The hash of the peer's block at `number`, or null if it has none. */
export async function fetchBlockHash(peer: Peer, number: bigint): Promise<string | null> {
  const json = await peer.client.request<{ hash?: unknown } | null>('eth_getBlockByNumber', [`0x${number.toString(16)}`, false])
  if (json === null) return null
  if (typeof json !== 'object' || typeof json.hash !== 'string') {
    throw new UpstreamError({ code: 'BAD_RESPONSE', url: peer.url, method: 'eth_getBlockByNumber', reason: `block ${number}: no hash` })
  }
  return json.hash.toLowerCase()
}
