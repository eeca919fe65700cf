import type { Common } from '@ethereumjs/common'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { SenderRecovery } from '../chain/sender-recovery.js'
import type { Datadir } from '../datadir.js'
import { Sleeper } from '../util/sleeper.js'
import { ExecutionError, NodeError, SyncError, UpstreamError } from '../errors.js'
import type { Logger } from '../log.js'
import { type LiveState, headerAt } from '../state/live-state.js'
import { pointerNumber } from '../storage/store.js'
import type { SyncEvent } from './events.js'
import { type FetchResult, fetchBlockHash, fetchWindow } from './fetcher.js'
import type { Importer } from './importer.js'
import { unwindOps } from './unwind.js'
import type { Peer, PeerManager } from './upstream/peers.js'

export interface FollowerOptions {
  /** --sync.poll-interval: how often the upstreams' heads are probed once we are at the tip. */
  pollIntervalMs: number
  /** --sync.window: blocks fetched ahead in one go (and one more window while those execute). */
  window: number
  /** Longest backoff while no upstream is usable. */
  maxBackoffMs: number
}

export interface FollowerDependencies {
  datadir: Datadir
  /** At the stored head, with the executor and live state behind it. */
  importer: Importer
  liveState: LiveState
  peers: PeerManager
  log: Logger
  onEvent?: (event: SyncEvent) => void
}

/**
 * Live sync: follows the best upstream's head. Each round probes the peers, fetches the blocks
 * past our head a window at a time (the next window is in flight while this one executes),
 * verifies and stores them in order through the importer exactly like a file import, and, when
 * the upstream's chain no longer contains our head, unwinds to the common ancestor and follows
 * its branch. A peer that serves a block failing verification is banned; one that errors counts
 * a failure and the next best takes over.
 */
export class Follower {
  private running: Promise<void> | null = null
  private stopped = false
  private readonly sleeper = new Sleeper()
  private readonly common: Common
  /** Recovers the senders of fetched blocks on a worker, ahead of their execution (null: inline). */
  private recovery: SenderRecovery | null = null

  constructor(
    private readonly options: FollowerOptions,
    private readonly deps: FollowerDependencies,
  ) {
    this.common = deps.datadir.chain.createCommon()
  }

  start(): void {
    if (this.running === null) this.running = this.run()
  }

  /** Stops after the block being imported (never in the middle of one). */
  async stop(): Promise<void> {
    this.stopped = true
    this.sleeper.interrupt()
    await this.running
  }

  private async run(): Promise<void> {
    this.recovery = SenderRecovery.start()
    try {
      await this.follow()
    } finally {
      await this.recovery?.close()
      this.recovery = null
    }
  }

  private async follow(): Promise<void> {
    const { peers, log } = this.deps
    let backoffMs = this.options.pollIntervalMs
    while (!this.stopped) {
      await peers.probe()
      const peer = peers.best()
      this.emitTip()
      if (peer === null) {
        log.warn({ retryInMs: backoffMs, upstreams: peers.statuses().map((s) => ({ url: s.url, state: s.state, error: s.lastError })) }, 'no usable upstream')
        await this.sleeper.sleep(backoffMs)
        backoffMs = Math.min(backoffMs * 2, this.options.maxBackoffMs)
        continue
      }
      backoffMs = this.options.pollIntervalMs
      let progressed = false
      try {
        progressed = await this.syncFrom(peer)
      } catch (err) {
        this.onFailure(peer, err)
      }
      if (!progressed && !this.stopped) await this.sleeper.sleep(this.options.pollIntervalMs)
    }
  }

  /** Imports what `peer` has past our head. True if the head moved. */
  private async syncFrom(peer: Peer): Promise<boolean> {
    const { importer, peers } = this.deps
    const target = peer.head!
    const head = importer.headHeader
    if (target <= head.number) {
      // nothing new: is our chain still the peer's? (a sequencer may replace its newest blocks,
      // and the replacement may be shorter than what we have)
      if (await this.divergesAt(peer, target)) return this.reorg(peer)
      peers.succeeded(peer)
      return false
    }
    const window = BigInt(this.options.window)
    let from = head.number + 1n
    let pending: Promise<FetchResult> | null = fetchWindow(peer, from, min(from + window - 1n, target), this.common)
    let moved = false
    while (pending !== null && !this.stopped) {
      const result: FetchResult = await pending
      pending = null
      if (!result.ok) throw result.error
      const { blocks } = result
      if (blocks.length === 0) break
      const next = from + BigInt(blocks.length)
      // the next window travels while this one executes; a gap in this one means the peer has
      // nothing past it yet
      if (next <= target && blocks.length === Number(min(window, target - from + 1n))) {
        pending = fetchWindow(peer, next, min(next + window - 1n, target), this.common)
      }
      // the worker recovers the window's senders in order, each block's ready before it executes
      const recovered = blocks.map((block) => this.recovery?.recover(block))
      for (const [i, block] of blocks.entries()) {
        if (this.stopped) break
        const parent = importer.headHeader
        if (!equalsBytes(block.header.parentHash, parent.hash())) {
          // the peer's chain does not extend ours: find where they part
          return (await this.reorg(peer)) || moved
        }
        await recovered[i]
        await importer.importBlock(block, { phase: 'live', remoteHead: target })
        moved = true
        // execution is CPU work on the thread that serves JSON-RPC: let waiting requests in
        await new Promise((resolve) => setImmediate(resolve))
      }
      peers.succeeded(peer)
      from = next
    }
    return moved
  }

  /** True if the peer's block at `number` is not ours. */
  private async divergesAt(peer: Peer, number: bigint): Promise<boolean> {
    const ours = await this.deps.datadir.store.canonical.get(number)
    const theirs = await fetchBlockHash(peer, number)
    return ours !== null && theirs !== null && theirs !== bytesToHex(ours)
  }

  /**
   * The peer's chain left ours: walk back to the newest block both have, unwind our store and
   * state to it, and let the next round import the peer's branch. Finalized blocks are never
   * unwound. True if the head moved.
   */
  private async reorg(peer: Peer): Promise<boolean> {
    const { datadir, importer, liveState, log } = this.deps
    const { store } = datadir
    const head = importer.headHeader
    // without a finalized block, genesis is the one block no reorg may replace
    const finalized = (await pointerNumber(store, 'finalized')) ?? 0n
    let ancestor: bigint | null = null
    for (let n = min(head.number, peer.head!); n >= 0n; n--) {
      const ours = await store.canonical.get(n)
      const theirs = await fetchBlockHash(peer, n)
      if (ours !== null && theirs === bytesToHex(ours)) {
        ancestor = n
        break
      }
      if (n <= finalized) {
        throw new SyncError({ code: 'REORG_BELOW_FINALIZED', number: n, finalized, ourHash: ours === null ? 'none' : bytesToHex(ours), theirHash: theirs ?? 'none' })
      }
    }
    if (ancestor === null) throw new SyncError({ code: 'NO_COMMON_ANCESTOR', from: head.number, to: 0n })
    if (ancestor === head.number) return false
    const ancestorHeader = await headerAt(datadir, ancestor)
    const { ops, dropped } = await unwindOps(datadir, head, ancestorHeader)
    await store.write(ops)
    await liveState.rewind(ancestorHeader)
    importer.resetHead(ancestorHeader)
    const depth = Number(head.number - ancestor)
    log.warn({ depth, ancestor: ancestor.toString(), oldHead: head.number.toString(), dropped: dropped.map((h) => bytesToHex(h)), url: peer.url }, 'reorg: unwound to the common ancestor')
    this.deps.onEvent?.({ type: 'reorg', phase: 'live', ancestor, depth, dropped, oldHead: head.number, url: peer.url })
    return true
  }

  private onFailure(peer: Peer, err: unknown): void {
    const { peers, log } = this.deps
    if (err instanceof ExecutionError) {
      // the peer served a block that failed verification: nothing of it was stored
      peers.ban(peer, err.message)
      this.emitError(err, peer, err.type.number)
      return
    }
    if (err instanceof SyncError) {
      log.error({ url: peer.url, err: err.message, code: err.code }, 'cannot follow the upstream')
      this.emitError(err, peer)
      return
    }
    if (err instanceof UpstreamError) {
      peers.failed(peer, err)
      this.emitError(err, peer)
      return
    }
    // our own failure (store, state): log it loudly and try again next round
    log.error({ url: peer.url, err }, 'live sync failed')
    this.emitError(err, peer)
  }

  private emitError(err: unknown, peer: Peer, number?: bigint): void {
    const code = err instanceof NodeError ? (err.code as string) : 'INTERNAL'
    this.deps.onEvent?.({ type: 'error', phase: 'live', reason: (err as Error).message, code, url: peer.url, ...(number === undefined ? {} : { number }) })
  }

  private emitTip(): void {
    const heads = this.deps.peers.peers.filter((p) => p.usable && p.head !== null).map((p) => p.head!)
    const remoteHead = heads.length === 0 ? null : heads.reduce((a, b) => (a > b ? a : b))
    this.deps.onEvent?.({ type: 'tip', phase: 'live', localHead: this.deps.importer.headHeader.number, remoteHead })
  }

}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
