import { RLP } from '@ethereumjs/rlp'
import { KECCAK256_NULL, KECCAK256_RLP, bytesToUnprefixedHex, equalsBytes } from '@ethereumjs/util'
import type { Datadir } from '../datadir.js'
import type { BatchOp } from '../storage/db.js'
import { Prefix } from '../storage/keys.js'

/** Code is stored in the node database under 'c' ++ code hash (@ethereumjs/statemanager). */
const CODE_KEY_PREFIX = '63'
const DELETE_BATCH = 10_000

type Node = Uint8Array | Node[]

export interface PruneResult {
  keptNodes: number
  deletedNodes: number
  /** The oldest block whose state is still available. */
  oldest: bigint | null
}

/**
 * Deletes every trie node and code blob that no persisted checkpoint's state reaches (mark and
 * sweep). Nodes still waiting in memory are left alone: they are written with the next checkpoint.
 * Run it between blocks, never while a block is being written.
 */
export async function pruneState(deps: { datadir: Datadir }): Promise<PruneResult> {
  const { store } = deps.datadir
  const checkpoints = await store.checkpoints.all()
  const reachable = new Set<string>()
  for (const checkpoint of checkpoints) await markTrie(deps.datadir, checkpoint.stateRoot, true, reachable)

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
  return { keptNodes: reachable.size, deletedNodes: deleted, oldest: checkpoints[0]?.number ?? null }
}

/** Adds the keys of every node of the trie at `root` (and, for the account trie, storage tries and code) to `reachable`. */
async function markTrie(datadir: Datadir, root: Uint8Array, accounts: boolean, reachable: Set<string>): Promise<void> {
  if (equalsBytes(root, KECCAK256_RLP)) return
  const stack: Node[] = [root]
  while (stack.length > 0) {
    const ref = stack.pop() as Node
    let node: Node
    if (ref instanceof Uint8Array) {
      if (ref.length !== 32) continue // an empty child slot
      const key = bytesToUnprefixedHex(ref)
      if (reachable.has(key)) continue
      reachable.add(key)
      const bytes = await datadir.store.trieNodes.get(key)
      if (bytes === undefined) continue // already missing: nothing to keep
      node = RLP.decode(bytes) as Node
    } else {
      node = ref // an inline node (shorter than 32 bytes)
    }
    if (!Array.isArray(node)) continue
    if (node.length === 17) {
      for (let i = 0; i < 16; i++) stack.push(node[i])
    } else if (node.length === 2) {
      const path = node[0] as Uint8Array
      const isLeaf = (path[0] >> 4) >= 2
      if (!isLeaf) stack.push(node[1])
      else if (accounts) await markAccount(datadir, node[1] as Uint8Array, reachable)
    }
  }
}

async function markAccount(datadir: Datadir, encoded: Uint8Array, reachable: Set<string>): Promise<void> {
  const [, , storageRoot, codeHash] = RLP.decode(encoded) as Uint8Array[]
  if (storageRoot !== undefined && storageRoot.length === 32) await markTrie(datadir, storageRoot, false, reachable)
  if (codeHash !== undefined && codeHash.length === 32 && !equalsBytes(codeHash, KECCAK256_NULL)) {
    reachable.add(CODE_KEY_PREFIX + bytesToUnprefixedHex(codeHash))
  }
}
