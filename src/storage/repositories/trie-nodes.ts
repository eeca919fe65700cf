import type { BatchDBOp } from '@ethereumjs/util'
import { hexToBytes } from '@ethereumjs/util'
import { AddedKeys, type TrieNodeDB } from '../../state/node-db.js'
import type { BatchOp, Database } from '../db.js'
import { Prefix, key } from '../keys.js'

/**
 * The @ethereumjs/mpt database adapter over the store's trie-node prefix.
 *
 * Writes do not reach LevelDB directly: they collect in `pending` until the owner drains the
 * ones the checkpoint's state reaches into the atomic batch of a block that becomes a persisted
 * checkpoint. So a checkpoint record and the state it names always land together, and the
 * intermediate states between checkpoints never reach disk. Until then the nodes of every block
 * since the last checkpoint are readable from here, so those states need no re-execution.
 * Trie nodes are content-addressed and never deleted here (pruning is state/pruner.ts's job).
 */
export class TrieNodeRepository implements TrieNodeDB {
  private pending = new Map<string, Uint8Array>()
  /** Drained into a batch whose write has not completed yet: still readable from here. */
  private inFlight = new Map<string, Uint8Array>()
  private readonly added = new AddedKeys()
  private bytes = 0

  /** `db` null: a throwaway in-memory trie (e.g. to compute a genesis root without storing it). */
  constructor(private readonly db: Database | null) {}

  async get(k: string): Promise<Uint8Array | undefined> {
    // A synchronous read: nodes are small and mostly in LevelDB's or the OS's cache, where the
    // thread-pool round trip of an asynchronous get costs more than the read (and execution, which
    // reads node by node, has nothing else to do meanwhile).
    return this.pending.get(k) ?? this.inFlight.get(k) ?? this.db?.getSync(this.dbKey(k))
  }

  async put(k: string, value: string | Uint8Array): Promise<void> {
    this.set(k, toBytes(value))
  }

  async del(_k: string): Promise<void> {
    // Nodes are shared between state roots; deleting one could break an older root.
  }

  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === 'put') this.set(op.key, toBytes(op.value))
  }

  shallowCopy(): TrieNodeRepository {
    return this
  }

  async open(): Promise<void> {}

  mark(): number {
    return this.added.mark()
  }

  rollback(mark: number): void {
    for (const k of this.added.since(mark)) {
      const value = this.pending.get(k)
      if (value !== undefined) this.bytes -= entrySize(k, value)
      this.pending.delete(k)
    }
  }

  /** Approximate memory held by nodes waiting for the next persisted checkpoint. */
  get pendingBytes(): number {
    return this.bytes
  }

  /** Whether `k` waits in memory (pending or in flight), so a sweep must not delete it. */
  isPending(k: string): boolean {
    return this.pending.has(k) || this.inFlight.has(k)
  }

  /** A node waiting in memory, or undefined. */
  pendingValue(k: string): Uint8Array | undefined {
    return this.pending.get(k)
  }

  /**
   * Turns the pending nodes named by `keep` (all of them if omitted) into batch operations and
   * forgets every pending node. All of them stay readable until `markWritten()` is called once
   * the batch holding the kept ones is on disk.
   */
  drainOps(keep?: Iterable<string>): BatchOp[] {
    const ops: BatchOp[] = []
    for (const k of keep ?? this.pending.keys()) {
      const value = this.pending.get(k)
      if (value === undefined) continue
      ops.push({ type: 'put', key: this.dbKey(k), value })
    }
    // Every pending node stays readable until the batch is on disk, the dropped ones too: until
    // the checkpoint record lands, the state provider still reads the intermediate states of
    // this interval straight from here, and a node missing there reads as an absent account.
    for (const [k, value] of this.pending) this.inFlight.set(k, value)
    this.pending = new Map()
    this.added.clear()
    this.bytes = 0
    return ops
  }

  markWritten(): void {
    this.inFlight = new Map()
  }

  /** The store key of a node-database key (hex string). */
  dbKey(k: string): Uint8Array {
    return key(Prefix.trieNode, hexToBytes(`0x${k}`))
  }

  private set(k: string, value: Uint8Array): void {
    if (!this.pending.has(k)) {
      this.added.record(k)
      this.bytes += entrySize(k, value)
    }
    this.pending.set(k, value)
  }
}

function entrySize(k: string, value: Uint8Array): number {
  return k.length * 2 + value.length + 80
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? hexToBytes(value.startsWith('0x') ? (value as `0x${string}`) : `0x${value}`) : value
}
