import type { BatchOp } from './db.js'
import type { IndexedLog } from './repositories/log-index.js'
import type { Store } from './store.js'

/** A verified block, already encoded for storage. */
export interface EncodedBlock {
  number: bigint
  hash: Uint8Array
  header: Uint8Array
  body: Uint8Array
  /** 20 bytes per transaction, in block order. */
  senders: Uint8Array
  /** RLP list of the consensus-encoded receipts. */
  receipts: Uint8Array
  /** The block's encoded state changes (state/state-changes.ts), where retention keeps them. */
  stateChanges: Uint8Array | null
  txHashes: Uint8Array[]
  logs: IndexedLog[]
}

/**
 * The operations that store one block and make it the canonical head: header, body, senders,
 * receipts, state changes, tx index, log index, number <-> hash, then `extra` (e.g. its state's trie nodes),
 * and the head pointer last. Written in one batch, a crash leaves either all of it or none.
 */
export function blockWriteOps(store: Store, block: EncodedBlock, extra: BatchOp[] = []): BatchOp[] {
  const ops: BatchOp[] = [
    store.headers.putOp(block.hash, block.header),
    store.bodies.putOp(block.hash, block.body),
    store.senders.putOp(block.hash, block.senders),
    store.receipts.putOp(block.hash, block.receipts),
    store.blockNumbers.putOp(block.hash, block.number),
  ]
  if (block.stateChanges !== null) ops.push(store.stateChanges.putOp(block.number, block.hash, block.stateChanges))
  block.txHashes.forEach((txHash, index) => ops.push(store.txLookup.putOp(txHash, { blockHash: block.hash, index })))
  ops.push(...store.logIndex.putOps(block.number, block.logs))
  ops.push(store.canonical.putOp(block.number, block.hash))
  ops.push(...extra)
  ops.push(store.meta.putOp('head', block.hash))
  return ops
}
