import type { BatchOp, Database } from '../db.js'
import { Prefix, encodeNumber, key } from '../keys.js'

/**
 * Each block's encoded state changes (state/state-changes.ts), keyed by number ++ hash: a block
 * unwound by a reorg keeps its entry, as it keeps its body and receipts, and the number first
 * lets snap retention delete everything below its oldest checkpoint as one range.
 */
export class StateChangesRepository {
  constructor(private readonly db: Database) {}

  putOp(number: bigint, hash: Uint8Array, changes: Uint8Array): BatchOp {
    return { type: 'put', key: key(Prefix.stateChanges, encodeNumber(number), hash), value: changes }
  }

  /** The changes of each block (null where none are stored), in one read. */
  async getMany(blocks: { number: bigint; hash: Uint8Array }[]): Promise<(Uint8Array | null)[]> {
    const values = await this.db.getMany(blocks.map(({ number, hash }) => key(Prefix.stateChanges, encodeNumber(number), hash)))
    return values.map((value) => value ?? null)
  }

  /** Deletes the changes of every block numbered below `number`; returns how many went. */
  async deleteBelow(number: bigint): Promise<number> {
    const range = { gte: key(Prefix.stateChanges, encodeNumber(0n)), lt: key(Prefix.stateChanges, encodeNumber(number)) }
    let deleted = 0
    for await (const _ of this.db.keys(range)) deleted++
    if (deleted > 0) await this.db.clear(range)
    return deleted
  }
}
