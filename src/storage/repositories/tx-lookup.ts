import type { BatchOp, Database } from '../db.js'
import { Prefix, key } from '../keys.js'

export interface TxLocation {
  blockHash: Uint8Array
  index: number
}

/** Transaction hash -> (block hash, index in block). */
export class TxLookupRepository {
  constructor(private readonly db: Database) {}

  /** Returns where the transaction was included, or null if we never stored it. */
  async get(txHash: Uint8Array): Promise<TxLocation | null> {
    const value = await this.db.get(key(Prefix.txLookup, txHash))
    if (value === undefined) return null
    return { blockHash: value.slice(0, 32), index: new DataView(value.buffer, value.byteOffset + 32, 4).getUint32(0) }
  }

  putOp(txHash: Uint8Array, location: TxLocation): BatchOp {
    const value = new Uint8Array(36)
    value.set(location.blockHash, 0)
    new DataView(value.buffer).setUint32(32, location.index)
    return { type: 'put', key: key(Prefix.txLookup, txHash), value }
  }

  delOp(txHash: Uint8Array): BatchOp {
    return { type: 'del', key: key(Prefix.txLookup, txHash) }
  }
}
