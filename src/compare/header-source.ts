import { RpcClientError } from '../rpc-client/errors.js'
import { type JsonRpcClient, isMethodNotFound, rpcError } from '../rpc-client/json-rpc-client.js'
import type { JsonHeader } from './header-diff.js'

export type HeaderMethod = 'eth_getHeaderByNumber' | 'eth_getBlockByNumber'

/** One endpoint of a comparison: where its headers come from and how far its chain goes. */
export interface HeaderSource {
  client: JsonRpcClient
  /** eth_getBlockByNumber(n, false) when the server has no eth_getHeaderByNumber (anvil, most providers). */
  method: HeaderMethod
  head: number
}

/**
 * Asks the endpoint for its head and whether it has eth_getHeaderByNumber (geth, reth and
 * Hindsight have it; anvil and many providers answer -32601). Any other failure is thrown: a
 * server that cannot answer these two cannot be compared.
 */
export async function openHeaderSource(client: JsonRpcClient): Promise<HeaderSource> {
  const [head, probe] = await client.batch([
    { method: 'eth_blockNumber', params: [] },
    { method: 'eth_getHeaderByNumber', params: ['latest'] },
  ])
  if (!head.ok) throw rpcError(client.url, 'eth_blockNumber', head.error)
  const number = typeof head.result === 'string' && /^0x[0-9a-fA-F]+$/.test(head.result) ? Number(head.result) : NaN
  if (!Number.isSafeInteger(number)) {
    throw new RpcClientError({ code: 'BAD_RESPONSE', url: client.url, method: 'eth_blockNumber', reason: `not a block number: ${JSON.stringify(head.result)}` })
  }
  if (!probe.ok && !isMethodNotFound(probe.error)) throw rpcError(client.url, 'eth_getHeaderByNumber', probe.error)
  return { client, method: probe.ok ? 'eth_getHeaderByNumber' : 'eth_getBlockByNumber', head: number }
}

/** Blocks `from..to` (inclusive) in one batch: each an object, or null where the server has none. */
export async function fetchHeaders(source: HeaderSource, from: number, to: number): Promise<(JsonHeader | null)[]> {
  const numbers = Array.from({ length: to - from + 1 }, (_, i) => from + i)
  const calls = numbers.map((n) => ({
    method: source.method,
    params: source.method === 'eth_getHeaderByNumber' ? [hex(n)] : [hex(n), false],
  }))
  const outcomes = await source.client.batch(calls)
  return outcomes.map((outcome, i) => {
    if (!outcome.ok) throw rpcError(source.client.url, `${source.method}(${numbers[i]})`, outcome.error)
    const result = outcome.result
    if (result === null) return null
    if (typeof result !== 'object' || Array.isArray(result)) {
      throw new RpcClientError({ code: 'BAD_RESPONSE', url: source.client.url, method: `${source.method}(${numbers[i]})`, reason: 'not a block object' })
    }
    return result as JsonHeader
  })
}

function hex(n: number): string {
  return `0x${n.toString(16)}`
}
