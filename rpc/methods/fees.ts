import { blobBaseFee } from '../../src/fees/block-fees.js'
import { type FeeHistory, feeHistory } from '../../src/fees/fee-history.js'
import { suggestTipCap } from '../../src/fees/gas-price.js'
import { quantity } from '../format/hex.js'
import { argumentList, parseBlockNumber, parseFloatList, parseHexOrDecimal64, required } from '../params.js'
import type { MethodTable } from './types.js'

/**
 * Fee history and suggestions, as geth answers them: eth_baseFee is the next block's base fee,
 * eth_blobBaseFee the head's blob base fee (both null before their fork), eth_gasPrice the
 * suggested tip plus the head's base fee.
 */
export const feeMethods: MethodTable = {
  async eth_feeHistory(params, { reader }) {
    const args = argumentList(params, 3)
    const blockCount = parseHexOrDecimal64(required(args, 0), 0)
    const newest = parseBlockNumber(required(args, 1), 1)
    const percentiles = parseFloatList(required(args, 2), 2)
    return formatFeeHistory(await feeHistory(reader, { blockCount, newest, percentiles }))
  },
  async eth_baseFee(params, { reader }) {
    argumentList(params, 0)
    const head = await reader.head()
    return head.baseFeePerGas === undefined ? null : quantity(head.calcNextBaseFee())
  },
  async eth_blobBaseFee(params, { reader }) {
    argumentList(params, 0)
    const fee = blobBaseFee(await reader.head())
    return fee === null ? null : quantity(fee)
  },
  async eth_maxPriorityFeePerGas(params, { reader }) {
    argumentList(params, 0)
    return quantity(await suggestTipCap(reader))
  },
  async eth_gasPrice(params, { reader }) {
    argumentList(params, 0)
    const tip = await suggestTipCap(reader)
    return quantity(tip + ((await reader.head()).baseFeePerGas ?? 0n))
  },
}

/** geth's feeHistoryResult: empty lists are left out, except gasUsedRatio (null then). */
function formatFeeHistory(history: FeeHistory) {
  const out: Record<string, unknown> = { oldestBlock: quantity(history.oldestBlock) }
  if (history.reward !== null && history.reward.length > 0) out.reward = history.reward.map((row) => row.map(quantity))
  if (history.baseFeePerGas !== null && history.baseFeePerGas.length > 0) out.baseFeePerGas = history.baseFeePerGas.map(quantity)
  out.gasUsedRatio = history.gasUsedRatio
  if (history.baseFeePerBlobGas !== null && history.baseFeePerBlobGas.length > 0) out.baseFeePerBlobGas = history.baseFeePerBlobGas.map(quantity)
  if (history.blobGasUsedRatio !== null && history.blobGasUsedRatio.length > 0) out.blobGasUsedRatio = history.blobGasUsedRatio
  return out
}
