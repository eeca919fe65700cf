import type { SyncEvent, SyncPhase } from './events.js'
import type { PeerStatus } from './upstream/peers.js'

export interface SyncStatusOptions {
  /** --ready.max-lag: /ready answers 503 when we are more blocks than this behind the upstreams. */
  readyMaxLag: number
  /** Whether upstreams are configured at all (a node serving a datadir alone is always ready). */
  following: boolean
}

/** eth_syncing's object: the spec's startingBlock / currentBlock / highestBlock. */
export interface SyncProgress {
  startingBlock: bigint
  currentBlock: bigint
  highestBlock: bigint
}

export interface Readiness {
  ready: boolean
  localHead: bigint | null
  remoteHead: bigint | null
  lag: bigint | null
  reason?: string
}

/**
 * What the node knows of its sync, folded from sync events: our head, the upstreams' head, the
 * phase and the peers. eth_syncing, /ready and the metrics read it.
 */
export class SyncStatus {
  phase: SyncPhase | 'idle' = 'idle'
  localHead: bigint | null = null
  remoteHead: bigint | null = null
  safe: bigint | null = null
  finalized: bigint | null = null
  /** Our head when the current catch-up began (eth_syncing's startingBlock). */
  private startingBlock: bigint | null = null
  readonly peers = new Map<string, PeerStatus>()

  constructor(private readonly options: SyncStatusOptions) {}

  onEvent(event: SyncEvent): void {
    switch (event.type) {
      case 'block':
        this.phase = event.phase
        this.setLocal(event.header.number)
        if (event.remoteHead !== undefined) this.setRemote(event.remoteHead)
        break
      case 'skipped':
        this.phase = 'import'
        this.setLocal(event.number)
        break
      case 'done':
        this.setLocal(event.head.number)
        break
      case 'reorg':
        this.setLocal(event.ancestor)
        break
      case 'tip':
        this.phase = 'live'
        this.setLocal(event.localHead)
        this.remoteHead = event.remoteHead
        break
      case 'peer': {
        const { type: _, ...status } = event
        this.peers.set(event.url, status)
        break
      }
      case 'finality':
        this.safe = event.safe
        this.finalized = event.finalized
        break
      case 'error':
        break
    }
    if (!this.behind()) this.startingBlock = null
    else this.startingBlock ??= this.localHead
  }

  /** false when at the tip (within a block) or not following; the spec's object while catching up. */
  progress(): SyncProgress | false {
    if (!this.behind() || this.localHead === null || this.remoteHead === null) return false
    return { startingBlock: this.startingBlock ?? this.localHead, currentBlock: this.localHead, highestBlock: this.remoteHead }
  }

  lag(): bigint | null {
    if (this.localHead === null || this.remoteHead === null) return null
    return this.remoteHead > this.localHead ? this.remoteHead - this.localHead : 0n
  }

  readiness(): Readiness {
    const base = { localHead: this.localHead, remoteHead: this.remoteHead, lag: this.lag() }
    if (!this.options.following) return { ready: true, ...base }
    if (this.phase === 'import') return { ready: false, ...base, reason: 'importing from a file' }
    if (base.lag === null) return { ready: false, ...base, reason: 'no upstream head known yet' }
    if (base.lag > BigInt(this.options.readyMaxLag)) return { ready: false, ...base, reason: `${base.lag} blocks behind the upstream (max ${this.options.readyMaxLag})` }
    return { ready: true, ...base }
  }

  private behind(): boolean {
    const lag = this.lag()
    return lag !== null && lag > 1n
  }

  private setLocal(number: bigint): void {
    this.localHead = number
  }

  private setRemote(number: bigint): void {
    if (this.remoteHead === null || number > this.remoteHead) this.remoteHead = number
  }
}
