import { RLP } from '@ethereumjs/rlp'
import { bytesToBigInt } from '@ethereumjs/util'

export interface LogRecord {
  address: Uint8Array
  topics: Uint8Array[]
  data: Uint8Array
}

/** A consensus receipt as stored: what the receipts root commits to, nothing derived. */
export interface StoredReceipt {
  type: number
  /** 1 / 0 after Byzantium; null before it, where `root` holds the post-transaction state root. */
  status: 0 | 1 | null
  root: Uint8Array | null
  cumulativeGasUsed: bigint
  logsBloom: Uint8Array
  logs: LogRecord[]
}

/** Decodes one consensus-encoded receipt (EIP-2718 typed or legacy RLP). */
export function decodeReceipt(encoded: Uint8Array): StoredReceipt {
  const typed = encoded[0] < 0xc0
  const type = typed ? encoded[0] : 0
  const [statusOrRoot, cumulative, bloom, logs] = RLP.decode(typed ? encoded.subarray(1) : encoded) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    [Uint8Array, Uint8Array[], Uint8Array][],
  ]
  const isRoot = statusOrRoot.length === 32
  return {
    type,
    status: isRoot ? null : statusOrRoot.length === 0 || statusOrRoot[0] === 0 ? 0 : 1,
    root: isRoot ? statusOrRoot : null,
    cumulativeGasUsed: bytesToBigInt(cumulative),
    logsBloom: bloom,
    logs: logs.map(([address, topics, data]) => ({ address, topics, data })),
  }
}

/** Splits the stored RLP list of encoded receipts. */
export function splitReceipts(stored: Uint8Array): Uint8Array[] {
  return RLP.decode(stored) as Uint8Array[]
}
