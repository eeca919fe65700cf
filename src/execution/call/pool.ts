import { Worker } from 'node:worker_threads'
import type { GethGenesis } from '@ethereumjs/common'
import type { Logger } from '../../log.js'
import { workerScriptURL } from '../../util/worker-url.js'
import { formatGoDuration } from './duration.js'
import { CallError } from './errors.js'
import type { CallJob, CallWorkerData, FromWorker, JobOutcome, ToWorker } from './protocol.js'
import type { CallInput, CallKind, CallResults } from './types.js'

export interface CallPoolOptions {
  /** Number of worker threads; calls beyond it wait in line. */
  size: number
  /** A job still running after this many milliseconds is cut off (0 = never). */
  timeoutMs: number
}

/** Where a job's state comes from: the main thread answers the worker's questions with these. */
export interface JobSource {
  /** A trie node or code blob by its node-database key, or undefined. */
  node(key: string): Promise<Uint8Array | undefined>
  /** BLOCKHASH: the hash of the job's block's ancestor at `number`, or null. */
  blockHash(number: bigint): Promise<Uint8Array | null>
}

export interface PoolJob {
  kind: CallKind
  header: Uint8Array
  stateRoot: Uint8Array
  input: CallInput
  gasCap: bigint
}

interface Running {
  job: CallJob
  source: JobSource
  timer: NodeJS.Timeout | undefined
  resolve(value: unknown): void
  reject(err: unknown): void
}

interface Slot {
  worker: Worker
  /** Loaded: a job given to it starts at once. */
  ready: boolean
  running: Running | null
}

/**
 * A small pool of worker threads that run calls (worker.ts). The EVM never yields while it
 * loops, so a call runs on a worker: the main thread stays free to serve other requests, and a
 * call past the timeout is stopped by terminating its worker, which a fresh one replaces.
 * Workers start with warm() or on first use; a job's time counts from when its worker starts
 * running it, so loading a fresh worker is never held against a call.
 */
export class CallPool {
  private readonly slots = new Set<Slot>()
  private readonly queue: { job: CallJob; source: JobSource; resolve(value: unknown): void; reject(err: unknown): void }[] = []
  private readonly workerUrl: URL
  private nextJobId = 0
  private closed = false

  constructor(
    private readonly options: CallPoolOptions,
    private readonly deps: { genesis: GethGenesis; log: Logger; workerUrl?: URL },
  ) {
    this.workerUrl = deps.workerUrl ?? callWorkerURL()
  }

  /** Runs a job on a worker; rejects with CallError (as the worker threw it, or TIMEOUT). */
  run<K extends CallKind>(job: PoolJob & { kind: K }, source: JobSource): Promise<CallResults[K]> {
    if (this.closed) return Promise.reject(new Error('call pool is closed'))
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { ...job, id: this.nextJobId++ }, source, resolve: resolve as (value: unknown) => void, reject })
      this.dispatch()
    })
  }

  /** Starts all workers ahead of the first calls, so those do not wait for one to load. */
  warm(): void {
    while (!this.closed && this.slots.size < this.options.size) this.spawn()
  }

  async close(): Promise<void> {
    this.closed = true
    for (const waiting of this.queue.splice(0)) waiting.reject(new Error('call pool is closed'))
    const slots = [...this.slots]
    this.slots.clear()
    for (const slot of slots) {
      const running = slot.running
      if (running !== null) this.settle(slot, () => running.reject(new Error('call pool is closed')))
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()))
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const idle = [...this.slots].filter((s) => s.running === null)
      let slot = idle.find((s) => s.ready) ?? idle[0]
      if (slot === undefined && this.slots.size < this.options.size) slot = this.spawn()
      if (slot === undefined) return
      const next = this.queue.shift()!
      slot.running = { ...next, timer: undefined }
      slot.worker.ref()
      slot.worker.postMessage({ type: 'run', job: next.job } satisfies ToWorker)
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerUrl, { workerData: { genesis: this.deps.genesis } satisfies CallWorkerData })
    const slot: Slot = { worker, ready: false, running: null }
    worker.unref()
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message))
    worker.on('error', (err) => this.onExit(slot, err))
    worker.on('exit', (code) => this.onExit(slot, new Error(`call worker exited with code ${code}`)))
    this.slots.add(slot)
    return slot
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    if (message.type === 'ready') {
      slot.ready = true
      return
    }
    const running = slot.running
    if (running === null) return
    switch (message.type) {
      case 'getNode':
        running.source.node(message.key).then(
          (value) => slot.worker.postMessage({ type: 'node', requestId: message.requestId, value: value ?? null } satisfies ToWorker),
          (err) => this.fail(slot, err),
        )
        return
      case 'getBlockHash':
        running.source.blockHash(message.number).then(
          (hash) => slot.worker.postMessage({ type: 'blockHash', requestId: message.requestId, hash } satisfies ToWorker),
          (err) => this.fail(slot, err),
        )
        return
      case 'started':
        if (message.jobId === running.job.id && this.options.timeoutMs > 0) {
          running.timer = setTimeout(() => this.timeOut(slot), this.options.timeoutMs)
        }
        return
      case 'done':
        if (message.jobId !== running.job.id) return
        this.settle(slot, () => settleOutcome(running, message.outcome))
        this.dispatch()
        return
    }
  }

  /** The main thread could not answer the worker: the job fails, the worker is replaced. */
  private fail(slot: Slot, err: unknown): void {
    const running = slot.running
    if (running === null) return
    this.settle(slot, () => running.reject(err))
    this.replace(slot)
  }

  private timeOut(slot: Slot): void {
    const running = slot.running
    if (running === null) return
    this.deps.log.debug({ kind: running.job.kind, timeoutMs: this.options.timeoutMs }, 'call timed out; replacing its worker')
    this.settle(slot, () => running.reject(new CallError({ code: 'TIMEOUT', timeout: formatGoDuration(this.options.timeoutMs) })))
    this.replace(slot)
  }

  /** Terminates a worker that may still be busy and starts a fresh one in its place. */
  private replace(slot: Slot): void {
    if (!this.slots.delete(slot)) return
    slot.worker.removeAllListeners()
    slot.worker.on('error', () => {})
    void slot.worker.terminate()
    if (!this.closed) {
      this.spawn()
      this.dispatch()
    }
  }

  private onExit(slot: Slot, err: Error): void {
    if (!this.slots.delete(slot)) return
    if (!this.closed) this.deps.log.error({ err }, 'call worker died')
    const running = slot.running
    if (running !== null) this.settle(slot, () => running.reject(err))
    if (!this.closed) this.dispatch()
  }

  private settle(slot: Slot, finish: () => void): void {
    const running = slot.running
    if (running === null) return
    clearTimeout(running.timer)
    slot.running = null
    slot.worker.unref()
    finish()
  }
}

function settleOutcome(running: Running, outcome: JobOutcome): void {
  if (outcome.ok) running.resolve(outcome.value)
  else if ('error' in outcome) running.reject(new CallError(outcome.error))
  else running.reject(new Error(`call worker failed: ${outcome.crash}`))
}

/** The call worker's script (see workerScriptURL). */
export function callWorkerURL(): URL {
  return workerScriptURL('execution/call/worker.js')
}
