import type { BatchDBOp, DB } from '@ethereumjs/util'
import { hexToBytes } from '@ethereumjs/util'
import { AddedKeys, type TrieNodeDB } from './node-db.js'

/**
 * A trie-node database layered over another: reads fall through to `base`, writes stay here.
 * Re-executed historical states and read-only views use one so they never write to the store.
 * `size` counts this layer and the overlays below it, for cache budgets.
 */
export class TrieOverlay implements TrieNodeDB {
  private readonly nodes = new Map<string, Uint8Array>()
  private readonly added = new AddedKeys()
  private bytes = 0

  constructor(readonly base: DB<string, string | Uint8Array>) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.nodes.get(key) ?? ((await this.base.get(key)) as Uint8Array | undefined)
  }

  async put(key: string, value: string | Uint8Array): Promise<void> {
    this.set(key, value)
  }

  async del(_key: string): Promise<void> {}

  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === 'put') this.set(op.key, op.value)
  }

  shallowCopy(): TrieOverlay {
    return this
  }

  async open(): Promise<void> {}

  mark(): number {
    return this.added.mark()
  }

  rollback(mark: number): void {
    for (const key of this.added.since(mark)) {
      const value = this.nodes.get(key)
      if (value !== undefined) this.bytes -= key.length * 2 + value.length + 80
      this.nodes.delete(key)
    }
  }

  /** A node held by this layer itself (not by the layers below), or undefined. */
  ownValue(key: string): Uint8Array | undefined {
    return this.nodes.get(key)
  }

  /** Approximate memory held by this layer and the overlays it sits on, in bytes. */
  get size(): number {
    return this.bytes + (this.base instanceof TrieOverlay ? this.base.size : 0)
  }

  private set(key: string, value: string | Uint8Array): void {
    const bytes = typeof value === 'string' ? hexToBytes(value.startsWith('0x') ? (value as `0x${string}`) : `0x${value}`) : value
    if (!this.nodes.has(key)) {
      this.added.record(key)
      this.bytes += key.length * 2 + bytes.length + 80
    }
    this.nodes.set(key, bytes)
  }
}
