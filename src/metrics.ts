import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { SyncEvent } from './sync/events.js'
import type { SyncStatus } from './sync/status.js'

/**
 * The node's Prometheus metrics (GET /metrics): heads and lag, what was imported and how fast,
 * reorgs, the health of each upstream, and JSON-RPC requests by method. Fed by sync events and
 * by the RPC server; one registry per node so tests can run several nodes in one process.
 */
export class NodeMetrics {
  readonly registry = new Registry()
  private readonly head: Gauge
  private readonly lag: Gauge
  private readonly blocks: Counter
  private readonly txs: Counter
  private readonly gas: Counter
  private readonly mgasps: Gauge
  private readonly reorgs: Counter
  private readonly reorgDepth: Gauge
  private readonly syncErrors: Counter
  private readonly finalityAlarm: Gauge
  private readonly l1Head: Gauge
  private readonly peerUp: Gauge
  private readonly peerHead: Gauge
  private readonly peerLatency: Gauge
  private readonly peerFailures: Gauge
  private readonly peerBanned: Gauge
  private readonly rpcRequests: Counter
  private readonly rpcDuration: Histogram
  /** Gas imported per second over the last few seconds. */
  private readonly gasWindow: { at: number; gas: number }[] = []

  constructor(
    private readonly status: SyncStatus | null,
    private readonly alarmRaised: () => boolean = () => false,
  ) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: 'hindsight_' })
    this.head = new Gauge({ name: 'hindsight_head_block', help: 'Block number of a head: local (our verified head, soft), safe, finalized, or remote (best upstream)', labelNames: ['kind'], registers })
    this.lag = new Gauge({ name: 'hindsight_sync_lag_blocks', help: 'Blocks the upstreams are ahead of us', registers })
    this.blocks = new Counter({ name: 'hindsight_blocks_imported_total', help: 'Blocks verified and stored', labelNames: ['phase'], registers })
    this.txs = new Counter({ name: 'hindsight_txs_imported_total', help: 'Transactions in blocks verified and stored', labelNames: ['phase'], registers })
    this.gas = new Counter({ name: 'hindsight_gas_imported_total', help: 'Gas used by blocks verified and stored', labelNames: ['phase'], registers })
    this.mgasps = new Gauge({ name: 'hindsight_import_mgas_per_second', help: 'Million gas verified per second over the last 10 s', registers })
    this.reorgs = new Counter({ name: 'hindsight_reorgs_total', help: 'Reorgs followed', registers })
    this.reorgDepth = new Gauge({ name: 'hindsight_last_reorg_depth_blocks', help: 'Blocks unwound by the last reorg', registers })
    this.finalityAlarm = new Gauge({ name: 'hindsight_finality_alarm', help: '1 while finality is halted because an anchor (or the upstream) disagrees with our re-execution', registers })
    this.l1Head = new Gauge({ name: 'hindsight_l1_head_block', help: "L1's head and finalized block as the finality tracker last saw them", labelNames: ['kind'], registers })
    this.syncErrors = new Counter({ name: 'hindsight_sync_errors_total', help: 'Sync errors by code', labelNames: ['code'], registers })
    this.peerUp = new Gauge({ name: 'hindsight_upstream_up', help: '1 if the upstream is usable (healthy or failing below the limit)', labelNames: ['url'], registers })
    this.peerHead = new Gauge({ name: 'hindsight_upstream_head_block', help: "The upstream's head when last probed", labelNames: ['url'], registers })
    this.peerLatency = new Gauge({ name: 'hindsight_upstream_latency_ms', help: 'Latency of the last probe', labelNames: ['url'], registers })
    this.peerFailures = new Gauge({ name: 'hindsight_upstream_consecutive_failures', help: 'Consecutive failed requests', labelNames: ['url'], registers })
    this.peerBanned = new Gauge({ name: 'hindsight_upstream_banned', help: '1 while banned for serving a block that failed verification', labelNames: ['url'], registers })
    this.rpcRequests = new Counter({ name: 'hindsight_rpc_requests_total', help: 'JSON-RPC calls by method and outcome', labelNames: ['method', 'outcome'], registers })
    this.rpcDuration = new Histogram({
      name: 'hindsight_rpc_request_duration_seconds',
      help: 'JSON-RPC call latency by method',
      labelNames: ['method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    })
  }

  onEvent(event: SyncEvent): void {
    switch (event.type) {
      case 'block': {
        this.blocks.inc({ phase: event.phase })
        this.txs.inc({ phase: event.phase }, event.txs)
        this.gas.inc({ phase: event.phase }, Number(event.gasUsed))
        this.recordGas(Number(event.gasUsed))
        break
      }
      case 'reorg':
        this.reorgs.inc()
        this.reorgDepth.set(event.depth)
        break
      case 'peer': {
        const labels = { url: event.url }
        this.peerUp.set(labels, event.state === 'healthy' || event.state === 'failing' ? 1 : 0)
        if (event.head !== null) this.peerHead.set(labels, Number(event.head))
        if (event.latencyMs !== null) this.peerLatency.set(labels, event.latencyMs)
        this.peerFailures.set(labels, event.failures)
        this.peerBanned.set(labels, event.state === 'banned' ? 1 : 0)
        break
      }
      case 'error':
        this.syncErrors.inc({ code: event.code })
        break
      case 'finality':
        if (event.l1Head !== undefined) this.l1Head.set({ kind: 'head' }, Number(event.l1Head))
        if (event.l1Finalized !== undefined) this.l1Head.set({ kind: 'finalized' }, Number(event.l1Finalized))
        break
      default:
        break
    }
  }

  /** One JSON-RPC call answered (outcome: ok, or error). */
  observeRpc(method: string, seconds: number, ok: boolean): void {
    this.rpcRequests.inc({ method, outcome: ok ? 'ok' : 'error' })
    this.rpcDuration.observe({ method }, seconds)
  }

  async render(): Promise<{ contentType: string; body: string }> {
    if (this.status !== null) {
      if (this.status.localHead !== null) this.head.set({ kind: 'local' }, Number(this.status.localHead))
      if (this.status.remoteHead !== null) this.head.set({ kind: 'remote' }, Number(this.status.remoteHead))
      if (this.status.safe !== null) this.head.set({ kind: 'safe' }, Number(this.status.safe))
      if (this.status.finalized !== null) this.head.set({ kind: 'finalized' }, Number(this.status.finalized))
      const lag = this.status.lag()
      if (lag !== null) this.lag.set(Number(lag))
      for (const peer of this.status.peers.values()) {
        if (peer.head !== null) this.peerHead.set({ url: peer.url }, Number(peer.head))
      }
    }
    this.mgasps.set(this.gasRate())
    this.finalityAlarm.set(this.alarmRaised() ? 1 : 0)
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }

  private recordGas(gas: number): void {
    const now = Date.now()
    this.gasWindow.push({ at: now, gas })
    while (this.gasWindow.length > 0 && this.gasWindow[0].at < now - 10_000) this.gasWindow.shift()
  }

  private gasRate(): number {
    const now = Date.now()
    const recent = this.gasWindow.filter((entry) => entry.at >= now - 10_000)
    const gas = recent.reduce((sum, entry) => sum + entry.gas, 0)
    return gas / 1e6 / 10
  }
}
