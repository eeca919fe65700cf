import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultGasPriceOracleOptions, suggestTipCap } from '../../src/fees/gas-price.js'
import { type ConformanceNode, startConformanceNode } from '../helpers/conformance-node.js'

interface FeeHistory {
  oldestBlock: string
  reward?: string[][]
  baseFeePerGas?: string[]
  gasUsedRatio: number[] | null
  baseFeePerBlobGas?: string[]
  blobGasUsedRatio?: number[]
}

const HEAD = 0x36
const LONDON = 0x1b

describe('fee methods', () => {
  let rpc: ConformanceNode

  beforeAll(async () => {
    rpc = await startConformanceNode({ finalized: '0x30' })
  })
  afterAll(async () => {
    await rpc?.close()
  })

  const history = (count: unknown, newest: unknown, percentiles: unknown = []) =>
    rpc.call<FeeHistory>('eth_feeHistory', [count, newest, percentiles])
  const block = (number: number) =>
    rpc.call<Record<string, string>>('eth_getBlockByNumber', [`0x${number.toString(16)}`, false])

  it("covers count blocks up to the newest, with the next block's fees appended", async () => {
    const fees = await history('0x4', 'latest', [25, 75])
    expect(fees.oldestBlock).toBe(`0x${(HEAD - 3).toString(16)}`)
    expect(fees.reward).toHaveLength(4)
    expect(fees.reward?.every((row) => row.length === 2)).toBe(true)
    expect(fees.gasUsedRatio).toHaveLength(4)
    expect(fees.blobGasUsedRatio).toHaveLength(4)
    expect(fees.baseFeePerGas).toHaveLength(5)
    expect(fees.baseFeePerBlobGas).toHaveLength(5)
    for (let i = 0; i < 4; i++) {
      const b = await block(HEAD - 3 + i)
      expect(fees.baseFeePerGas?.[i]).toBe(b.baseFeePerGas)
      expect(fees.gasUsedRatio?.[i]).toBe(Number(b.gasUsed) / Number(b.gasLimit))
    }
    expect(fees.baseFeePerGas?.[4]).toBe(await rpc.call('eth_baseFee'))
  })

  it('leaves out rewards when no percentiles are asked', async () => {
    for (const percentiles of [[], null]) expect(await history('0x2', 'latest', percentiles)).not.toHaveProperty('reward')
  })

  it('reads the count as hex or decimal, string or number', async () => {
    const expected = await history('0x3', 'latest')
    for (const count of ['3', 3, '0x03']) expect(await history(count, 'latest')).toEqual(expected)
  })

  it('cuts the range at genesis, and rewards 0 for an empty block', async () => {
    const fees = await history('0x10', '0x2', [50])
    expect(fees.oldestBlock).toBe('0x0')
    expect(fees.gasUsedRatio).toHaveLength(3)
    expect(fees.reward?.[0]).toEqual(['0x0'])
  })

  it('shows base fees from London on, and the first London base fee as the next one before it', async () => {
    const fees = await history('0x2', `0x${(LONDON - 1).toString(16)}`)
    expect(fees.baseFeePerGas).toEqual(['0x0', '0x0', '0x3b9aca00'])
    expect(fees.baseFeePerBlobGas).toEqual(['0x0', '0x0', '0x0'])
    expect(fees.blobGasUsedRatio).toEqual([0, 0])
  })

  it('resolves tags; pending covers one block fewer, as geth without a pending block', async () => {
    expect((await history('0x2', 'finalized')).oldestBlock).toBe('0x2f')
    expect((await history('0x2', 'safe')).oldestBlock).toBe('0x2f')
    expect((await history('0x1', 'earliest')).oldestBlock).toBe('0x0')
    const pending = await history('0x2', 'pending')
    expect(pending.oldestBlock).toBe(`0x${HEAD.toString(16)}`)
    expect(pending.gasUsedRatio).toHaveLength(1)
    expect(await history('0x1', 'pending')).toEqual({ oldestBlock: '0x0', gasUsedRatio: null })
  })

  it('answers an empty history for a count of 0', async () => {
    expect(await history('0x0', 'latest', [10])).toEqual({ oldestBlock: '0x0', gasUsedRatio: null })
  })

  it("rejects what geth rejects, with geth's texts", async () => {
    const error = async (params: unknown[]) => (await rpc.request('eth_feeHistory', params)).error
    expect(await error(['0x1', '0x37', []])).toEqual({ code: -32000, message: `request beyond head block: requested 55, head ${HEAD}` })
    expect(await error(['0x1', 'latest', [101]])).toEqual({ code: -32000, message: 'invalid reward percentile: 101.000000' })
    expect(await error(['0x1', 'latest', [-1]])).toEqual({ code: -32000, message: 'invalid reward percentile: -1.000000' })
    expect(await error(['0x1', 'latest', [50, 50]])).toEqual({ code: -32000, message: 'invalid reward percentile: #0:50.000000 >= #1:50.000000' })
    expect(await error(['0x1', 'latest', Array.from({ length: 101 }, (_, i) => i / 2)])).toEqual({
      code: -32000,
      message: 'invalid reward percentile: over the query limit 100',
    })
    expect(await error(['0x1', 'latest'])).toEqual({ code: -32602, message: 'missing value for required argument 2' })
    expect(await error(['1x', 'latest', []])).toEqual({ code: -32602, message: 'invalid argument 0: invalid hex or decimal integer "1x"' })
    expect(await error(['0x1', 'latest', ['50']])).toEqual({ code: -32602, message: 'invalid argument 2: json: cannot unmarshal string into Go value of type float64' })
  })

  it('gives the next base fee and the head blob base fee', async () => {
    const head = await block(HEAD)
    const next = BigInt(await rpc.call<string>('eth_baseFee'))
    // gas used is far below the target: the base fee falls, by at most 1/8
    expect(next < BigInt(head.baseFeePerGas)).toBe(true)
    expect(next >= (BigInt(head.baseFeePerGas) * 7n) / 8n).toBe(true)
    expect(await rpc.call('eth_blobBaseFee')).toBe('0x1')
  })

  it("suggests geth's oracle price: the default when every recent tip is under the ignore price", async () => {
    // every tip in this chain is 1 wei, below geth's 2 wei ignore price
    const tip = await rpc.call<string>('eth_maxPriorityFeePerGas')
    expect(BigInt(tip)).toBe(defaultGasPriceOracleOptions.defaultPrice)
    const head = await block(HEAD)
    expect(BigInt(await rpc.call<string>('eth_gasPrice'))).toBe(BigInt(tip) + BigInt(head.baseFeePerGas))
  })

  it('samples effective tips, capped at the max price', async () => {
    const reader = rpc.node.reader
    expect(await suggestTipCap(reader, { ...defaultGasPriceOracleOptions, ignorePrice: 0n })).toBe(1n)
    expect(await suggestTipCap(reader, { ...defaultGasPriceOracleOptions, maxPrice: 1000n })).toBe(1000n)
  })
})
