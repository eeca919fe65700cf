import { equalsBytes } from '@ethereumjs/util'
import { effectiveGasTip } from '../chain/tx-fees.js'
import type { Reader } from '../reader.js'

/** geth's gas price oracle settings (ethconfig.FullNodeGPO and the miner's default price). */
export interface GasPriceOracleOptions {
  /** Recent blocks sampled (--gpo.blocks). */
  blocks: number
  /** Percentile of the sampled tips suggested (--gpo.percentile). */
  percentile: number
  /** Tips below this are ignored as noise (--gpo.ignoreprice). */
  ignorePrice: bigint
  /** The suggestion never exceeds this (--gpo.maxprice). */
  maxPrice: bigint
  /** Stands in for a block with no usable tip (geth's last suggestion, initially --miner.gasprice). */
  defaultPrice: bigint
}

export const defaultGasPriceOracleOptions: GasPriceOracleOptions = {
  blocks: 20,
  percentile: 60,
  ignorePrice: 2n,
  maxPrice: 500_000_000_000n,
  defaultPrice: 1_000_000n,
}

/** Lowest tips taken from each block (geth's sampleNumber). */
const SAMPLES_PER_BLOCK = 3

/**
 * The suggested priority fee (eth_maxPriorityFeePerGas), as geth's oracle computes it: the
 * three lowest effective tips of each of the last `blocks` blocks (ignoring tips under
 * `ignorePrice` and the block producer's own transactions), the `percentile`-th of them all,
 * capped at `maxPrice`. A block that yields no tip counts as `defaultPrice` and makes the oracle
 * look one block further back, up to twice `blocks` in all.
 *
 * Unlike geth, nothing is remembered between calls: where geth substitutes its previous answer,
 * this uses `defaultPrice`, so the answer depends on the chain alone (it equals geth's first
 * answer after a restart).
 */
export async function suggestTipCap(reader: Reader, options: GasPriceOracleOptions = defaultGasPriceOracleOptions): Promise<bigint> {
  const head = await reader.head()
  let next = head.number
  const queue: bigint[] = []
  for (let i = 0; i < options.blocks && next > 0n; i++) queue.push(next--)
  const samples: bigint[] = []
  while (queue.length > 0) {
    let values = await lowestTips(reader, queue.shift() as bigint, options.ignorePrice)
    if (values.length === 0) values = [options.defaultPrice]
    // geth fetches blocks concurrently and extends in arrival order; newest first here
    if (values.length === 1 && samples.length + 1 + queue.length < options.blocks * 2 && next > 0n) queue.push(next--)
    samples.push(...values)
  }
  samples.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const price = samples.length === 0 ? options.defaultPrice : samples[Math.floor(((samples.length - 1) * options.percentile) / 100)]
  return price > options.maxPrice ? options.maxPrice : price
}

async function lowestTips(reader: Reader, number: bigint, ignoreUnder: bigint): Promise<bigint[]> {
  const view = await reader.blockByNumber(number)
  if (view === null) return []
  const { header } = view
  const coinbase = header.coinbase.bytes
  const txs = view.block.transactions
    .map((tx, i) => ({ tip: effectiveGasTip(tx, header.baseFeePerGas), sender: view.senders[i] }))
    .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0))
  const tips: bigint[] = []
  for (const { tip, sender } of txs) {
    if (tip < ignoreUnder || equalsBytes(sender, coinbase)) continue
    tips.push(tip)
    if (tips.length >= SAMPLES_PER_BLOCK) break
  }
  return tips
}
