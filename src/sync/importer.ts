import type { Block, BlockHeader } from '@ethereumjs/block'
import { bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import { readRLPBlocks } from '../chain/rlp-file.js'
import { SenderRecovery } from '../chain/sender-recovery.js'
import type { Datadir } from '../datadir.js'
import { ChainError, DatadirError } from '../errors.js'
import type { BlockExecutor, ExecutionTimings } from '../execution/block-executor.js'
import { compatModeOfGenesis } from '../execution/compat-modes.js'
import { blockWriteOps } from '../storage/block-batch.js'
import type { BatchOp } from '../storage/db.js'
import type { LiveState } from '../state/live-state.js'
import type { SyncEvent, SyncPhase } from './events.js'

/** A block decoded from a file, its senders being recovered ahead of its execution. */
interface DecodedBlock {
  block: Block
  recovered: Promise<void>
}

export interface ImporterDependencies {
  datadir: Datadir
  /** At the stored head's state (LiveState.open brought it there). */
  executor: BlockExecutor
  liveState: LiveState
  onEvent?: (event: SyncEvent) => void
}

export interface ImportResult {
  head: BlockHeader
  imported: number
  skipped: number
  /** Where the imported blocks' time went, summed over them. */
  timings: ImportTimings
}

/**
 * Milliseconds by phase, summed over imported blocks: decoding (from files), then the
 * executor's phases (ExecutionTimings), then encoding and writing the block's batch.
 */
export interface ImportTimings extends ExecutionTimings {
  decode: number
  write: number
}

/**
 * Imports blocks from geth export files on top of the stored head: each block is verified by
 * re-execution and written in one atomic batch (with its state's trie nodes when it becomes a
 * persisted checkpoint), head pointer last. Blocks already
 * in the canonical chain are skipped, so a re-run after a crash resumes where it stopped.
 */
export class Importer {
  private head: BlockHeader
  private stopping = false
  /**
   * File import only: the batch of the block imported last, written while the next block
   * executes. Batches still reach the store one after another, in block order (each is issued
   * once the one before it is on disk); settleWrite() waits for it.
   */
  private writing: Promise<void> | null = null
  /** Summed over every block this importer imported (files and live). */
  readonly timings: ImportTimings = { decode: 0, verify: 0, recover: 0, execute: 0, root: 0, write: 0 }

  private constructor(
    private readonly deps: ImporterDependencies,
    head: BlockHeader,
  ) {
    this.head = head
  }

  static async create(deps: ImporterDependencies): Promise<Importer> {
    return new Importer(deps, await deps.datadir.head())
  }

  async importFiles(paths: string[]): Promise<ImportResult> {
    const counts = { imported: 0, skipped: 0 }
    // senders are recovered on a worker one block ahead of execution
    const recovery = SenderRecovery.start()
    try {
      await this.importFilesPipelined(paths, recovery, counts)
    } finally {
      await recovery?.close()
    }
    const { imported, skipped } = counts
    this.deps.onEvent?.({ type: 'done', phase: 'import', head: this.head, imported, skipped })
    return { head: this.head, imported, skipped, timings: { ...this.timings } }
  }

  /**
   * The file loop, each block's batch written while the next block executes. Whatever ends the
   * loop (the last block, stop(), a refused block, an unreadable file), the batch in flight is
   * awaited first: the blocks before a refused one are on disk when its error is thrown, and a
   * failed write is reported (WRITE_FAILED) rather than lost behind a later error.
   */
  private async importFilesPipelined(paths: string[], recovery: SenderRecovery | null, counts: { imported: number; skipped: number }): Promise<void> {
    let failure: unknown = null
    try {
      for (const path of paths) {
        let ahead: DecodedBlock | null = null
        try {
          for await (const { raw, offset } of readRLPBlocks(path)) {
            if (this.stopping) break
            const decoded = this.decode(path, raw, offset, recovery)
            if (ahead !== null) {
              const current = ahead
              ahead = null
              await this.importDecoded(current, counts, { pipelined: true })
            }
            ahead = decoded
          }
        } catch (err) {
          // a file that turns unreadable or undecodable still gets the blocks before that imported
          if (ahead !== null) await this.importDecoded(ahead, counts, { pipelined: true })
          throw err
        }
        if (ahead !== null && !this.stopping) await this.importDecoded(ahead, counts, { pipelined: true })
      }
    } catch (err) {
      failure = err
    }
    try {
      await this.settleWrite()
    } catch (err) {
      // the write failed before the later error happened: it is the one to report
      failure = err
    }
    if (failure !== null) throw failure
  }

  private decode(path: string, raw: Uint8Array, offset: number, recovery: SenderRecovery | null): DecodedBlock {
    const started = performance.now()
    let block
    try {
      block = this.deps.datadir.codec.decodeBlock(raw)
    } catch (err) {
      throw new ChainError({ code: 'DECODE_FAILED', offset, reason: `${path}: ${(err as Error).message}` })
    }
    this.timings.decode += performance.now() - started
    return { block, recovered: recovery?.recover(block) ?? Promise.resolve() }
  }

  private async importDecoded(
    { block, recovered }: DecodedBlock,
    counts: { imported: number; skipped: number },
    options: { pipelined: boolean },
  ): Promise<void> {
    const { store } = this.deps.datadir
    const number = block.header.number
    if (number <= this.head.number) {
      // the block at that number may be the one whose batch is in flight
      await this.settleWrite()
      const canonical = await store.canonical.get(number)
      if (canonical !== null && equalsBytes(canonical, block.hash())) {
        counts.skipped++
        this.deps.onEvent?.({ type: 'skipped', phase: 'import', number })
        return
      }
    }
    if (number !== this.head.number + 1n || !equalsBytes(block.header.parentHash, this.head.hash())) {
      if (number === 1n && this.head.number === 0n) this.refuseOtherGenesis(block.header.parentHash)
      throw new ChainError({ code: 'UNKNOWN_PARENT', number, parentHash: bytesToHex(block.header.parentHash) })
    }
    await recovered
    await this.executeAndWrite(block, { phase: 'import' }, options)
    counts.imported++
  }

  /**
   * Block 1 names as its parent our genesis as another --compat builds it (anvil's genesis header
   * carries the empty trie root): refuse, naming the mode the chain needs. A canonical datadir does
   * not try to verify an anvil chain up to its first non-canonical state root: its stored block 0
   * commits to the alloc, so anvil's block 1 does not link to it, and storing it anyway (or
   * rewriting block 0 after the datadir was created) would leave a chain whose links do not hold.
   * Nor would it get far: anvil's block 1 already has a non-EIP-1559 base fee (anvil-compat.ts).
   */
  private refuseOtherGenesis(parentHash: Uint8Array): void {
    const { chain, settings, genesisHash } = this.deps.datadir
    const allocRoot = hexToBytes(settings.genesisStateRoot as `0x${string}`)
    const mode = compatModeOfGenesis(chain, allocRoot, parentHash)
    if (mode === undefined || mode === settings.compat) return
    throw new ChainError({
      code: 'GENESIS_NEEDS_COMPAT',
      number: 1n,
      parentHash: bytesToHex(parentHash),
      genesis: bytesToHex(genesisHash),
      datadirCompat: settings.compat ?? 'none',
      compat: mode ?? 'none',
    })
  }

  /** Makes importFiles return after the block it is on (a clean shutdown mid-import). */
  stop(): void {
    this.stopping = true
  }

  /** The stored head, as this importer last wrote or was told. */
  get headHeader(): BlockHeader {
    return this.head
  }

  /** After a reorg unwound the store (and the live state) to `header`. */
  resetHead(header: BlockHeader): void {
    this.head = header
  }

  /** Verifies one block that extends the head and stores it. Throws ExecutionError and stores nothing if it fails. */
  async importBlock(block: Parameters<BlockExecutor['execute']>[0], source: { phase: SyncPhase; remoteHead?: bigint } = { phase: 'import' }): Promise<void> {
    await this.executeAndWrite(block, source, { pipelined: false })
  }

  /**
   * Verifies `block` and writes its batch. Pipelined, it returns once the batch is issued and the
   * next call (or settleWrite) waits for it, so the next block executes while LevelDB writes
   * this one; the block's event follows its write. A block that becomes a persisted checkpoint
   * is always awaited: its afterWrite may prune state, which must not run beside execution.
   */
  private async executeAndWrite(
    block: Parameters<BlockExecutor['execute']>[0],
    source: { phase: SyncPhase; remoteHead?: bigint },
    options: { pipelined: boolean },
  ): Promise<void> {
    const { store, codec } = this.deps.datadir
    const executed = await this.deps.executor.execute(block, this.head)
    const writeStarted = performance.now()
    // checkpointOps drains trie nodes the previous batch's afterWrite must have let go of first
    await this.settleWrite()
    const checkpoint = await this.deps.liveState.checkpointOps(block.header)
    const ops = blockWriteOps(store, codec.encodeForStore(executed), checkpoint)
    const { timings } = this
    timings.verify += executed.timings.verify
    timings.recover += executed.timings.recover
    timings.execute += executed.timings.execute
    timings.root += executed.timings.root
    this.head = block.header
    const writing = this.write(ops, block, source)
    this.writing = writing
    // a failure surfaces at the next settleWrite; until then it must not count as unhandled
    writing.catch(() => undefined)
    if (!options.pipelined || checkpoint.length > 0) await this.settleWrite()
    // time on this thread only: encoding, the operations, waiting for the previous batch
    timings.write += performance.now() - writeStarted
  }

  private async write(ops: BatchOp[], block: Parameters<BlockExecutor['execute']>[0], source: { phase: SyncPhase; remoteHead?: bigint }): Promise<void> {
    try {
      await this.deps.datadir.store.write(ops)
    } catch (err) {
      throw new DatadirError({ code: 'WRITE_FAILED', number: block.header.number, reason: (err as Error).message })
    }
    await this.deps.liveState.afterWrite()
    this.deps.onEvent?.({
      type: 'block',
      phase: source.phase,
      header: block.header,
      txs: block.transactions.length,
      gasUsed: block.header.gasUsed,
      ...(source.remoteHead === undefined ? {} : { remoteHead: source.remoteHead }),
    })
  }

  /** Waits until the batch in flight (if any) is on disk; throws WRITE_FAILED if it failed. */
  private async settleWrite(): Promise<void> {
    const writing = this.writing
    if (writing === null) return
    this.writing = null
    await writing
  }

}
