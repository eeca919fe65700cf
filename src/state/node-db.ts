import type { DB } from '@ethereumjs/util'

/**
 * A trie-node database the executor writes to: the store's pending writes, or an in-memory
 * overlay for a re-executed historical state. `mark()` / `rollback(mark)` drop the nodes a
 * failed block wrote, so they never reach a batch or a cache.
 */
export interface TrieNodeDB extends DB<string, string | Uint8Array> {
  /** A position in the write log. */
  mark(): number
  /** Forgets every node first written after `mark`. */
  rollback(mark: number): void
}

/** Write log of newly added keys, shared by TrieNodeDB implementations. */
export class AddedKeys {
  private keys: string[] = []

  record(key: string): void {
    this.keys.push(key)
  }

  mark(): number {
    return this.keys.length
  }

  /** Removes and returns the keys added after `mark`. */
  since(mark: number): string[] {
    return this.keys.splice(mark)
  }

  clear(): void {
    this.keys = []
  }
}
