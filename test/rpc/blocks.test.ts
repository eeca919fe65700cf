import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConformanceNode, startConformanceNode } from '../helpers/conformance-node.js'

type Block = Record<string, unknown> & { hash: string; number: string; transactions: unknown[] }

const HEAD = '0x36'
/** Blocks of the conformance chain at each fork that changed the header. */
const FORKS = { homestead: '0x3', london: '0x1b', merge: '0x24', shanghai: '0x28', cancun: '0x2a', prague: '0x2d' }
const HEADER_KEYS = [
  'difficulty', 'extraData', 'gasLimit', 'gasUsed', 'hash', 'logsBloom', 'miner', 'mixHash', 'nonce', 'number',
  'parentHash', 'receiptsRoot', 'sha3Uncles', 'stateRoot', 'timestamp', 'transactionsRoot',
]
const BLOCK_KEYS = ['size', 'transactions', 'uncles']

describe('block methods', () => {
  let rpc: ConformanceNode

  beforeAll(async () => {
    rpc = await startConformanceNode({ finalized: '0x20' })
  })
  afterAll(async () => {
    await rpc?.close()
  })

  const block = (number: string, full = false) => rpc.call<Block>('eth_getBlockByNumber', [number, full])

  it('shows each fork its own header fields, in geth order, and no totalDifficulty', async () => {
    const forkFields: Record<keyof typeof FORKS, string[]> = {
      homestead: [],
      london: ['baseFeePerGas'],
      merge: ['baseFeePerGas'],
      shanghai: ['baseFeePerGas', 'withdrawalsRoot', 'withdrawals'],
      cancun: ['baseFeePerGas', 'withdrawalsRoot', 'withdrawals', 'blobGasUsed', 'excessBlobGas', 'parentBeaconBlockRoot'],
      prague: ['baseFeePerGas', 'withdrawalsRoot', 'withdrawals', 'blobGasUsed', 'excessBlobGas', 'parentBeaconBlockRoot', 'requestsHash'],
    }
    for (const [fork, number] of Object.entries(FORKS)) {
      const keys = Object.keys(await block(number))
      const expected = [...HEADER_KEYS, ...BLOCK_KEYS, ...forkFields[fork as keyof typeof FORKS]].sort()
      expect(keys, fork).toEqual(expected)
    }
  })

  it('lists transaction hashes, or the full transactions with the same hashes', async () => {
    const hashes = await block(FORKS.prague)
    const full = await block(FORKS.prague, true)
    const { transactions: fullTxs, ...fullRest } = full
    const { transactions: hashList, ...hashRest } = hashes
    expect(hashRest).toEqual(fullRest)
    expect(hashList).toEqual((fullTxs as { hash: string }[]).map((tx) => tx.hash))
    for (const [index, tx] of (fullTxs as Record<string, string>[]).entries()) {
      expect(tx.blockHash).toBe(full.hash)
      expect(tx.blockNumber).toBe(full.number)
      expect(tx.blockTimestamp).toBe(full.timestamp)
      expect(tx.transactionIndex).toBe(`0x${index.toString(16)}`)
    }
  })

  it('answers by hash exactly what it answers by number', async () => {
    for (const number of Object.values(FORKS)) {
      const byNumber = await block(number, true)
      expect(await rpc.call('eth_getBlockByHash', [byNumber.hash, true])).toEqual(byNumber)
    }
  })

  it('lists uncle hashes and counts uncles', async () => {
    const withUncle = await block(FORKS.homestead)
    expect(withUncle.uncles).toHaveLength(1)
    expect(await rpc.call('eth_getUncleCountByBlockNumber', [FORKS.homestead])).toBe('0x1')
    expect(await rpc.call('eth_getUncleCountByBlockHash', [withUncle.hash])).toBe('0x1')
    expect(await rpc.call('eth_getUncleCountByBlockNumber', [FORKS.prague])).toBe('0x0')
  })

  it('serves the header alone: the block without size, transactions, uncles and withdrawals', async () => {
    for (const number of Object.values(FORKS)) {
      const { size, transactions, uncles, withdrawals, ...header } = await block(number)
      expect(await rpc.call('eth_getHeaderByNumber', [number])).toEqual(header)
      expect(await rpc.call('eth_getHeaderByHash', [header.hash])).toEqual(header)
    }
  })

  it('resolves every block tag', async () => {
    const numberOf = async (tag: string) => (await block(tag)).number
    expect(await numberOf('latest')).toBe(HEAD)
    expect(await numberOf('pending')).toBe(HEAD)
    expect(await numberOf('soft')).toBe(HEAD)
    expect(await numberOf('earliest')).toBe('0x0')
    expect(await numberOf('safe')).toBe('0x20')
    expect(await numberOf('finalized')).toBe('0x20')
    expect(((await rpc.call('eth_getHeaderByNumber', ['finalized'])) as Block).number).toBe('0x20')
  })

  it('answers null for a block past the head or an unknown hash', async () => {
    const unknown = `0x${'ab'.repeat(32)}`
    expect(await block('0x37')).toBeNull()
    expect(await rpc.call('eth_getHeaderByNumber', ['0x37'])).toBeNull()
    expect(await rpc.call('eth_getBlockByHash', [unknown, false])).toBeNull()
    expect(await rpc.call('eth_getHeaderByHash', [unknown])).toBeNull()
    expect(await rpc.call('eth_getBlockTransactionCountByNumber', ['0x37'])).toBeNull()
    expect(await rpc.call('eth_getBlockTransactionCountByHash', [unknown])).toBeNull()
    expect(await rpc.call('eth_getUncleCountByBlockNumber', ['0x37'])).toBeNull()
    expect(await rpc.call('eth_getUncleCountByBlockHash', [unknown])).toBeNull()
  })

  it('counts transactions by number and by hash', async () => {
    const prague = await block(FORKS.prague)
    const count = `0x${prague.transactions.length.toString(16)}`
    expect(await rpc.call('eth_getBlockTransactionCountByNumber', [FORKS.prague])).toBe(count)
    expect(await rpc.call('eth_getBlockTransactionCountByHash', [prague.hash])).toBe(count)
    expect(await rpc.call('eth_getBlockTransactionCountByNumber', ['earliest'])).toBe('0x0')
  })

  it('rejects bad parameters with geth texts', async () => {
    const error = async (method: string, params: unknown[]) => (await rpc.request(method, params)).error
    expect(await error('eth_getBlockByNumber', ['2', false])).toEqual({ code: -32602, message: 'invalid argument 0: hex string without 0x prefix' })
    expect(await error('eth_getBlockByNumber', [2, false])).toEqual({ code: -32602, message: 'invalid argument 0: hex string without 0x prefix' })
    expect(await error('eth_getBlockByNumber', ['0x02', false])).toEqual({ code: -32602, message: 'invalid argument 0: hex number with leading zero digits' })
    expect(await error('eth_getBlockByNumber', ['0x2'])).toEqual({ code: -32602, message: 'missing value for required argument 1' })
    expect(await error('eth_getBlockByNumber', ['0x2', 'yes'])).toEqual({ code: -32602, message: 'invalid argument 1: json: cannot unmarshal string into Go value of type bool' })
    expect(await error('eth_getBlockByNumber', ['0x2', false, 1])).toEqual({ code: -32602, message: 'too many arguments, want at most 2' })
    expect(await error('eth_getBlockByHash', ['0x12', false])).toEqual({ code: -32602, message: 'invalid argument 0: hex string has length 2, want 64 for common.Hash' })
    expect(await error('eth_getHeaderByNumber', [])).toEqual({ code: -32602, message: 'missing value for required argument 0' })
  })

  it('reads a null fullTx flag as false, as Go does', async () => {
    expect(await rpc.call('eth_getBlockByNumber', [FORKS.prague, null])).toEqual(await block(FORKS.prague))
  })
})
