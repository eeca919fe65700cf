import type { BatchOp, Database } from '../db.js'
import { Prefix, decodeNumber, encodeNumber, key } from '../keys.js'

/** Block hash -> block number, for every stored block (canonical or not). */
export class BlockNumberRepository {
  constructor(private readonly db: Database) {}

  async get(hash: Uint8Array): Promise<bigint | null> {
    const value = await this.db.get(key(Prefix.blockNumber, hash))
    return value === undefined ? null : decodeNumber(value)
  }

  putOp(hash: Uint8Array, number: bigint): BatchOp {
    return { type: 'put', key: key(Prefix.blockNumber, hash), value: encodeNumber(number) }
  }

  delOp(hash: Uint8Array): BatchOp {
    return { type: 'del', key: key(Prefix.blockNumber, hash) }
  }
}
