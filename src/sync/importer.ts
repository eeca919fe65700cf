import type { BlockHeader } from '@ethereumjs/block'
import { bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import { readRLPBlocks } from '../chain/rlp-file.js'
import type { Datadir } from '../datadir.js'
import { ChainError } from '../errors.js'
import type { BlockExecutor } from '../execution/block-executor.js'
import { compatModeOfGenesis } from '../execution/compat-modes.js'
import { blockWriteOps } from '../storage/block-batch.js'
import type { LiveState } from '../state/live-state.js'
import type { SyncEvent, SyncPhase } from './events.js'

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
    const { store, codec } = this.deps.datadir
    let imported = 0
    let skipped = 0
    for (const path of paths) {
      for await (const { raw, offset } of readRLPBlocks(path)) {
        if (this.stopping) break
        let block
        try {
          block = codec.decodeBlock(raw)
        } catch (err) {
          throw new ChainError({ code: 'DECODE_FAILED', offset, reason: `${path}: ${(err as Error).message}` })
        }
        const number = block.header.number
        if (number <= this.head.number) {
          const canonical = await store.canonical.get(number)
          if (canonical !== null && equalsBytes(canonical, block.hash())) {
            skipped++
            this.deps.onEvent?.({ type: 'skipped', phase: 'import', number })
            continue
          }
        }
        if (number !== this.head.number + 1n || !equalsBytes(block.header.parentHash, this.head.hash())) {
          if (number === 1n && this.head.number === 0n) this.refuseOtherGenesis(block.header.parentHash)
          throw new ChainError({ code: 'UNKNOWN_PARENT', number, parentHash: bytesToHex(block.header.parentHash) })
        }
        await this.importBlock(block)
        imported++
      }
    }
    this.deps.onEvent?.({ type: 'done', phase: 'import', head: this.head, imported, skipped })
    return { head: this.head, imported, skipped }
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
    const { store, codec } = this.deps.datadir
    const executed = await this.deps.executor.execute(block, this.head)
    const ops = blockWriteOps(store, codec.encodeForStore(executed), await this.deps.liveState.checkpointOps(block.header))
    await store.write(ops)
    await this.deps.liveState.afterWrite()
    this.head = block.header
    this.deps.onEvent?.({
      type: 'block',
      phase: source.phase,
      header: block.header,
      txs: block.transactions.length,
      gasUsed: block.header.gasUsed,
      ...(source.remoteHead === undefined ? {} : { remoteHead: source.remoteHead }),
    })
  }
}
