import type { BatchDBOp, DB } from '@ethereumjs/util'
import { hexToBytes } from '@ethereumjs/util'

/**
 * A trie-node database layered over another: reads fall through to `base`, writes stay here.
 * States materialized for queries (a call's scratch state, a re-executed historical state) use
 * one so they never write to the store. `size` is the bytes held, for cache budgets.
 */
export class TrieOverlay implements DB<string, string | Uint8Array> {
  private readonly nodes = new Map<string, Uint8Array>()
  private bytes = 0

  constructor(private readonly base: DB<string, string | Uint8Array>) {}

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

  shallowCopy(): DB<string, string | Uint8Array> {
    return this
  }

  async open(): Promise<void> {}

  /** Approximate memory held by this layer's nodes, in bytes. */
  get size(): number {
    return this.bytes
  }

  private set(key: string, value: string | Uint8Array): void {
    const bytes = typeof value === 'string' ? hexToBytes(value.startsWith('0x') ? (value as `0x${string}`) : `0x${value}`) : value
    if (!this.nodes.has(key)) this.bytes += key.length + bytes.length + 64
    this.nodes.set(key, bytes)
  }
}
