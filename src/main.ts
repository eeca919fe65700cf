import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { createRpcApp } from '../rpc/server.js'
import { loadChainConfig } from './chain/genesis.js'
import { CLIENT_NAME, type FinalityOptions, type RpcOptions, type StartOptions, VERSION } from './config.js'
import { type Datadir, openDatadir } from './datadir.js'
import { createReader, type Reader } from './reader.js'
import { LiveState } from './state/live-state.js'
import type { StateOptions } from './state/retention.js'
import { createStateProvider } from './state/state-provider.js'
import { createCallService } from './execution/call/call-service.js'
import { BlockExecutor } from './execution/block-executor.js'
import { createCompatMode } from './execution/compat-modes.js'
import type { Logger } from './log.js'
import { NodeMetrics } from './metrics.js'
import { ArgumentError } from './errors.js'
import { FinalityAlarm } from './finality/alarm.js'
import { AnchorFinalitySource } from './finality/anchor-source.js'
import { DepthFinalitySource, UpstreamFinalitySource } from './finality/simple-sources.js'
import type { FinalitySource } from './finality/source.js'
import { FinalityTracker } from './finality/tracker.js'
import type { SyncEvent } from './sync/events.js'
import { Follower } from './sync/follower.js'
import { Importer } from './sync/importer.js'
import { createLiveProgress } from './sync/live-progress.js'
import { createProgressReporter } from './sync/progress.js'
import { SyncStatus } from './sync/status.js'
import { createForwarder } from './sync/upstream/forwarder.js'
import { PeerManager } from './sync/upstream/peers.js'

/**
 * Composition root: builds the node's modules from options and wires them together. The only
 * file that connects rpc/ to the node.
 */
export async function createExecutor(datadir: Datadir, deps: { log: Logger }): Promise<BlockExecutor> {
  const compat = createCompatMode(datadir.settings.compat)
  if (compat !== null) {
    deps.log.warn(
      { compat: compat.name },
      `COMPATIBILITY MODE ${compat.name.toUpperCase()}: blocks are verified by canonical re-execution plus this sequencer's documented non-canonical state-root deviations; the state is NOT canonical Ethereum state`,
    )
  }
  // archival keeps every block's state; full and snap rebuild older ones from the stored changes
  const recordStateChanges = datadir.settings.retention !== 'archival'
  return BlockExecutor.create({ compat, recordStateChanges }, {
    chain: datadir.chain,
    trieNodes: datadir.store.trieNodes,
    getCanonicalHash: (number) => datadir.store.canonical.get(number),
  })
}

/**
 * The executor at the stored head, with its persistence: re-executes what a crash left
 * unpersisted since the last checkpoint.
 */
export async function openLiveState(
  datadir: Datadir,
  state: Omit<StateOptions, 'retention'>,
  deps: { log: Logger },
): Promise<{ executor: BlockExecutor; liveState: LiveState; stateOptions: StateOptions }> {
  const stateOptions: StateOptions = { ...state, retention: datadir.settings.retention }
  const executor = await createExecutor(datadir, deps)
  const liveState = await LiveState.open(stateOptions, { datadir, executor, log: deps.log.child({ module: 'state' }) })
  return { executor, liveState, stateOptions }
}

export interface RunningNode {
  url: string
  reader: Reader
  /** Folded sync events: heads, lag, peers. */
  status: SyncStatus
  metrics: NodeMetrics
  /** Resolves when the --import files are in (at once without any). Rejects if one fails verification. */
  imported: Promise<void>
  close(): Promise<void>
}

/**
 * Opens the datadir and serves JSON-RPC over it until close(). With --import files, imports them
 * first (the server answers meanwhile); with upstreams, live sync then follows their head.
 */
export async function startNode(options: StartOptions, deps: { log: Logger }): Promise<RunningNode> {
  const { log } = deps
  const genesis = options.genesisPath === null ? undefined : (await loadChainConfig(options.genesisPath)).genesis
  const datadir = await openDatadir({ path: options.datadir, genesis, compat: options.compat, retention: options.retention }, { log })
  const tracksFinality = (options.finality?.source ?? 'none') !== 'none'
  const { executor, liveState, stateOptions } = await openLiveState(datadir, { ...options.state, countVerifiedOnly: tracksFinality }, { log })
  const sync = options.sync
  const following = sync.upstreams.length > 0
  const status = new SyncStatus({ readyMaxLag: sync.readyMaxLag, following })
  const alarm = await FinalityAlarm.load(datadir, log.child({ module: 'finality' }))
  const metrics = new NodeMetrics(status, () => alarm.active !== null)
  const syncLog = log.child({ module: 'sync' })
  const liveProgress = createLiveProgress({ intervalMs: 5000 }, { log: syncLog })
  const importProgress = createProgressReporter({ tty: null, intervalMs: 5000 }, { log: syncLog })
  const onEvent = (event: SyncEvent) => {
    status.onEvent(event)
    metrics.onEvent(event)
    if ('phase' in event && event.phase === 'import') importProgress.onEvent(event)
    else liveProgress.onEvent(event)
    if (event.type === 'error' && event.code === 'REORG_BELOW_FINALIZED') {
      void alarm.raise({ source: 'reorg', number: String(event.number ?? ''), reason: event.reason })
    }
  }
  const head = await datadir.head()
  status.onEvent({ type: 'tip', phase: 'live', localHead: head.number, remoteHead: null })
  status.phase = 'idle'

  const peers = following
    ? new PeerManager(
        { urls: sync.upstreams, timeoutMs: sync.timeoutMs, batchSize: sync.batchSize, maxFailures: sync.maxFailures, reprobeMs: sync.reprobeMs, banMs: sync.banMs },
        { log: syncLog, onEvent },
      )
    : null
  const states = createStateProvider(stateOptions, { datadir, log: log.child({ module: 'state' }) })
  const calls = createCallService(
    { gasCap: BigInt(options.rpc.gasCap), timeoutMs: options.rpc.evmTimeoutMs, workers: options.rpc.callWorkers },
    { chain: datadir.chain, log: log.child({ module: 'call' }) },
  )
  calls.warm()
  const reader = createReader(
    { clientVersion: clientVersion(), blockCacheEntries: 256 },
    { datadir, states, calls, sync: status, ...(peers === null ? {} : { forwarder: createForwarder({ peers }) }) },
  )
  const readiness = () => {
    const state = status.readiness()
    const raised = alarm.active
    return raised === null ? state : { ...state, ready: false, reason: `finality alarm: ${raised.reason}` }
  }
  const app = createRpcApp(options.rpc, { reader, log: log.child({ module: 'rpc' }), readiness, metrics })
  const server = await listen(app, options.rpc)
  const address = server.address() as AddressInfo
  const url = `http://${formatHost(options.rpc.host)}:${address.port}`
  log.info({ url, head: head.number.toString(), datadir: options.datadir, upstreams: sync.upstreams }, 'serving JSON-RPC')
  // in the background, like calls.warm(): checks the stored state changes against the newest
  // checkpoint, which also readies the rebuild path for the first historical queries
  void states.checkStoredChanges().catch((err) => log.warn({ err: (err as Error).message }, 'could not check the stored state changes'))

  const importer = await Importer.create({ datadir, executor, liveState, onEvent })
  const finality = createFinalityTracker(options.finality ?? { source: 'none' }, { datadir, alarm, peers, log: log.child({ module: 'finality' }), onEvent })
  await finality?.start()
  let follower: Follower | null = null
  let closing = false
  // phase 1: chain files; phase 2: the upstreams' head, in the same process
  const imported = (async () => {
    if (options.importFiles.length > 0) {
      status.phase = 'import'
      const result = await importer.importFiles(options.importFiles)
      log.info({ head: result.head.number.toString(), imported: result.imported, skipped: result.skipped }, 'import phase done')
    }
    if (peers !== null && !closing) {
      follower = new Follower(
        { pollIntervalMs: sync.pollIntervalMs, window: sync.window, maxBackoffMs: 30_000 },
        { datadir, importer, liveState, peers, log: syncLog, onEvent },
      )
      follower.start()
    }
  })()
  imported.catch((err) => log.error({ err: (err as Error).message }, 'import phase failed; live sync not started'))

  return {
    url,
    reader,
    status,
    metrics,
    imported,
    async close() {
      closing = true
      importer.stop()
      await imported.catch(() => undefined)
      await (follower as Follower | null)?.stop()
      await finality?.stop()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await calls.close()
      await liveState.flush()
      await datadir.close()
    },
  }
}

/** The finality tracker for --finality / --l1 --anchor, or null for none. */
function createFinalityTracker(
  options: FinalityOptions,
  deps: { datadir: Datadir; alarm: FinalityAlarm; peers: PeerManager | null; log: Logger; onEvent: (event: SyncEvent) => void },
): FinalityTracker | null {
  const { datadir, alarm, log } = deps
  let source: FinalitySource
  switch (options.source) {
    case 'none':
      return null
    case 'anchor':
      source = new AnchorFinalitySource({ l1Url: options.l1Url, anchor: options.anchor, fromBlock: options.fromBlock, logsChunk: 10_000n, timeoutMs: 10_000 }, { datadir, alarm, log })
      break
    case 'upstream':
      if (deps.peers === null) throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument: '--finality', reason: 'upstream finality needs --upstream' })
      source = new UpstreamFinalitySource({ datadir, peers: deps.peers, alarm })
      break
    case 'depth':
      source = new DepthFinalitySource(options.depth, { datadir })
      break
  }
  return new FinalityTracker({ pollIntervalMs: options.pollIntervalMs }, { datadir, source, alarm, log, onEvent: deps.onEvent })
}

function listen(app: Hono, rpc: RpcOptions): Promise<ServerType & { address(): AddressInfo | string | null }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: rpc.host, port: rpc.port }, () => resolve(server as never))
    server.once('error', reject)
  })
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

export function clientVersion(): string {
  return `${CLIENT_NAME}/v${VERSION}/${process.platform}-${process.arch}/node${process.versions.node}`
}
