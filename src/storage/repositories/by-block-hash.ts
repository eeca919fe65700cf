import type { BatchOp, Database } from '../db.js'
import { key } from '../keys.js'

/**
 * A repository of raw bytes keyed by block hash. Headers, bodies, receipts and senders each get
 * their own prefix and their own instance (see store.ts); their codecs live with their users.
 */
export class ByBlockHashRepository {
  constructor(
    private readonly db: Database,
    private readonly prefix: number,
  ) {}

  /** Returns the stored bytes, or null if the block is unknown. */
  async get(hash: Uint8Array): Promise<Uint8Array | null> {
    return (await this.db.get(key(this.prefix, hash))) ?? null
  }

  /** The stored bytes of each block (null if unknown), in one read. */
  async getMany(hashes: Uint8Array[]): Promise<(Uint8Array | null)[]> {
    const values = await this.db.getMany(hashes.map((hash) => key(this.prefix, hash)))
    return values.map((value) => value ?? null)
  }

  async has(hash: Uint8Array): Promise<boolean> {
    return (await this.db.get(key(this.prefix, hash))) !== undefined
  }

  putOp(hash: Uint8Array, value: Uint8Array): BatchOp {
    return { type: 'put', key: key(this.prefix, hash), value }
  }

  delOp(hash: Uint8Array): BatchOp {
    return { type: 'del', key: key(this.prefix, hash) }
  }
}
