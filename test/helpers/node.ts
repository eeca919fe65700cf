import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadChainConfig } from '../../src/chain/genesis.js'
import { defaultRpcOptions, defaultSyncOptions, type RpcOptions } from '../../src/config.js'
import { openDatadir } from '../../src/datadir.js'
import { markFinalized } from '../../src/finality/mark.js'
import { createLogger } from '../../src/log.js'
import { openLiveState, type RunningNode, startNode } from '../../src/main.js'
import { type RetentionMode, type StateOptions, defaultStateOptions } from '../../src/state/retention.js'
import { Importer } from '../../src/sync/importer.js'
import type { CompatModeName } from '../../src/execution/compat.js'

export const silentLog = createLogger({ level: 'silent' })

export function tempDir(prefix = 'hindsight-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** Imports chain files into `datadir` in-process, as `hindsight import` does. */
export async function importChain(options: {
  datadir: string
  genesisPath: string
  files: string[]
  finalized?: string
  compat?: CompatModeName | null
  retention?: RetentionMode
  state?: Partial<StateOptions>
}): Promise<void> {
  const chain = await loadChainConfig(options.genesisPath)
  const datadir = await openDatadir(
    { path: options.datadir, genesis: chain.genesis, compat: options.compat, retention: options.retention },
    { log: silentLog },
  )
  try {
    const { executor, liveState } = await openLiveState(datadir, { ...defaultStateOptions, ...options.state }, { log: silentLog })
    const importer = await Importer.create({ datadir, executor, liveState })
    try {
      await importer.importFiles(options.files)
    } finally {
      await liveState.flush()
    }
    if (options.finalized !== undefined) await markFinalized(datadir, options.finalized)
  } finally {
    await datadir.close()
  }
}

/** Serves a datadir on a free loopback port. */
export async function startTestNode(datadir: string, rpc: Partial<RpcOptions> = {}, state: Partial<StateOptions> = {}): Promise<RunningNode> {
  return startNode(
    {
      datadir,
      genesisPath: null,
      compat: undefined,
      retention: undefined,
      state: { ...defaultStateOptions, ...state },
      rpc: { ...defaultRpcOptions, port: 0, ...rpc },
      sync: defaultSyncOptions,
      importFiles: [],
    },
    { log: silentLog },
  )
}

let nextId = 1

/** Posts one JSON-RPC request and returns the parsed response object. */
export async function rpcRequest(url: string, method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  })
  return (await response.json()) as never
}

/** Posts one JSON-RPC request and returns its result, throwing on an error response. */
export async function rpcCall<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await rpcRequest(url, method, params)
  if (response.error !== undefined) throw new Error(`${method}: ${response.error.code} ${response.error.message}`)
  return response.result as T
}
