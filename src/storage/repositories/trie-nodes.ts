import type { BatchDBOp, DB } from '@ethereumjs/util'
import { hexToBytes } from '@ethereumjs/util'
import type { BatchOp, Database } from '../db.js'
import { Prefix, key } from '../keys.js'

/**
 * The @ethereumjs/mpt database adapter over the store's trie-node prefix.
 *
 * Writes do not reach LevelDB directly: they collect in `pending` until the owner drains them
 * into the same atomic batch as the block whose state they belong to. So the head pointer and
 * the state it points at always land together, and a failed block's nodes are simply dropped.
 * Trie nodes are content-addressed and never deleted here, so sharing between roots is free.
 */
export class TrieNodeRepository implements DB<string, string | Uint8Array> {
  private pending = new Map<string, Uint8Array>()
  /** Drained into a batch whose write has not completed yet: still readable from here. */
  private inFlight = new Map<string, Uint8Array>()

  /** `db` null: a throwaway in-memory trie (e.g. to compute a genesis root without storing it). */
  constructor(private readonly db: Database | null) {}

  async get(k: string): Promise<Uint8Array | undefined> {
    return this.pending.get(k) ?? this.inFlight.get(k) ?? (await this.db?.get(this.dbKey(k)))
  }

  async put(k: string, value: string | Uint8Array): Promise<void> {
    this.pending.set(k, toBytes(value))
  }

  async del(_k: string): Promise<void> {
    // Nodes are shared between state roots; deleting one could break an older root. Pruning is
    // done by the retention layer, never by the trie.
  }

  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === 'put') this.pending.set(op.key, toBytes(op.value))
  }

  shallowCopy(): DB<string, string | Uint8Array> {
    return this
  }

  async open(): Promise<void> {}

  /** Number of node writes waiting for the next block batch. */
  get pendingCount(): number {
    return this.pending.size
  }

  /**
   * Moves every pending write into batch operations. The nodes stay readable until
   * `markWritten()` is called once the batch holding them is on disk.
   */
  drainOps(): BatchOp[] {
    const ops: BatchOp[] = []
    for (const [k, value] of this.pending) {
      ops.push({ type: 'put', key: this.dbKey(k), value })
      this.inFlight.set(k, value)
    }
    this.pending = new Map()
    return ops
  }

  markWritten(): void {
    this.inFlight = new Map()
  }

  /** Drops pending writes (of a block that failed verification). */
  discardPending(): void {
    this.pending = new Map()
  }

  private dbKey(k: string): Uint8Array {
    return key(Prefix.trieNode, hexToBytes(`0x${k}`))
  }
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? hexToBytes(value.startsWith('0x') ? (value as `0x${string}`) : `0x${value}`) : value
}
