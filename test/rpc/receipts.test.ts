import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConformanceNode, startConformanceNode } from '../helpers/conformance-node.js'

type Receipt = Record<string, unknown> & {
  transactionHash: string
  cumulativeGasUsed: string
  gasUsed: string
  logs: { logIndex: string; transactionIndex: string }[]
}

describe('receipt methods', () => {
  let rpc: ConformanceNode

  beforeAll(async () => {
    rpc = await startConformanceNode()
  })
  afterAll(async () => {
    await rpc?.close()
  })

  const blockReceipts = (block: unknown) => rpc.call<Receipt[]>('eth_getBlockReceipts', [block])

  it('answers each transaction receipt as its place in the block receipts', async () => {
    for (const number of ['0x1', '0x3', '0x1b', '0x2a', '0x2d', '0x36']) {
      const receipts = await blockReceipts(number)
      for (const receipt of receipts) {
        expect(await rpc.call('eth_getTransactionReceipt', [receipt.transactionHash])).toEqual(receipt)
      }
    }
  })

  it("derives each receipt's own gas and block-wide log indexes", async () => {
    for (const number of ['0x2', '0x2a', '0x2d']) {
      const receipts = await blockReceipts(number)
      let previous = 0n
      let logIndex = 0
      for (const receipt of receipts) {
        expect(BigInt(receipt.gasUsed)).toBe(BigInt(receipt.cumulativeGasUsed) - previous)
        previous = BigInt(receipt.cumulativeGasUsed)
        for (const log of receipt.logs) expect(log.logIndex).toBe(`0x${(logIndex++).toString(16)}`)
      }
      const block = await rpc.call<{ gasUsed: string }>('eth_getBlockByNumber', [number, false])
      expect(previous).toBe(BigInt(block.gasUsed))
    }
  })

  it('has root before Byzantium, status after, and blob fields only for blob transactions', async () => {
    const [homestead] = await blockReceipts('0x3')
    expect(homestead).toHaveProperty('root')
    expect(homestead).not.toHaveProperty('status')
    for (const receipt of await blockReceipts('0x2a')) {
      expect(receipt).toHaveProperty('status')
      expect(receipt).not.toHaveProperty('root')
      const blob = receipt.type === '0x3'
      expect(Object.keys(receipt).includes('blobGasUsed'), String(receipt.type)).toBe(blob)
      expect(Object.keys(receipt).includes('blobGasPrice'), String(receipt.type)).toBe(blob)
    }
    const [blobReceipt] = await blockReceipts('0x2a')
    expect(blobReceipt.blobGasUsed).toBe('0x20000')
    expect(blobReceipt.blobGasPrice).toBe(await rpc.call('eth_blobBaseFee'))
  })

  it('sets contractAddress for creations only', async () => {
    const receipts = await blockReceipts('0x36')
    const txs = (await rpc.call<{ transactions: { to: string | null }[] }>('eth_getBlockByNumber', ['0x36', true])).transactions
    receipts.forEach((receipt, i) => {
      expect(receipt.to).toBe(txs[i].to)
      if (txs[i].to === null) expect(receipt.contractAddress).toMatch(/^0x[0-9a-f]{40}$/)
      else expect(receipt.contractAddress).toBeNull()
    })
  })

  it('takes the block by number, tag, hash, or EIP-1898 object', async () => {
    const byNumber = await blockReceipts('0x2d')
    const hash = (await rpc.call<{ hash: string }>('eth_getBlockByNumber', ['0x2d', false])).hash
    expect(await blockReceipts(hash)).toEqual(byNumber)
    expect(await blockReceipts({ blockHash: hash })).toEqual(byNumber)
    expect(await blockReceipts({ blockHash: hash, requireCanonical: true })).toEqual(byNumber)
    expect(await blockReceipts({ blockNumber: '0x2d' })).toEqual(byNumber)
    expect(await blockReceipts('latest')).toEqual(await blockReceipts('0x36'))
    expect(await blockReceipts('earliest')).toEqual([])
  })

  it('answers null for unknown transactions and blocks', async () => {
    const unknown = `0x${'ef'.repeat(32)}`
    expect(await rpc.call('eth_getTransactionReceipt', [unknown])).toBeNull()
    expect(await blockReceipts(unknown)).toBeNull()
    expect(await blockReceipts({ blockHash: unknown })).toBeNull()
    expect(await blockReceipts('0x37')).toBeNull()
  })

  it('rejects a malformed block parameter', async () => {
    const error = async (params: unknown[]) => (await rpc.request('eth_getBlockReceipts', params)).error
    expect(await error(['2'])).toEqual({ code: -32602, message: 'invalid argument 0: hex string without 0x prefix' })
    expect(await error([])).toEqual({ code: -32602, message: 'missing value for required argument 0' })
    expect(await error([{ blockHash: `0x${'00'.repeat(32)}`, blockNumber: '0x1' }])).toEqual({
      code: -32602,
      message: 'invalid argument 0: cannot specify both BlockHash and BlockNumber, choose one or the other',
    })
  })
})
