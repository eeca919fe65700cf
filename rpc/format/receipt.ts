import type { DerivedReceipt } from '../../src/chain/derived-receipts.js'
import { data, quantity } from './hex.js'
import { formatLog } from './log.js'

/** The block a receipt belongs to. */
export interface ReceiptBlock {
  hash: Uint8Array
  number: bigint
  timestamp: bigint
}

/**
 * geth's marshalReceipt: `root` instead of `status` before Byzantium, blob fields for blob
 * transactions only. Keys in Go's map order (sorted), as geth writes them.
 */
export function formatReceipt(receipt: DerivedReceipt, block: ReceiptBlock): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (receipt.blob !== null) {
    out.blobGasPrice = quantity(receipt.blob.gasPrice)
    out.blobGasUsed = quantity(receipt.blob.gasUsed)
  }
  out.blockHash = data(block.hash)
  out.blockNumber = quantity(block.number)
  out.contractAddress = receipt.contractAddress === null ? null : data(receipt.contractAddress)
  out.cumulativeGasUsed = quantity(receipt.cumulativeGasUsed)
  out.effectiveGasPrice = quantity(receipt.effectiveGasPrice)
  out.from = data(receipt.from)
  out.gasUsed = quantity(receipt.gasUsed)
  out.logs = receipt.logs.map((log, i) =>
    formatLog(log, {
      blockHash: block.hash,
      blockNumber: block.number,
      blockTimestamp: block.timestamp,
      transactionHash: receipt.transactionHash,
      transactionIndex: receipt.transactionIndex,
      logIndex: receipt.firstLogIndex + i,
    }),
  )
  out.logsBloom = data(receipt.logsBloom)
  if (receipt.root !== null) out.root = data(receipt.root)
  else out.status = quantity(receipt.status ?? 0)
  out.to = receipt.to === null ? null : data(receipt.to)
  out.transactionHash = data(receipt.transactionHash)
  out.transactionIndex = quantity(receipt.transactionIndex)
  out.type = quantity(receipt.type)
  return out
}
