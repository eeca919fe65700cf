import type { BatchOp, Database } from '../db.js'
import { Prefix, decodeNumber, encodeNumber, key } from '../keys.js'

/** A persisted checkpoint: a block whose whole state is in the store. */
export interface PersistedCheckpoint {
  number: bigint
  hash: Uint8Array
  stateRoot: Uint8Array
}

/** Persisted checkpoints by block number (hash ++ our state root). */
export class CheckpointRepository {
  constructor(private readonly db: Database) {}

  putOp(checkpoint: PersistedCheckpoint): BatchOp {
    const value = new Uint8Array(64)
    value.set(checkpoint.hash, 0)
    value.set(checkpoint.stateRoot, 32)
    return { type: 'put', key: key(Prefix.checkpoint, encodeNumber(checkpoint.number)), value }
  }

  delOp(number: bigint): BatchOp {
    return { type: 'del', key: key(Prefix.checkpoint, encodeNumber(number)) }
  }

  async get(number: bigint): Promise<PersistedCheckpoint | null> {
    const value = await this.db.get(key(Prefix.checkpoint, encodeNumber(number)))
    return value === undefined ? null : decode(number, value)
  }

  /** The newest checkpoint at or below `number`, or null. */
  async atOrBelow(number: bigint): Promise<PersistedCheckpoint | null> {
    for await (const [k, value] of this.db.iterator({
      gte: key(Prefix.checkpoint, encodeNumber(0n)),
      lte: key(Prefix.checkpoint, encodeNumber(number)),
      reverse: true,
      limit: 1,
    })) {
      return decode(decodeNumber(k, 1), value)
    }
    return null
  }

  /** Every checkpoint, oldest first. */
  async all(): Promise<PersistedCheckpoint[]> {
    const out: PersistedCheckpoint[] = []
    for await (const [k, value] of this.db.iterator({
      gte: key(Prefix.checkpoint, encodeNumber(0n)),
      lte: key(Prefix.checkpoint, encodeNumber(0xffffffffffffffffn)),
    })) {
      out.push(decode(decodeNumber(k, 1), value))
    }
    return out
  }
}

function decode(number: bigint, value: Uint8Array): PersistedCheckpoint {
  return { number, hash: value.slice(0, 32), stateRoot: value.slice(32, 64) }
}
