import { bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import { type Address, type PublicClient, createPublicClient, http, parseAbiItem } from 'viem'
import type { Datadir } from '../datadir.js'
import type { Logger } from '../log.js'
import type { StoredAnchor } from '../storage/repositories/anchors.js'
import type { FinalityAlarm } from './alarm.js'
import type { FinalityHeads, FinalitySource } from './source.js'

export const ANCHORED_EVENT = parseAbiItem('event Anchored(uint256 indexed l2Block, bytes32 blockHash, bytes32 stateRoot)')

export interface AnchorSourceOptions {
  /** --l1: JSON-RPC URL of the L1 the anchor contract lives on. */
  l1Url: string
  /** --anchor: the anchor contract's address. */
  anchor: Address
  /** --l1.from-block: where to start reading events when the datadir has no position yet. */
  fromBlock: bigint
  /** L1 blocks per eth_getLogs request. */
  logsChunk: bigint
  timeoutMs: number
}

/** Where the scan of the anchor's events has got to, persisted in the datadir. */
interface ScanPosition {
  anchor: string
  /** Last L1 block whose events are stored. */
  l1Block: string
}

/**
 * Finality from the L1 anchor contract. Each poll reads the `Anchored` events since the persisted
 * L1 position (so a restart does not rescan L1), stores them, and walks the anchors above our
 * finalized block in order: an anchor whose block hash and state root equal the ones we computed
 * makes its block safe, and finalized once its L1 block is at or below L1's `finalized` block (and
 * still on L1's chain). The first anchor that disagrees with us raises the alarm; nothing past it
 * is ever made safe or final.
 */
export class AnchorFinalitySource implements FinalitySource {
  readonly name = 'anchor'
  private readonly client: PublicClient
  private position: ScanPosition | null = null

  constructor(
    private readonly options: AnchorSourceOptions,
    private readonly deps: { datadir: Datadir; alarm: FinalityAlarm; log: Logger },
  ) {
    this.client = createPublicClient({ transport: http(options.l1Url, { retryCount: 0, timeout: options.timeoutMs }) })
  }

  async poll(current: FinalityHeads): Promise<FinalityHeads & { l1Head: bigint; l1Finalized: bigint | null }> {
    const l1Head = await this.client.getBlockNumber({ cacheTime: 0 })
    const l1Finalized = await this.l1FinalizedNumber()
    await this.scan(l1Head)
    const heads = await this.evaluate(current, l1Finalized)
    return { ...heads, l1Head, l1Finalized }
  }

  /** Reads and stores the anchor's events from the persisted position up to `l1Head`. */
  private async scan(l1Head: bigint): Promise<void> {
    const { store } = this.deps.datadir
    if (this.position === null) {
      const stored = await store.meta.getJSON<ScanPosition>('finalityScan')
      const sameAnchor = stored !== null && stored.anchor.toLowerCase() === this.options.anchor.toLowerCase()
      this.position = sameAnchor ? stored : { anchor: this.options.anchor, l1Block: (this.options.fromBlock - 1n).toString() }
      this.deps.log.info({ anchor: this.options.anchor, fromL1Block: (BigInt(this.position.l1Block) + 1n).toString(), resumed: sameAnchor }, 'reading L1 anchors')
    }
    let from = BigInt(this.position.l1Block) + 1n
    while (from <= l1Head) {
      const to = from + this.options.logsChunk - 1n < l1Head ? from + this.options.logsChunk - 1n : l1Head
      const logs = await this.client.getLogs({ address: this.options.anchor, event: ANCHORED_EVENT, fromBlock: from, toBlock: to, strict: true })
      const ops = logs.map((log) =>
        store.anchors.putOp({
          number: log.args.l2Block,
          blockHash: hexToBytes(log.args.blockHash),
          stateRoot: hexToBytes(log.args.stateRoot),
          l1Block: log.blockNumber,
          l1BlockHash: hexToBytes(log.blockHash),
        }),
      )
      this.position = { anchor: this.options.anchor, l1Block: to.toString() }
      // the anchors and the position move together, so a crash neither loses nor repeats events
      await store.write([...ops, store.meta.putJSONOp('finalityScan', this.position)])
      for (const log of logs) this.deps.log.debug({ l2Block: log.args.l2Block.toString(), l1Block: log.blockNumber.toString() }, 'anchor read')
      from = to + 1n
    }
  }

  private async evaluate(current: FinalityHeads, l1Finalized: bigint | null): Promise<FinalityHeads> {
    const { datadir, alarm } = this.deps
    const heads: FinalityHeads = { ...current }
    if (alarm.active !== null) return heads
    const head = await datadir.head()
    const from = (current.finalized ?? 0n) + 1n
    for (const anchor of await datadir.store.anchors.range(from, head.number)) {
      const verdict = await this.check(anchor)
      if (verdict !== 'ok') break
      if (heads.safe === null || anchor.number > heads.safe) heads.safe = anchor.number
      if (l1Finalized !== null && anchor.l1Block <= l1Finalized && (await this.stillOnL1(anchor))) heads.finalized = anchor.number
    }
    return heads
  }

  /** Compares an anchor with our own block; raises the alarm when they differ. */
  private async check(anchor: StoredAnchor): Promise<'ok' | 'mismatch'> {
    const { datadir, alarm } = this.deps
    const ourHash = await datadir.store.canonical.get(anchor.number)
    const raw = ourHash === null ? null : await datadir.store.headers.get(ourHash)
    if (ourHash === null || raw === null) return 'mismatch'
    const ourRoot = datadir.stateRootOf(datadir.codec.decodeHeader(raw))
    if (equalsBytes(ourHash, anchor.blockHash) && equalsBytes(ourRoot, anchor.stateRoot)) return 'ok'
    await alarm.raise({
      source: 'anchor',
      number: anchor.number.toString(),
      reason: `the anchor for block ${anchor.number} on L1 does not match our re-execution`,
      ourHash: bytesToHex(ourHash),
      theirHash: bytesToHex(anchor.blockHash),
      ourStateRoot: bytesToHex(ourRoot),
      theirStateRoot: bytesToHex(anchor.stateRoot),
      l1Block: anchor.l1Block.toString(),
    })
    return 'mismatch'
  }

  /**
   * True if the anchor's L1 block is still in L1's chain. An L1 reorg that dropped it drops the
   * anchor too, and the scan goes back to read that L1 height again.
   */
  private async stillOnL1(anchor: StoredAnchor): Promise<boolean> {
    const block = await this.client.getBlock({ blockNumber: anchor.l1Block })
    if (equalsBytes(hexToBytes(block.hash), anchor.l1BlockHash)) return true
    const { store } = this.deps.datadir
    this.position = { anchor: this.options.anchor, l1Block: (anchor.l1Block - 1n).toString() }
    await store.write([store.anchors.delOp(anchor.number), store.meta.putJSONOp('finalityScan', this.position)])
    this.deps.log.warn({ l2Block: anchor.number.toString(), l1Block: anchor.l1Block.toString() }, 'anchor dropped by an L1 reorg; reading L1 again from there')
    return false
  }

  private async l1FinalizedNumber(): Promise<bigint | null> {
    try {
      const block = await this.client.getBlock({ blockTag: 'finalized' })
      return block.number
    } catch {
      // an L1 without the tag, or with nothing final yet
      return null
    }
  }
}
