import type { Block } from '@ethereumjs/block'
import { TransactionType } from '@ethereumjs/tx'
import { bigIntToUnpaddedBytes, generateAddress } from '@ethereumjs/util'
import type { LogRecord, StoredReceipt } from './receipts.js'
import { BLOB_GAS_PER_BLOB, blobHashes, effectiveGasPrice } from './tx-fees.js'

/**
 * A receipt with the fields geth derives from its block (core/types DeriveFields): what the
 * receipts root does not commit to but every client expects.
 */
export interface DerivedReceipt {
  type: number
  /** 1 / 0 after Byzantium; null before it, where `root` is set. */
  status: 0 | 1 | null
  root: Uint8Array | null
  cumulativeGasUsed: bigint
  /** This transaction's own gas: the difference of consecutive cumulative values. */
  gasUsed: bigint
  logsBloom: Uint8Array
  logs: LogRecord[]
  /** Block-wide index of this receipt's first log. */
  firstLogIndex: number
  transactionHash: Uint8Array
  transactionIndex: number
  from: Uint8Array
  to: Uint8Array | null
  /** The created address for a contract creation (even a failed one), else null. */
  contractAddress: Uint8Array | null
  effectiveGasPrice: bigint
  /** Blob gas used and the block's blob gas price, for blob transactions only. */
  blob: { gasUsed: bigint; gasPrice: bigint } | null
}

/**
 * Derives every receipt of a block. `senders` are the recovered senders stored at import, in
 * transaction order; `receipts` the block's stored receipts, one per transaction.
 */
export function deriveReceipts(block: Block, senders: Uint8Array[], receipts: StoredReceipt[]): DerivedReceipt[] {
  const { header } = block
  const blobGasPrice = header.excessBlobGas === undefined ? null : header.getBlobGasPrice()
  const gasUsed = receiptGasUsed(receipts)
  let logIndex = 0
  return receipts.map((receipt, i) => {
    const tx = block.transactions[i]
    const from = senders[i]
    const blobCount = BigInt(blobHashes(tx).length)
    const derived: DerivedReceipt = {
      ...receipt,
      gasUsed: gasUsed[i],
      firstLogIndex: logIndex,
      transactionHash: tx.hash(),
      transactionIndex: i,
      from,
      to: tx.to?.bytes ?? null,
      contractAddress: tx.to === undefined ? generateAddress(from, bigIntToUnpaddedBytes(tx.nonce)) : null,
      effectiveGasPrice: effectiveGasPrice(tx, header.baseFeePerGas),
      blob: tx.type === TransactionType.BlobEIP4844 && blobGasPrice !== null ? { gasUsed: blobCount * BLOB_GAS_PER_BLOB, gasPrice: blobGasPrice } : null,
    }
    logIndex += receipt.logs.length
    return derived
  })
}

/** Each transaction's own gas: the differences of the receipts' cumulative gas. */
export function receiptGasUsed(receipts: StoredReceipt[]): bigint[] {
  return receipts.map((receipt, i) => receipt.cumulativeGasUsed - (i === 0 ? 0n : receipts[i - 1].cumulativeGasUsed))
}
