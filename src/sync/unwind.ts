import type { BlockHeader } from '@ethereumjs/block'
import { equalsBytes } from '@ethereumjs/util'
import { decodeReceipt, splitReceipts } from '../chain/receipts.js'
import type { Datadir } from '../datadir.js'
import { DatadirError } from '../errors.js'
import type { BatchOp } from '../storage/db.js'

/**
 * The operations that make `ancestor` the head again: for every canonical block above it, its
 * number -> hash entry, its transactions' lookups, its log-index entries and any persisted
 * checkpoint record go; the head pointer moves last. The dropped blocks' headers, bodies and
 * receipts stay reachable by hash, as side-chain blocks are in geth. Returns the dropped hashes,
 * newest first.
 */
export async function unwindOps(datadir: Datadir, head: BlockHeader, ancestor: BlockHeader): Promise<{ ops: BatchOp[]; dropped: Uint8Array[] }> {
  const { store } = datadir
  const ops: BatchOp[] = []
  const dropped: Uint8Array[] = []
  for (let n = head.number; n > ancestor.number; n--) {
    const hash = await store.canonical.get(n)
    if (hash === null) throw new DatadirError({ code: 'CORRUPT', reason: `no canonical block at ${n} below the head ${head.number}` })
    dropped.push(hash)
    ops.push(store.canonical.delOp(n))
    for (const txHash of await transactionHashes(datadir, hash)) {
      const location = await store.txLookup.get(txHash)
      if (location !== null && equalsBytes(location.blockHash, hash)) ops.push(store.txLookup.delOp(txHash))
    }
    const receipts = await store.receipts.get(hash)
    if (receipts !== null) {
      const logs = splitReceipts(receipts).flatMap((encoded) => decodeReceipt(encoded).logs)
      ops.push(...store.logIndex.delOps(n, logs))
    }
    if ((await store.checkpoints.get(n)) !== null) ops.push(store.checkpoints.delOp(n))
  }
  ops.push(store.meta.putOp('head', ancestor.hash()))
  return { ops, dropped }
}

async function transactionHashes(datadir: Datadir, blockHash: Uint8Array): Promise<Uint8Array[]> {
  const [header, body] = await Promise.all([datadir.store.headers.get(blockHash), datadir.store.bodies.get(blockHash)])
  if (header === null || body === null) return []
  return datadir.codec.decodeStoredBlock(header, body).transactions.map((tx) => tx.hash())
}
