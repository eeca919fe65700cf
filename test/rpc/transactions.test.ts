import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConformanceNode, startConformanceNode } from '../helpers/conformance-node.js'

type Tx = Record<string, unknown> & { hash: string; blockHash: string; blockNumber: string; transactionIndex: string }

/** One transaction of each kind in the conformance chain: [block, index]. */
const TXS = {
  legacyUnprotected: ['0x1', 0],
  legacyEip155: ['0x36', 0],
  accessList: ['0x18', 0],
  dynamicFee: ['0x1b', 0],
  blob: ['0x2a', 0],
  setCode: ['0x2d', 1],
} as const

const COMMON_HEAD = ['blockHash', 'blockNumber', 'blockTimestamp', 'from', 'gas', 'gasPrice']
const COMMON_MID = ['hash', 'input', 'nonce', 'to', 'transactionIndex', 'value', 'type']
const SIGNATURE = ['v', 'r', 's']

describe('transaction methods', () => {
  let rpc: ConformanceNode

  beforeAll(async () => {
    rpc = await startConformanceNode()
  })
  afterAll(async () => {
    await rpc?.close()
  })

  const txAt = ([block, index]: readonly [string, number]) =>
    rpc.call<Tx>('eth_getTransactionByBlockNumberAndIndex', [block, `0x${index.toString(16)}`])

  it('gives each transaction type exactly geth fields, in geth order', async () => {
    const fees1559 = ['maxFeePerGas', 'maxPriorityFeePerGas']
    const expected: Record<keyof typeof TXS, string[]> = {
      legacyUnprotected: [...COMMON_HEAD, ...COMMON_MID, ...SIGNATURE],
      legacyEip155: [...COMMON_HEAD, ...COMMON_MID, 'chainId', ...SIGNATURE],
      accessList: [...COMMON_HEAD, ...COMMON_MID, 'accessList', 'chainId', ...SIGNATURE, 'yParity'],
      dynamicFee: [...COMMON_HEAD, ...fees1559, ...COMMON_MID, 'accessList', 'chainId', ...SIGNATURE, 'yParity'],
      blob: [...COMMON_HEAD, ...fees1559, 'maxFeePerBlobGas', ...COMMON_MID, 'accessList', 'chainId', 'blobVersionedHashes', ...SIGNATURE, 'yParity'],
      setCode: [...COMMON_HEAD, ...fees1559, ...COMMON_MID, 'accessList', 'chainId', 'authorizationList', ...SIGNATURE, 'yParity'],
    }
    for (const [kind, position] of Object.entries(TXS)) {
      expect(Object.keys(await txAt(position)), kind).toEqual(expected[kind as keyof typeof TXS])
    }
  })

  it('shows the chain id of an EIP-155 legacy transaction, encoded in v', async () => {
    const tx = await txAt(TXS.legacyEip155)
    const chainId = BigInt(await rpc.call<string>('eth_chainId'))
    expect(BigInt(tx.chainId as string)).toBe(chainId)
    expect([chainId * 2n + 35n, chainId * 2n + 36n]).toContain(BigInt(tx.v as string))
    expect(['0x1b', '0x1c']).toContain((await txAt(TXS.legacyUnprotected)).v)
  })

  it('prices 1559-style transactions at what they paid: base fee plus effective tip', async () => {
    for (const position of [TXS.dynamicFee, TXS.blob, TXS.setCode]) {
      const tx = await txAt(position)
      const block = await rpc.call<{ baseFeePerGas: string }>('eth_getBlockByNumber', [position[0], false])
      const base = BigInt(block.baseFeePerGas)
      const tip = BigInt(tx.maxPriorityFeePerGas as string)
      const cap = BigInt(tx.maxFeePerGas as string)
      expect(BigInt(tx.gasPrice as string)).toBe(base + tip < cap ? base + tip : cap)
    }
  })

  it('shows blob hashes and the signed authorizations', async () => {
    const blob = await txAt(TXS.blob)
    expect(blob.blobVersionedHashes).toEqual([expect.stringMatching(/^0x01[0-9a-f]{62}$/)])
    const setCode = await txAt(TXS.setCode)
    const [auth] = setCode.authorizationList as Record<string, string>[]
    expect(Object.keys(auth)).toEqual(['chainId', 'address', 'nonce', 'yParity', 'r', 's'])
    expect(setCode.yParity).toBe(setCode.v)
  })

  it('finds the same transaction by hash, by block hash and index, and by block number and index', async () => {
    for (const position of Object.values(TXS)) {
      const tx = await txAt(position)
      expect(await rpc.call('eth_getTransactionByHash', [tx.hash])).toEqual(tx)
      expect(await rpc.call('eth_getTransactionByBlockHashAndIndex', [tx.blockHash, tx.transactionIndex])).toEqual(tx)
    }
  })

  it('answers null for unknown hashes, missing blocks and indexes past the end', async () => {
    const unknown = `0x${'cd'.repeat(32)}`
    expect(await rpc.call('eth_getTransactionByHash', [unknown])).toBeNull()
    expect(await rpc.call('eth_getTransactionByBlockHashAndIndex', [unknown, '0x0'])).toBeNull()
    expect(await rpc.call('eth_getTransactionByBlockNumberAndIndex', ['0x37', '0x0'])).toBeNull()
    expect(await rpc.call('eth_getTransactionByBlockNumberAndIndex', ['0x1', '0x4'])).toBeNull()
    expect(await rpc.call('eth_getTransactionByBlockNumberAndIndex', ['finalized', '0x0'])).toBeNull()
  })

  it('rejects a bad index with geth texts for hexutil.Uint', async () => {
    const error = async (index: unknown) => (await rpc.request('eth_getTransactionByBlockNumberAndIndex', ['0x1', index])).error
    expect(await error('1')).toEqual({ code: -32602, message: 'invalid argument 1: json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Uint' })
    expect(await error(1)).toEqual({ code: -32602, message: 'invalid argument 1: json: cannot unmarshal non-string into Go value of type hexutil.Uint' })
    expect(await error('0x01')).toEqual({ code: -32602, message: 'invalid argument 1: json: cannot unmarshal hex number with leading zero digits into Go value of type hexutil.Uint' })
    expect(await error(`0x1${'0'.repeat(16)}`)).toEqual({ code: -32602, message: 'invalid argument 1: json: cannot unmarshal hex number > 64 bits into Go value of type hexutil.Uint' })
  })
})
