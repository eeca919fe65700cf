import type { BatchOp, Database } from '../db.js'
import { Prefix, encodeNumber, key } from '../keys.js'

/** Canonical chain: block number -> block hash. */
export class CanonicalRepository {
  constructor(private readonly db: Database) {}

  /** Returns the canonical hash at `number`, or null past the head. */
  async get(number: bigint): Promise<Uint8Array | null> {
    return (await this.db.get(key(Prefix.canonical, encodeNumber(number)))) ?? null
  }

  /** The canonical hashes at `numbers` (null past the head), in one read. */
  async getMany(numbers: bigint[]): Promise<(Uint8Array | null)[]> {
    const values = await this.db.getMany(numbers.map((number) => key(Prefix.canonical, encodeNumber(number))))
    return values.map((value) => value ?? null)
  }

  putOp(number: bigint, hash: Uint8Array): BatchOp {
    return { type: 'put', key: key(Prefix.canonical, encodeNumber(number)), value: hash }
  }

  delOp(number: bigint): BatchOp {
    return { type: 'del', key: key(Prefix.canonical, encodeNumber(number)) }
  }
}
