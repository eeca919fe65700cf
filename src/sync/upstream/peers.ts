import type { Logger } from '../../log.js'
import type { SyncEvent } from '../events.js'
import { UpstreamClient } from './client.js'

export interface PeerManagerOptions {
  urls: string[]
  /** Per HTTP request to an upstream. */
  timeoutMs: number
  batchSize: number
  /** --sync.max-failures: consecutive failures after which a peer is dropped. */
  maxFailures: number
  /** How long a dropped peer rests before it is probed again. */
  reprobeMs: number
  /** How long a peer that served a block failing verification stays banned. */
  banMs: number
}

/**
 * healthy: answered its last probe or request. failing: its last request failed, fewer than
 * maxFailures times in a row. dropped: too many failures, re-probed after reprobeMs.
 * banned: served a block that failed verification; not used again until banMs have passed.
 */
export type PeerState = 'unknown' | 'healthy' | 'failing' | 'dropped' | 'banned'

export interface PeerStatus {
  url: string
  state: PeerState
  /** Its head when last probed. */
  head: bigint | null
  latencyMs: number | null
  failures: number
  lastError: string | null
}

export class Peer {
  state: PeerState = 'unknown'
  head: bigint | null = null
  latencyMs: number | null = null
  failures = 0
  lastError: string | null = null
  /** When a dropped or banned peer may be probed again. */
  restUntil = 0

  constructor(readonly client: UpstreamClient) {}

  get url(): string {
    return this.client.url
  }

  get usable(): boolean {
    return this.state === 'healthy' || this.state === 'failing' || this.state === 'unknown'
  }

  status(): PeerStatus {
    return { url: this.url, state: this.state, head: this.head, latencyMs: this.latencyMs, failures: this.failures, lastError: this.lastError }
  }
}

/**
 * Health of every upstream: height, latency and consecutive failures from probes and from the
 * follower's requests. Picks the best peer (highest head, then lowest latency), sticking with the
 * current one while it is as high as any, so a tie does not flap between peers.
 */
export class PeerManager {
  readonly peers: Peer[]
  private current: Peer | null = null

  constructor(
    private readonly options: PeerManagerOptions,
    private readonly deps: { log: Logger; onEvent?: (event: SyncEvent) => void },
  ) {
    this.peers = options.urls.map((url) => new Peer(new UpstreamClient({ url, timeoutMs: options.timeoutMs, batchSize: options.batchSize })))
  }

  /** Asks every peer that is not resting for its head (eth_blockNumber), in parallel. */
  async probe(): Promise<void> {
    const now = Date.now()
    await Promise.all(
      this.peers.map(async (peer) => {
        if (!peer.usable && now < peer.restUntil) return
        const started = performance.now()
        try {
          const head = BigInt(await peer.client.request<string>('eth_blockNumber'))
          peer.latencyMs = Math.round(performance.now() - started)
          const moved = head !== peer.head
          peer.head = head
          const reported = this.succeeded(peer)
          if (moved && !reported) this.report(peer)
        } catch (err) {
          this.failed(peer, err)
        }
      }),
    )
  }

  /** The peer to sync from, or null when none is usable. */
  best(): Peer | null {
    const usable = this.peers.filter((peer) => peer.usable && peer.head !== null)
    if (usable.length === 0) return (this.current = null)
    usable.sort((a, b) => (a.head === b.head ? (a.latencyMs ?? Infinity) - (b.latencyMs ?? Infinity) : a.head! > b.head! ? -1 : 1))
    const top = usable[0]
    const current = this.current
    const keep = current !== null && current.usable && current.head !== null && current.head >= top.head!
    const chosen = keep ? current : top
    if (chosen !== current) {
      this.deps.log.info({ url: chosen.url, head: chosen.head?.toString(), latencyMs: chosen.latencyMs, previous: current?.url ?? null }, 'syncing from upstream')
    }
    return (this.current = chosen)
  }

  /** Any usable peer, best first (for forwarding requests). */
  candidates(): Peer[] {
    const best = this.best()
    const others = this.peers.filter((peer) => peer !== best && peer.usable)
    return best === null ? others : [best, ...others]
  }

  /** Clears the peer's failures; true if that changed its state (and was reported). */
  succeeded(peer: Peer): boolean {
    const changed = peer.state !== 'healthy'
    peer.failures = 0
    peer.lastError = null
    peer.state = 'healthy'
    if (changed) this.report(peer)
    return changed
  }

  failed(peer: Peer, err: unknown): void {
    if (peer.state === 'banned') return
    peer.failures++
    peer.lastError = (err as Error)?.message ?? String(err)
    if (peer.failures >= this.options.maxFailures) {
      peer.state = 'dropped'
      peer.restUntil = Date.now() + this.options.reprobeMs
      this.deps.log.warn({ url: peer.url, failures: peer.failures, error: peer.lastError, reprobeInMs: this.options.reprobeMs }, 'upstream dropped')
    } else {
      peer.state = 'failing'
      this.deps.log.debug({ url: peer.url, failures: peer.failures, error: peer.lastError }, 'upstream request failed')
    }
    this.report(peer)
  }

  /** The peer served a block that failed verification. */
  ban(peer: Peer, reason: string): void {
    peer.state = 'banned'
    peer.failures++
    peer.lastError = reason
    peer.restUntil = Date.now() + this.options.banMs
    if (this.current === peer) this.current = null
    this.deps.log.warn({ url: peer.url, reason, banMs: this.options.banMs }, 'upstream banned: it served a block that failed verification')
    this.report(peer)
  }

  statuses(): PeerStatus[] {
    return this.peers.map((peer) => peer.status())
  }

  private report(peer: Peer): void {
    this.deps.onEvent?.({ type: 'peer', ...peer.status() })
  }
}
