import { bytesToUnprefixedHex } from '@ethereumjs/util'
import type { Datadir } from '../datadir.js'
import type { BatchOp } from '../storage/db.js'
import { Prefix } from '../storage/keys.js'
import { walkStateTrie } from './trie-walk.js'

const DELETE_BATCH = 10_000

export interface PruneResult {
  keptNodes: number
  deletedNodes: number
  /** Blocks whose stored state changes went: no kept checkpoint lies below them. */
  deletedChanges: number
  /** The oldest block whose state is still available. */
  oldest: bigint | null
}

/**
 * Deletes every trie node and code blob that no persisted checkpoint's state reaches (mark and
 * sweep), and the state changes of the blocks at or below the oldest checkpoint (a state is
 * rebuilt from the checkpoint below it, so theirs are never replayed again). Nodes still waiting
 * in memory are left alone: they are written with the next checkpoint. Run it between blocks, never while a block is being written.
 */
export async function pruneState(deps: { datadir: Datadir }): Promise<PruneResult> {
  const { store } = deps.datadir
  const checkpoints = await store.checkpoints.all()
  const reachable = new Set<string>()
  for (const checkpoint of checkpoints) {
    await walkStateTrie(checkpoint.stateRoot, {
      async enter(key) {
        if (reachable.has(key)) return undefined
        reachable.add(key)
        return store.trieNodes.get(key)
      },
      code: (key) => reachable.add(key),
    })
  }

  let deleted = 0
  let ops: BatchOp[] = []
  for await (const key of store.db.keys({ gte: Uint8Array.of(Prefix.trieNode), lt: Uint8Array.of(Prefix.trieNode + 1) })) {
    const nodeKey = bytesToUnprefixedHex(key.subarray(1))
    if (reachable.has(nodeKey) || store.trieNodes.isPending(nodeKey)) continue
    ops.push({ type: 'del', key })
    deleted++
    if (ops.length >= DELETE_BATCH) {
      await store.write(ops)
      ops = []
    }
  }
  if (ops.length > 0) await store.write(ops)
  const oldest = checkpoints[0]?.number ?? null
  const deletedChanges = oldest === null ? 0 : await store.stateChanges.deleteBelow(oldest + 1n)
  return { keptNodes: reachable.size, deletedNodes: deleted, deletedChanges, oldest }
}
