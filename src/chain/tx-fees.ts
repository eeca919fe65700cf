import type { TypedTransaction } from '@ethereumjs/tx'
import { type PrefixedHexString, bytesToHex } from '@ethereumjs/util'

/** Blob gas one blob consumes (EIP-4844's GAS_PER_BLOB), unchanged by every fork so far. */
export const BLOB_GAS_PER_BLOB = 131072n

/** The most a transaction pays per gas in total: gasPrice for legacy / 2930, maxFeePerGas after. */
export function gasFeeCap(tx: TypedTransaction): bigint {
  return 'maxFeePerGas' in tx ? tx.maxFeePerGas : tx.gasPrice
}

/** The most a transaction tips per gas: gasPrice for legacy / 2930, maxPriorityFeePerGas after. */
export function gasTipCap(tx: TypedTransaction): bigint {
  return 'maxPriorityFeePerGas' in tx ? tx.maxPriorityFeePerGas : tx.gasPrice
}

/**
 * What the block producer earns per gas (geth's EffectiveGasTip): the tip cap before London,
 * min(tip cap, fee cap - base fee) after. A valid block never has fee cap < base fee.
 */
export function effectiveGasTip(tx: TypedTransaction, baseFee: bigint | undefined): bigint {
  const tipCap = gasTipCap(tx)
  if (baseFee === undefined) return tipCap
  const room = gasFeeCap(tx) - baseFee
  return tipCap < room ? tipCap : room
}

/** What the sender paid per gas (a receipt's effectiveGasPrice): base fee + effective tip. */
export function effectiveGasPrice(tx: TypedTransaction, baseFee: bigint | undefined): bigint {
  if (baseFee === undefined) return gasFeeCap(tx)
  return baseFee + effectiveGasTip(tx, baseFee)
}

/** Versioned hashes of a blob transaction's blobs, as hex; empty for every other type. */
export function blobHashes(tx: TypedTransaction): PrefixedHexString[] {
  if (!('blobVersionedHashes' in tx)) return []
  // ethereumjs' interface says bytes, its Blob4844Tx class holds hex: accept both
  return (tx.blobVersionedHashes as (Uint8Array | PrefixedHexString)[]).map((h) => (typeof h === 'string' ? h : bytesToHex(h)))
}
