import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { createRpcApp } from '../rpc/server.js'
import { loadChainConfig } from './chain/genesis.js'
import { CLIENT_NAME, type RpcOptions, type StartOptions, VERSION } from './config.js'
import { type Datadir, openDatadir } from './datadir.js'
import { createReader, type Reader } from './reader.js'
import { LiveState } from './state/live-state.js'
import type { StateOptions } from './state/retention.js'
import { createStateProvider } from './state/state-provider.js'
import { createCallService } from './execution/call/call-service.js'
import { BlockExecutor } from './execution/block-executor.js'
import { createCompatMode } from './execution/compat-modes.js'
import type { Logger } from './log.js'

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
  return BlockExecutor.create({ compat }, {
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
  close(): Promise<void>
}

/**
 * Opens the datadir and serves JSON-RPC over it until close(). With no upstream configured the
 * node serves what the datadir holds.
 */
export async function startNode(options: StartOptions, deps: { log: Logger }): Promise<RunningNode> {
  const { log } = deps
  const genesis = options.genesisPath === null ? undefined : (await loadChainConfig(options.genesisPath)).genesis
  const datadir = await openDatadir({ path: options.datadir, genesis, compat: options.compat, retention: options.retention }, { log })
  const { liveState, stateOptions } = await openLiveState(datadir, options.state, { log })
  const states = createStateProvider(stateOptions, { datadir, log: log.child({ module: 'state' }) })
  const calls = createCallService(
    { gasCap: BigInt(options.rpc.gasCap), timeoutMs: options.rpc.evmTimeoutMs, workers: options.rpc.callWorkers },
    { chain: datadir.chain, log: log.child({ module: 'call' }) },
  )
  calls.warm()
  const reader = createReader({ clientVersion: clientVersion(), blockCacheEntries: 256 }, { datadir, states, calls })
  const app = createRpcApp(options.rpc, { reader, log: log.child({ module: 'rpc' }) })
  const server = await listen(app, options.rpc)
  const address = server.address() as AddressInfo
  const url = `http://${formatHost(options.rpc.host)}:${address.port}`
  const head = await reader.head()
  log.info({ url, head: head.number.toString(), datadir: options.datadir }, 'serving JSON-RPC')
  return {
    url,
    reader,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await calls.close()
      await liveState.flush()
      await datadir.close()
    },
  }
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
