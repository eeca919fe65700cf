import type { BatchOp, Database } from '../db.js'
import { Prefix, decodeNumber, encodeNumber, key } from '../keys.js'

/** An `Anchored` event read from the L1 anchor contract. */
export interface StoredAnchor {
  /** The L2 block it anchors. */
  number: bigint
  blockHash: Uint8Array
  stateRoot: Uint8Array
  /** The L1 block the event is in. */
  l1Block: bigint
  l1BlockHash: Uint8Array
}

/** Anchors by L2 block number (block hash ++ state root ++ L1 number ++ L1 hash). */
export class AnchorRepository {
  constructor(private readonly db: Database) {}

  putOp(anchor: StoredAnchor): BatchOp {
    const value = new Uint8Array(32 + 32 + 8 + 32)
    value.set(anchor.blockHash, 0)
    value.set(anchor.stateRoot, 32)
    value.set(encodeNumber(anchor.l1Block), 64)
    value.set(anchor.l1BlockHash, 72)
    return { type: 'put', key: key(Prefix.anchor, encodeNumber(anchor.number)), value }
  }

  delOp(number: bigint): BatchOp {
    return { type: 'del', key: key(Prefix.anchor, encodeNumber(number)) }
  }

  /** Anchors of L2 blocks in [from, to], in block order. */
  async range(from: bigint, to: bigint): Promise<StoredAnchor[]> {
    const out: StoredAnchor[] = []
    for await (const [k, value] of this.db.iterator({ gte: key(Prefix.anchor, encodeNumber(from)), lte: key(Prefix.anchor, encodeNumber(to)) })) {
      out.push({
        number: decodeNumber(k, 1),
        blockHash: value.slice(0, 32),
        stateRoot: value.slice(32, 64),
        l1Block: decodeNumber(value, 64),
        l1BlockHash: value.slice(72, 104),
      })
    }
    return out
  }
}
