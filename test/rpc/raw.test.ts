import { RLP } from '@ethereumjs/rlp'
import { hexToBytes } from '@ethereumjs/util'
import { keccak256 } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConformanceNode, startConformanceNode } from '../helpers/conformance-node.js'

type Hex = `0x${string}`

describe('raw (debug_getRaw*) methods', () => {
  let rpc: ConformanceNode

  beforeAll(async () => {
    rpc = await startConformanceNode()
  })
  afterAll(async () => {
    await rpc?.close()
  })

  const blockAt = (number: string) => rpc.call<{ hash: Hex; transactions: Hex[]; size: string }>('eth_getBlockByNumber', [number, false])

  it('returns headers and blocks that hash to the block hash, by number or by hash', async () => {
    for (const number of ['0x0', '0x3', '0x1b', '0x2d', '0x36']) {
      const block = await blockAt(number)
      const header = await rpc.call<Hex>('debug_getRawHeader', [number])
      expect(keccak256(header)).toBe(block.hash)
      expect(await rpc.call('debug_getRawHeader', [block.hash])).toBe(header)
      expect(await rpc.call('debug_getRawHeader', [{ blockHash: block.hash }])).toBe(header)
      const raw = await rpc.call<Hex>('debug_getRawBlock', [number])
      expect(await rpc.call('debug_getRawBlock', [block.hash])).toBe(raw)
      expect(BigInt(block.size)).toBe(BigInt((raw.length - 2) / 2))
      const [encodedHeader] = RLP.decode(hexToBytes(raw)) as Uint8Array[]
      expect(keccak256(RLP.encode(encodedHeader))).toBe(block.hash)
    }
  })

  it('returns one consensus receipt per transaction, and the transactions as hashed', async () => {
    for (const number of ['0x0', '0x3', '0x2a', '0x2d']) {
      const block = await blockAt(number)
      const receipts = await rpc.call<Hex[]>('debug_getRawReceipts', [number])
      expect(receipts).toHaveLength(block.transactions.length)
      expect(await rpc.call('debug_getRawReceipts', [block.hash])).toEqual(receipts)
      for (const hash of block.transactions) {
        expect(keccak256(await rpc.call<Hex>('debug_getRawTransaction', [hash]))).toBe(hash)
      }
    }
  })

  it('answers a number past the head with null, an unknown hash as geth does', async () => {
    const unknown = `0x${'00'.repeat(28)}deadbeef`
    const goArray = `[${[...Array(28).fill(0), 222, 173, 190, 239].join(' ')}]`
    for (const method of ['debug_getRawHeader', 'debug_getRawBlock', 'debug_getRawReceipts']) {
      expect(await rpc.call(method, ['0x37'])).toBeNull()
    }
    expect((await rpc.request('debug_getRawHeader', [unknown])).error).toEqual({ code: -32000, message: `header #${goArray} not found` })
    expect((await rpc.request('debug_getRawBlock', [unknown])).error).toEqual({ code: -32000, message: `block #${goArray} not found` })
    expect(await rpc.call('debug_getRawReceipts', [unknown])).toEqual([])
    expect(await rpc.call('debug_getRawTransaction', [unknown])).toBeNull()
  })

  it('rejects malformed parameters with geth texts', async () => {
    expect((await rpc.request('debug_getRawTransaction', ['0x12'])).error).toEqual({
      code: -32602,
      message: 'invalid argument 0: hex string has length 2, want 64 for common.Hash',
    })
    expect((await rpc.request('debug_getRawBlock', [])).error).toEqual({ code: -32602, message: 'missing value for required argument 0' })
  })
})
