import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConformanceNode, startConformanceNode } from '../helpers/conformance-node.js'

/** Block parameters on a node whose safe and finalized blocks are not known yet. */
describe('block parameters without safe / finalized', () => {
  let rpc: ConformanceNode

  beforeAll(async () => {
    rpc = await startConformanceNode()
  })
  afterAll(async () => {
    await rpc?.close()
  })

  it("is geth's error for block, header, receipt, raw and fee lookups", async () => {
    for (const tag of ['safe', 'finalized']) {
      const expected = { code: -32000, message: `${tag} block not found` }
      expect((await rpc.request('eth_getHeaderByNumber', [tag])).error).toEqual(expected)
      expect((await rpc.request('eth_getUncleCountByBlockNumber', [tag])).error).toEqual(expected)
      expect((await rpc.request('eth_getBlockReceipts', [tag])).error).toEqual(expected)
      expect((await rpc.request('debug_getRawHeader', [tag])).error).toEqual(expected)
      expect((await rpc.request('eth_feeHistory', ['0x1', tag, []])).error).toEqual(expected)
    }
  })

  it('is null where geth drops the error, and for eth_getBlockByNumber', async () => {
    for (const tag of ['safe', 'finalized']) {
      // issue 5: a block lookup by tag answers null until something is safe / final
      expect(await rpc.call('eth_getBlockByNumber', [tag, false])).toBeNull()
      expect(await rpc.call('eth_getBlockTransactionCountByNumber', [tag])).toBeNull()
      expect(await rpc.call('eth_getTransactionByBlockNumberAndIndex', [tag, '0x0'])).toBeNull()
    }
  })

  it('still serves the other tags', async () => {
    expect(((await rpc.call('eth_getBlockByNumber', ['latest', false])) as { number: string }).number).toBe('0x36')
    expect(((await rpc.call('eth_getBlockByNumber', ['earliest', false])) as { number: string }).number).toBe('0x0')
  })
})
