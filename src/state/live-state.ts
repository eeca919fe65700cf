import type { Block, BlockHeader } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import type { Datadir } from '../datadir.js'
import { DatadirError } from '../errors.js'
import type { BlockExecutor } from '../execution/block-executor.js'
import type { Logger } from '../log.js'
import type { BatchOp } from '../storage/db.js'
import { pointerNumber } from '../storage/store.js'
import { pruneState } from './pruner.js'
import { walkStateTrie } from './trie-walk.js'
import { type StateOptions, isCheckpointDue } from './retention.js'

export interface LiveStateDependencies {
  datadir: Datadir
  executor: BlockExecutor
  log: Logger
}

/**
 * The head state and its persistence. The executor's trie writes stay in memory (the store's
 * pending trie nodes) and reach disk only with a block that becomes a persisted checkpoint, in
 * that block's batch; snap retention then drops old checkpoints and prunes their state.
 * After a crash, open() re-executes the stored blocks since the last persisted checkpoint.
 */
export class LiveState {
  private droppedSinceSweep = 0

  private constructor(
    private readonly options: StateOptions,
    private readonly deps: LiveStateDependencies,
  ) {}

  /** Brings the executor to the stored head's state, re-executing from the last checkpoint. */
  static async open(options: StateOptions, deps: LiveStateDependencies): Promise<LiveState> {
    const live = new LiveState(options, deps)
    await live.rewind(await deps.datadir.head())
    return live
  }

  /**
   * Brings the executor to the state after `head` (a stored canonical block): from the nearest
   * persisted checkpoint at or below it, re-executing the blocks in between. Used at start-up and
   * after a reorg moved the head back.
   */
  async rewind(head: BlockHeader): Promise<void> {
    const { datadir, executor, log } = this.deps
    const checkpoint = await datadir.store.checkpoints.atOrBelow(head.number)
    if (checkpoint === null) throw new DatadirError({ code: 'CORRUPT', reason: 'no persisted checkpoint' })
    await executor.setStateRoot(checkpoint.stateRoot)
    if (checkpoint.number < head.number) {
      log.info(
        { from: (checkpoint.number + 1n).toString(), to: head.number.toString() },
        're-executing blocks since the last persisted checkpoint',
      )
      let parent = await headerAt(datadir, checkpoint.number)
      for await (const block of storedBlocks(datadir, checkpoint.number + 1n, head.number)) {
        await executor.execute(block, parent, { stored: true })
        parent = block.header
      }
    }
  }

  /**
   * Operations to add to the batch that stores `header` (just executed): its state's trie nodes
   * and checkpoint record when a checkpoint is due, and for snap the records it drops.
   */
  async checkpointOps(header: BlockHeader): Promise<BatchOp[]> {
    const { store } = this.deps.datadir
    if (!isCheckpointDue(this.options, header.number, store.trieNodes.pendingBytes)) return []
    const ops = await this.persistOps(header)
    if (this.options.retention === 'snap') {
      const kept = await this.countedCheckpoints(header.number)
      const excess = kept.length - this.options.keepCheckpoints
      for (const old of kept.slice(0, Math.max(0, excess))) {
        ops.push(store.checkpoints.delOp(old.number))
        this.droppedSinceSweep++
      }
    }
    return ops
  }

  /**
   * The checkpoints snap's limit counts, oldest first, with the one being added at `adding`: all
   * of them, or with countVerifiedOnly only the verified ones (at or below the finalized block).
   */
  private async countedCheckpoints(adding: bigint): Promise<{ number: bigint }[]> {
    const { store } = this.deps.datadir
    const all: { number: bigint }[] = [...(await store.checkpoints.all()), { number: adding }]
    if (this.options.countVerifiedOnly !== true) return all
    const finalized = await pointerNumber(store, 'finalized')
    return finalized === null ? [] : all.filter((checkpoint) => checkpoint.number <= finalized)
  }

  /** Call once the batch from checkpointOps is on disk. Sweeps dropped snap state now and then. */
  async afterWrite(): Promise<void> {
    const { datadir, log } = this.deps
    datadir.store.trieNodes.markWritten()
    if (this.droppedSinceSweep > 0 && this.droppedSinceSweep >= Math.max(1, Math.floor(this.options.keepCheckpoints / 4))) {
      this.droppedSinceSweep = 0
      const result = await pruneState({ datadir })
      log.info(
        { kept: result.keptNodes, deleted: result.deletedNodes, deletedChanges: result.deletedChanges, oldest: result.oldest?.toString() },
        'pruned state',
      )
    }
  }

  /** Persists the head as a checkpoint if its state is not on disk yet (clean shutdown). */
  async flush(): Promise<void> {
    const { datadir, log } = this.deps
    const { store } = datadir
    const head = await datadir.head()
    if ((await store.checkpoints.get(head.number)) !== null) return
    await store.write(await this.persistOps(head))
    store.trieNodes.markWritten()
    log.info({ number: head.number.toString(), hash: bytesToHex(head.hash()) }, 'persisted checkpoint at head')
  }

  /**
   * The batch operations that persist `header`'s state (the live state now): the pending nodes
   * its trie reaches, then its checkpoint record. Nodes below a node already on disk are on disk
   * too (every stored node belongs to a complete checkpoint state), so the walk stops there; the
   * other pending nodes belong to intermediate states and are dropped.
   */
  private async persistOps(header: BlockHeader): Promise<BatchOp[]> {
    const { datadir } = this.deps
    const { store } = datadir
    const stateRoot = datadir.stateRootOf(header)
    const reached = new Set<string>()
    await walkStateTrie(stateRoot, {
      async enter(key) {
        if (reached.has(key)) return undefined
        const value = store.trieNodes.pendingValue(key)
        if (value !== undefined) reached.add(key)
        return value
      },
      code(key) {
        if (store.trieNodes.pendingValue(key) !== undefined) reached.add(key)
      },
    })
    return [...store.trieNodes.drainOps(reached), store.checkpoints.putOp({ number: header.number, hash: header.hash(), stateRoot })]
  }
}

/** The canonical header at `number` (DatadirError CORRUPT if the store has none). */
export async function headerAt(datadir: Datadir, number: bigint): Promise<BlockHeader> {
  const hash = await datadir.store.canonical.get(number)
  const raw = hash === null ? null : await datadir.store.headers.get(hash)
  if (raw === null) throw new DatadirError({ code: 'CORRUPT', reason: `no canonical header at ${number}` })
  return datadir.codec.decodeHeader(raw)
}

/**
 * The canonical block at `number`, decoded from the store with the senders recovered at import,
 * for re-execution (BlockExecutor.execute with `stored: true`).
 */
export async function blockAt(datadir: Datadir, number: bigint): Promise<Block> {
  const { store } = datadir
  const hash = await store.canonical.get(number)
  const [header, body, senders] =
    hash === null ? [null, null, null] : await Promise.all([store.headers.get(hash), store.bodies.get(hash), store.senders.get(hash)])
  if (header === null || body === null || senders === null) throw new DatadirError({ code: 'CORRUPT', reason: `no canonical block at ${number}` })
  return datadir.codec.decodeStoredBlock(header, body, senders)
}

/**
 * The canonical blocks `from`..`to` as blockAt gives them. They are read from the store a window
 * at a time, one read per key prefix, the next window while the caller works on this one.
 */
export async function* storedBlocks(datadir: Datadir, from: bigint, to: bigint): AsyncGenerator<Block> {
  const readWindow = (start: bigint) => readBlocks(datadir, start, min(to, start + READ_WINDOW - 1n))
  let next = from <= to ? readWindow(from) : null
  for (let start = from; next !== null; start += READ_WINDOW) {
    const current = next
    next = start + READ_WINDOW <= to ? readWindow(start + READ_WINDOW) : null
    // if the caller stops early, the read ahead may fail unobserved: that is not an error
    next?.catch(() => undefined)
    for (const decode of await current) yield decode()
  }
}

const READ_WINDOW = 16n

/** The stored parts of blocks `from`..`to`, each decoded when the caller asks. */
async function readBlocks(datadir: Datadir, from: bigint, to: bigint): Promise<(() => Block)[]> {
  const { store, codec } = datadir
  const numbers: bigint[] = []
  for (let n = from; n <= to; n++) numbers.push(n)
  const hashes = await store.canonical.getMany(numbers)
  const missing = hashes.findIndex((hash) => hash === null)
  if (missing !== -1) throw new DatadirError({ code: 'CORRUPT', reason: `no canonical block at ${numbers[missing]}` })
  const known = hashes as Uint8Array[]
  const [headers, bodies, senders] = await Promise.all([
    store.headers.getMany(known),
    store.bodies.getMany(known),
    store.senders.getMany(known),
  ])
  return numbers.map((number, i) => () => {
    const [header, body, sender] = [headers[i], bodies[i], senders[i]]
    if (header === null || body === null || sender === null) throw new DatadirError({ code: 'CORRUPT', reason: `no canonical block at ${number}` })
    return codec.decodeStoredBlock(header, body, sender)
  })
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
