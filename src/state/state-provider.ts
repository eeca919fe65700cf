import type { BlockHeader } from '@ethereumjs/block'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { LRUCache } from 'lru-cache'
import type { Datadir } from '../datadir.js'
import { DatadirError, StateError } from '../errors.js'
import { BlockExecutor } from '../execution/block-executor.js'
import { createCompatMode } from '../execution/compat-modes.js'
import type { Logger } from '../log.js'
import { headerAt, storedBlocks } from './live-state.js'
import type { StateOptions } from './retention.js'
import { keccak256 } from '../chain/keccak.js'
import { applyStateChanges, decodeStateChanges, foldStateChanges } from './state-changes.js'
import { StateTrie } from './state-trie.js'
import { TrieOverlay } from './trie-overlay.js'
import { walkStateTrie } from './trie-walk.js'
import { StateView, type TrieDB } from './state-view.js'

export interface StateProvider {
  /** The state after `header` (a stored canonical block). Throws StateError if it cannot be had. */
  stateAt(header: BlockHeader): Promise<StateView>
  /**
   * Rebuilds the newest persisted checkpoint's state from the one before it by replaying the
   * stored changes in between, and checks it against that checkpoint's state root; caches
   * nothing. Run in the background at start: a state-change log that no longer rebuilds shows in
   * the log at once instead of at the first historical query (which would re-execute), and the
   * first queries after a restart find the rebuild path compiled and the tries' upper nodes read.
   * Null where there is nothing to check (archival, fewer than two checkpoints, no changes).
   */
  checkStoredChanges(): Promise<StoredChangesCheck | null>
}

export interface StoredChangesCheck {
  from: bigint
  to: bigint
  ok: boolean
  ms: number
}

/** A state a rebuild starts from: a persisted checkpoint's or a cached rebuilt one. */
interface BaseState {
  number: bigint
  root: Uint8Array
  nodes: TrieDB
}

/** A rebuilt state: its root and the nodes the rebuild wrote. */
interface MaterializedState {
  number: bigint
  root: Uint8Array
  nodes: TrieOverlay
}

export interface StateProviderOptions extends Pick<StateOptions, 'stateCacheBytes'> {
  /**
   * How a state between persisted checkpoints is rebuilt: 'replay' the blocks' stored state
   * changes where every block has them, else re-execute (the default); 'execute' always
   * re-executes (bench:materialize compares the two).
   */
  rebuild?: 'replay' | 'execute'
}

/**
 * Historical state. A block's state is read straight from the store when it is a persisted
 * checkpoint or newer than the last one (those nodes wait in memory with the live state);
 * otherwise it is rebuilt from the nearest persisted checkpoint below it (or a nearer cached
 * state): by replaying the state changes each block in between wrote when it was verified (stored
 * with the block, see state-changes.ts), or, for blocks stored without them, by re-executing the
 * blocks. Either way the rebuilt root must equal the block's header state root. Rebuilt states
 * live in an LRU cache with a byte budget, and concurrent requests for one block share one
 * rebuild.
 *
 * The caller keeps a LiveState open on the datadir: it holds the nodes of the blocks stored
 * since the last persisted checkpoint.
 */
export function createStateProvider(options: StateProviderOptions, deps: { datadir: Datadir; log: Logger }): StateProvider {
  const { datadir, log } = deps
  const { store } = datadir
  const cache = new LRUCache<string, MaterializedState>({
    maxSize: Math.max(1, options.stateCacheBytes),
    sizeCalculation: (state) => Math.max(1, state.nodes.size),
  })
  const inFlight = new Map<string, Promise<MaterializedState>>()

  const view = (header: BlockHeader, root: Uint8Array, nodes: TrieDB) =>
    new StateView(header, root, nodes, datadir.chain.forkCommon(header.number, header.timestamp))

  async function materialize(header: BlockHeader): Promise<MaterializedState> {
    const checkpoint = await store.checkpoints.atOrBelow(header.number)
    if (checkpoint === null) {
      const oldest = (await store.checkpoints.all())[0]?.number ?? null
      throw new StateError({ code: 'STATE_PRUNED', number: header.number, oldest })
    }
    // start from the nearest state we have: a cached one above the checkpoint, or the checkpoint
    let from: BaseState = { number: checkpoint.number, root: checkpoint.stateRoot, nodes: store.trieNodes }
    const candidates = [...cache.entries()]
      .filter(([, state]) => state.number > checkpoint.number && state.number < header.number)
      .sort(([, a], [, b]) => (a.number > b.number ? -1 : 1))
    for (const [key, state] of candidates) {
      // a reorg may have made a cached state's block non-canonical
      const hash = await store.canonical.get(state.number)
      if (hash !== null && bytesToHex(hash) === key) {
        from = cache.get(key) ?? state
        break
      }
    }
    const started = performance.now()
    const replayed = options.rebuild === 'execute' ? null : await replayOrNull(from, header)
    const { root, nodes } = replayed ?? (await reExecute(from, header))
    // a replay hashes the final state's nodes only; re-execution leaves every block's behind
    const compacted = replayed === null ? await keepReachable(nodes, root) : nodes
    log.debug(
      {
        number: header.number.toString(),
        from: from.number.toString(),
        how: replayed === null ? 're-executed' : 'replayed',
        ms: Math.round(performance.now() - started),
        bytes: compacted.size,
      },
      'rebuilt historical state',
    )
    return { number: header.number, root, nodes: compacted }
  }

  /**
   * The state after `header`, from the state `from` below it, by writing the stored state changes
   * of the blocks in between (folded into one set) into its tries. Null when a block has no stored
   * changes (imported by a version that kept none, or by archival retention); throws DatadirError
   * CORRUPT when they do not decode or do not rebuild the header's state root.
   */
  async function replay(from: BaseState, header: BlockHeader) {
    const blocks: { number: bigint; hash: Uint8Array }[] = []
    const numbers: bigint[] = []
    for (let n = from.number + 1n; n <= header.number; n++) numbers.push(n)
    const hashes = await store.canonical.getMany(numbers)
    for (const [i, hash] of hashes.entries()) {
      if (hash === null) return null
      blocks.push({ number: numbers[i], hash })
    }
    const encoded = await store.stateChanges.getMany(blocks)
    if (encoded.some((changes) => changes === null)) return null
    const nodes = new TrieOverlay(from.nodes)
    const trie = StateTrie.create({ db: nodes, hash: keccak256, root: from.root })
    await applyStateChanges(trie, foldStateChanges(encoded.map((changes) => decodeStateChanges(changes!))))
    const root = trie.root()
    await trie.flush()
    const expected = datadir.stateRootOf(header)
    if (!equalsBytes(root, expected)) {
      throw new DatadirError({ code: 'CORRUPT', reason: `replayed state root ${bytesToHex(root)} is not the header's ${bytesToHex(expected)}` })
    }
    return { root, nodes }
  }

  /** replay(), or null (logged) where the stored changes fail: the caller re-executes instead. */
  async function replayOrNull(from: BaseState, header: BlockHeader) {
    try {
      return await replay(from, header)
    } catch (err) {
      log.warn({ number: header.number.toString(), err: (err as Error).message }, 'stored state changes do not rebuild the state: re-executing')
      return null
    }
  }

  /** The state after `header`, from the state `from` below it, by re-executing the blocks in between. */
  async function reExecute(from: BaseState, header: BlockHeader) {
    const nodes = new TrieOverlay(from.nodes)
    const executor = await BlockExecutor.create(
      { compat: createCompatMode(datadir.settings.compat) },
      { chain: datadir.chain, trieNodes: nodes, getCanonicalHash: (n) => store.canonical.get(n) },
    )
    await executor.setStateRoot(from.root)
    let parent = await headerAt(datadir, from.number)
    for await (const block of storedBlocks(datadir, from.number + 1n, header.number)) {
      await executor.execute(block, parent, { stored: true })
      parent = block.header
    }
    return { root: await executor.getStateRoot(), nodes }
  }

  /**
   * A rebuild writes the nodes of intermediate states too; the cache needs only those of the
   * final one. Nodes below a node of the layers underneath are there too, so the walk stops
   * at them.
   */
  async function keepReachable(nodes: TrieOverlay, root: Uint8Array): Promise<TrieOverlay> {
    const kept = new TrieOverlay(nodes.base)
    await walkStateTrie(root, {
      async enter(key) {
        const value = nodes.ownValue(key)
        if (value === undefined || kept.ownValue(key) !== undefined) return undefined
        await kept.put(key, value)
        return value
      },
      code(key) {
        const value = nodes.ownValue(key)
        if (value !== undefined) void kept.put(key, value)
      },
    })
    return kept
  }

  async function rebuilt(header: BlockHeader): Promise<MaterializedState> {
    const key = bytesToHex(header.hash())
    const cached = cache.get(key)
    if (cached !== undefined) return cached
    let pending = inFlight.get(key)
    if (pending === undefined) {
      pending = materialize(header).finally(() => inFlight.delete(key))
      inFlight.set(key, pending)
      const state = await pending
      cache.set(key, state)
      return state
    }
    return pending
  }

  return {
    async checkStoredChanges() {
      const [below, newest] = (await store.checkpoints.all()).slice(-2)
      if (newest === undefined || below === undefined || newest.number - below.number < 2n) return null
      const started = performance.now()
      const range = { from: below.number.toString(), to: newest.number.toString() }
      const header = await headerAt(datadir, newest.number)
      let ok = true
      try {
        if ((await replay({ number: below.number, root: below.stateRoot, nodes: store.trieNodes }, header)) === null) return null
      } catch (err) {
        ok = false
        log.warn({ ...range, err: (err as Error).message }, 'stored state changes do not rebuild the newest persisted checkpoint: historical states will be re-executed where they fail')
      }
      const ms = Math.round(performance.now() - started)
      if (ok) log.info({ ...range, ms }, 'stored state changes rebuild the newest persisted checkpoint')
      return { from: below.number, to: newest.number, ok, ms }
    },

    async stateAt(header) {
      const canonical = await store.canonical.get(header.number)
      if (canonical === null || !equalsBytes(canonical, header.hash())) {
        throw new StateError({ code: 'STATE_UNAVAILABLE', number: header.number, reason: 'the block is not canonical' })
      }
      const checkpoint = await store.checkpoints.atOrBelow(header.number)
      const latest = await store.checkpoints.atOrBelow(MAX_NUMBER)
      // a checkpoint's state is on disk; a block newer than the last checkpoint has its nodes in
      // memory with the live state
      const direct = checkpoint !== null && (checkpoint.number === header.number || checkpoint.number === latest?.number)
      if (direct) return view(header, datadir.stateRootOf(header), store.trieNodes)
      const state = await rebuilt(header)
      return view(header, state.root, state.nodes)
    },
  }
}

const MAX_NUMBER = 0xffffffffffffffffn
