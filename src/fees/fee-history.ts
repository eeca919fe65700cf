import type { BlockHeader } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import { receiptGasUsed } from '../chain/derived-receipts.js'
import { effectiveGasTip } from '../chain/tx-fees.js'
import type { BlockSelector, Reader } from '../reader.js'
import { blobBaseFee, maxBlobGasPerBlock, nextBaseFee, nextBlobBaseFee } from './block-fees.js'
import { FeeError } from './errors.js'

/** geth's defaults (eth/gasprice): most blocks one query covers, most percentiles it may ask. */
export const FEE_HISTORY_LIMITS = { maxBlocks: 1024n, maxPercentiles: 100 }

export interface FeeHistoryRequest {
  blockCount: bigint
  /** The newest block: a number or a tag (eth_feeHistory takes no hash). */
  newest: BlockSelector
  /** Ascending, each in [0, 100]; empty for no rewards. */
  percentiles: number[]
}

/**
 * eth_feeHistory's answer. `baseFeePerGas` and `baseFeePerBlobGas` have one entry more than the
 * blocks: the fee of the block after the newest. All lists are null when no block is covered.
 */
export interface FeeHistory {
  oldestBlock: bigint
  reward: bigint[][] | null
  baseFeePerGas: bigint[] | null
  gasUsedRatio: number[] | null
  baseFeePerBlobGas: bigint[] | null
  blobGasUsedRatio: number[] | null
}

const EMPTY: FeeHistory = { oldestBlock: 0n, reward: null, baseFeePerGas: null, gasUsedRatio: null, baseFeePerBlobGas: null, blobGasUsedRatio: null }

/**
 * Fee data of `blockCount` blocks ending at `newest`, with geth's semantics: a count of 0 (or a
 * `pending` range of one block: a follower has no pending block, so `pending` covers up to the
 * head with one block fewer, as geth does without one) covers nothing; a count past the limit
 * or past genesis is cut; a number past the head is an error. Rewards are the effective tips at
 * each percentile of the block's gas, transactions sorted by tip.
 */
export async function feeHistory(reader: Reader, request: FeeHistoryRequest): Promise<FeeHistory> {
  const { percentiles } = request
  let blocks = request.blockCount
  if (blocks < 1n) return EMPTY
  if (percentiles.length > FEE_HISTORY_LIMITS.maxPercentiles) {
    throw new FeeError({ code: 'INVALID_PERCENTILE', reason: `over the query limit ${FEE_HISTORY_LIMITS.maxPercentiles}` })
  }
  if (blocks > FEE_HISTORY_LIMITS.maxBlocks) blocks = FEE_HISTORY_LIMITS.maxBlocks
  checkPercentiles(percentiles)

  const head = (await reader.head()).number
  const { newest } = request
  if (newest.kind === 'number' && newest.number > head) {
    throw new FeeError({ code: 'BEYOND_HEAD', requested: newest.number, head })
  }
  if (newest.kind === 'tag' && newest.tag === 'pending') blocks -= 1n
  const last = await resolveNewest(reader, newest, head)
  if (blocks === 0n) return EMPTY
  if (last + 1n < blocks) blocks = last + 1n
  const oldest = last + 1n - blocks

  const rows: BlockFees[] = []
  for (let number = oldest; number <= last; number++) {
    const row = await blockFees(reader, number, percentiles)
    // a block that vanished mid-query (a reorg) ends the range, as in geth
    if (row === null) break
    rows.push(row)
  }
  if (rows.length === 0) return EMPTY
  return {
    oldestBlock: oldest,
    reward: percentiles.length === 0 ? null : rows.map((row) => row.reward),
    baseFeePerGas: [...rows.map((row) => row.baseFee), rows[rows.length - 1].nextBaseFee],
    gasUsedRatio: rows.map((row) => row.gasUsedRatio),
    baseFeePerBlobGas: [...rows.map((row) => row.blobBaseFee), rows[rows.length - 1].nextBlobBaseFee],
    blobGasUsedRatio: rows.map((row) => row.blobGasUsedRatio),
  }
}

function checkPercentiles(percentiles: number[]): void {
  percentiles.forEach((p, i) => {
    if (p < 0 || p > 100) throw new FeeError({ code: 'INVALID_PERCENTILE', reason: goFloat(p) })
    if (i > 0 && p <= percentiles[i - 1]) {
      throw new FeeError({ code: 'INVALID_PERCENTILE', reason: `#${i - 1}:${goFloat(percentiles[i - 1])} >= #${i}:${goFloat(p)}` })
    }
  })
}

async function resolveNewest(reader: Reader, newest: BlockSelector, head: bigint): Promise<bigint> {
  if (newest.kind === 'number') return newest.number
  if (newest.kind === 'tag' && (newest.tag === 'safe' || newest.tag === 'finalized')) {
    const number = await reader.resolveNumber(newest)
    if (number === null) throw new FeeError({ code: 'UNKNOWN_TAG', tag: newest.tag })
    return number
  }
  if (newest.kind === 'tag' && newest.tag === 'earliest') return 0n
  return head
}

interface BlockFees {
  reward: bigint[]
  baseFee: bigint
  nextBaseFee: bigint
  gasUsedRatio: number
  blobBaseFee: bigint
  nextBlobBaseFee: bigint
  blobGasUsedRatio: number
}

/** One block's row (geth's processBlock); the block body and receipts only when rewards are asked. */
async function blockFees(reader: Reader, number: bigint, percentiles: number[]): Promise<BlockFees | null> {
  let header: BlockHeader | null
  let reward: bigint[] = []
  if (percentiles.length > 0) {
    const view = await reader.blockByNumber(number)
    if (view === null) return null
    header = view.header
    const receipts = (await reader.receipts(view.hash)) ?? []
    reward = rewards(view.block.transactions, receiptGasUsed(receipts), header, percentiles)
  } else {
    header = await reader.headerByNumber(number)
    if (header === null) return null
  }
  const maxBlobGas = maxBlobGasPerBlock(header)
  return {
    reward,
    baseFee: header.baseFeePerGas ?? 0n,
    nextBaseFee: nextBaseFee(header) ?? 0n,
    gasUsedRatio: Number(header.gasUsed) / Number(header.gasLimit),
    blobBaseFee: blobBaseFee(header) ?? 0n,
    nextBlobBaseFee: nextBlobBaseFee(header) ?? 0n,
    blobGasUsedRatio: header.blobGasUsed !== undefined && maxBlobGas !== 0n ? Number(header.blobGasUsed) / Number(maxBlobGas) : 0,
  }
}

/**
 * The effective tip at each percentile of the block's gas: transactions sorted by tip, each
 * weighted by the gas it used. An empty block rewards 0 at every percentile.
 */
function rewards(txs: TypedTransaction[], gasUsed: bigint[], header: BlockHeader, percentiles: number[]): bigint[] {
  if (txs.length === 0) return percentiles.map(() => 0n)
  // Array.prototype.sort is stable, like geth's slices.SortStableFunc
  const sorted = txs
    .map((tx, i) => ({ reward: effectiveGasTip(tx, header.baseFeePerGas), gasUsed: gasUsed[i] ?? 0n }))
    .sort((a, b) => (a.reward < b.reward ? -1 : a.reward > b.reward ? 1 : 0))
  let index = 0
  let sum = sorted[0].gasUsed
  return percentiles.map((p) => {
    // geth converts through float64 and truncates: uint64(float64(gasUsed) * p / 100)
    const threshold = BigInt(Math.floor((Number(header.gasUsed) * p) / 100))
    while (sum < threshold && index < sorted.length - 1) {
      index++
      sum += sorted[index].gasUsed
    }
    return sorted[index].reward
  })
}

/** Go's %f: six decimals, never an exponent. */
function goFloat(value: number): string {
  return Math.abs(value) >= 1e21 ? `${BigInt(value)}.000000` : value.toFixed(6)
}
