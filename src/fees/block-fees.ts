import type { BlockHeader } from '@ethereumjs/block'

/** EIP-1559's INITIAL_BASE_FEE: the base fee of the first London block. */
export const INITIAL_BASE_FEE = 1_000_000_000n

/**
 * The base fee of the block after `header` (geth's CalcBaseFee with this header as parent), or
 * null when that block is still before London.
 */
export function nextBaseFee(header: BlockHeader): bigint | null {
  if (header.baseFeePerGas !== undefined) return header.calcNextBaseFee()
  const london = header.common.hardforkBlock('london')
  return london !== null && header.number + 1n >= london ? INITIAL_BASE_FEE : null
}

/** The blob base fee a block's blob transactions paid (geth's CalcBlobFee), or null before Cancun. */
export function blobBaseFee(header: BlockHeader): bigint | null {
  return header.excessBlobGas === undefined ? null : header.getBlobGasPrice()
}

/**
 * The blob base fee of the block after `header`, computed under this header's fork (as geth's
 * fee history does: the next block's fork is not known from the header alone), or null before
 * Cancun.
 */
export function nextBlobBaseFee(header: BlockHeader): bigint | null {
  return header.excessBlobGas === undefined ? null : header.calcNextBlobGasPrice(header.common)
}

/** The most blob gas a block of this header's fork may use; 0 before Cancun. */
export function maxBlobGasPerBlock(header: BlockHeader): bigint {
  return header.excessBlobGas === undefined ? 0n : header.common.getBlobGasSchedule().maxBlobGasPerBlock
}
