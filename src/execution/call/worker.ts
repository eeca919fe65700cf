import { parentPort, workerData } from 'node:worker_threads'
import { LRUCache } from 'lru-cache'
import { BlockCodec } from '../../chain/codec.js'
import { createChainConfig } from '../../chain/genesis.js'
import type { TrieDB } from '../../state/state-view.js'
import { CallError } from './errors.js'
import type { CallJob, CallWorkerData, FromWorker, JobOutcome, ToWorker } from './protocol.js'
import { simulate } from './run-call.js'

/**
 * A call worker: runs eth_call-family jobs with its own VM, off the main thread, so an endless
 * loop costs this thread and not the server (the pool terminates it on timeout). State comes
 * from the main thread one node at a time (protocol.ts).
 */

const port = parentPort
if (port === null) throw new Error('call worker: must run in a worker thread')

const { genesis } = workerData as CallWorkerData
const chain = createChainConfig(genesis)
const codec = new BlockCodec(chain)

/**
 * Nodes and code already fetched, across jobs: keys are hashes of their values, so whatever
 * state a later job reads, a cached value is still the right one.
 */
const NODE_CACHE_BYTES = 64 * 1024 * 1024
const nodeCache = new LRUCache<string, Uint8Array>({
  maxSize: NODE_CACHE_BYTES,
  sizeCalculation: (value, key) => value.length + key.length + 64,
})

let nextRequestId = 0
const waiting = new Map<number, (value: unknown) => void>()

function ask<T>(request: Extract<FromWorker, { requestId: number }>): Promise<T> {
  return new Promise<T>((resolve) => {
    waiting.set(request.requestId, resolve as (value: unknown) => void)
    port!.postMessage(request)
  })
}

const remoteNodes: TrieDB = {
  async get(key) {
    const cached = nodeCache.get(key)
    if (cached !== undefined) return cached
    const value = await ask<Uint8Array | null>({ type: 'getNode', requestId: nextRequestId++, key })
    if (value === null) return undefined
    nodeCache.set(key, value)
    return value
  },
  async put() {},
  async del() {},
  async batch() {},
  shallowCopy() {
    return this
  },
  async open() {},
}

async function run(job: CallJob): Promise<JobOutcome> {
  try {
    const env = {
      chain,
      header: codec.decodeHeader(job.header),
      stateRoot: job.stateRoot,
      nodes: remoteNodes,
      blockHash: (number: bigint) => ask<Uint8Array | null>({ type: 'getBlockHash', requestId: nextRequestId++, number }),
    }
    const value = await simulate(job.kind, env, job.input, { gasCap: job.gasCap })
    return { ok: true, value }
  } catch (err) {
    if (err instanceof CallError) return { ok: false, error: err.type }
    return { ok: false, crash: err instanceof Error ? (err.stack ?? err.message) : String(err) }
  }
}

port.postMessage({ type: 'ready' } satisfies FromWorker)

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'run':
      port.postMessage({ type: 'started', jobId: message.job.id } satisfies FromWorker)
      void run(message.job).then((outcome) => port.postMessage({ type: 'done', jobId: message.job.id, outcome } satisfies FromWorker))
      return
    case 'node': {
      const resolve = waiting.get(message.requestId)
      waiting.delete(message.requestId)
      resolve?.(message.value)
      return
    }
    case 'blockHash': {
      const resolve = waiting.get(message.requestId)
      waiting.delete(message.requestId)
      resolve?.(message.hash)
      return
    }
  }
})
