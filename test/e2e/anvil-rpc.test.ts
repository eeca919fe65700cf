import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningNode } from '../../src/main.js'
import { type AnvilChain, serveAnvilChain, startAnvilWithChain } from '../helpers/anvil.js'
import { rpcCall } from '../helpers/node.js'

type Json = Record<string, unknown>

/**
 * Our block, transaction, receipt and log answers for a chain anvil mined, compared field by
 * field with anvil's own answers for the same chain.
 */
describe('answers over an anvil chain equal anvil own', () => {
  let live: AnvilChain
  let node: RunningNode

  beforeAll(async () => {
    live = await startAnvilWithChain()
    node = await serveAnvilChain(live)
  }, 180_000)

  afterAll(async () => {
    await node?.close()
    await live?.stop()
  })

  /** Every field path where the two answers differ, e.g. "transactions[2].yParity: 0x1 != undefined". */
  function differences(ours: unknown, theirs: unknown, path = ''): string[] {
    if (Array.isArray(ours) && Array.isArray(theirs)) {
      if (ours.length !== theirs.length) return [`${path}.length: ${ours.length} != ${theirs.length}`]
      return ours.flatMap((item, i) => differences(item, theirs[i], `${path}[${i}]`))
    }
    if (isObject(ours) && isObject(theirs)) {
      const keys = new Set([...Object.keys(ours), ...Object.keys(theirs)])
      return [...keys].flatMap((key) => differences(ours[key], theirs[key], path === '' ? key : `${path}.${key}`))
    }
    return JSON.stringify(ours) === JSON.stringify(theirs) ? [] : [`${path}: ${JSON.stringify(ours)} != ${JSON.stringify(theirs)}`]
  }

  const both = async (method: string, params: unknown[]) => {
    const [ours, theirs] = await Promise.all([rpcCall(node.url, method, params), rpcCall(live.anvil.rpcUrl, method, params)])
    return differences(ours, theirs)
      .filter((d) => !isKnownAnvilDifference(d))
      .map((d) => `${method}(${JSON.stringify(params)}) ${d}`)
  }

  it('counts the whole block RLP in size, where anvil leaves out the empty withdrawals list', async () => {
    for (let n = 0; n <= live.chain.blocks; n++) {
      const tag = `0x${n.toString(16)}`
      const [ours, theirs, raw] = await Promise.all([
        rpcCall<{ size: string }>(node.url, 'eth_getBlockByNumber', [tag, false]),
        rpcCall<{ size: string }>(live.anvil.rpcUrl, 'eth_getBlockByNumber', [tag, false]),
        rpcCall<string>(node.url, 'debug_getRawBlock', [tag]),
      ])
      expect(Number(ours.size)).toBe((raw.length - 2) / 2)
      expect(Number(ours.size) - Number(theirs.size)).toBe(1) // the empty list 0xc0
    }
  })

  it('blocks, transactions, receipts and logs', async () => {
    const diffs: string[] = []
    for (let n = 0; n <= live.chain.blocks; n++) {
      const tag = `0x${n.toString(16)}`
      diffs.push(...(await both('eth_getBlockByNumber', [tag, true])))
      diffs.push(...(await both('eth_getBlockByNumber', [tag, false])))
      const block = await rpcCall<{ hash: string; transactions: Json[] }>(node.url, 'eth_getBlockByNumber', [tag, true])
      diffs.push(...(await both('eth_getBlockByHash', [block.hash, false])))
      diffs.push(...(await both('eth_getBlockReceipts', [tag])))
      diffs.push(...(await both('eth_getLogs', [{ fromBlock: tag, toBlock: tag }])))
      for (const tx of block.transactions) {
        diffs.push(...(await both('eth_getTransactionByHash', [tx.hash])))
        diffs.push(...(await both('eth_getTransactionReceipt', [tx.hash])))
      }
    }
    diffs.push(...(await both('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }])))
    expect(diffs).toEqual([])
  })
})

/**
 * Where anvil 1.7.1's answers are not geth's, we answer as geth does:
 * - blocks: anvil still reports `totalDifficulty` (geth dropped it after the merge), and its
 *   `size` leaves out the withdrawals list (checked separately above);
 * - receipts: anvil adds `blobGasPrice` to receipts of non-blob transactions and a numeric
 *   `blockTimestamp`; geth has neither there.
 */
function isKnownAnvilDifference(difference: string): boolean {
  return /^(totalDifficulty|size): /.test(difference) || /^(\[\d+\]\.)?(blobGasPrice|blockTimestamp): undefined != /.test(difference)
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
