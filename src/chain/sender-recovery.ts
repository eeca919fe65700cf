import { Worker } from 'node:worker_threads'
import type { Block } from '@ethereumjs/block'
import { Capability, type TypedTransaction } from '@ethereumjs/tx'
import { Address, SECP256K1_ORDER_DIV_2, bigIntToUnpaddedBytes, calculateSigRecovery } from '@ethereumjs/util'
import { workerScriptURL } from '../util/worker-url.js'
import { primeSenderAddress } from './ethereumjs-speedups.js'
import { recoverPublicKey } from './secp256k1.js'

/** Bytes per signature sent to the worker: message hash, r ++ s, recovery id. */
const ITEM = 32 + 64 + 1
const PUBLIC_KEY = 64
/** Bytes per signature the worker answers: the public key, then the sender address. */
const ANSWER = PUBLIC_KEY + 20

/**
 * Recovers transaction senders on a worker thread, ahead of execution: while the main thread
 * executes block N, the worker recovers block N+1's senders, and each recovered public key goes
 * into its transaction's cache, where ethereumjs's own signature checks find it, with the address
 * it hashes to (see primeSenderAddress).
 *
 * Only signatures ethereumjs would accept up to the recovery itself are sent (recovery id 0 or 1
 * from v, s in the lower half of the curve order); any other, and any the worker cannot recover,
 * is left alone, so ethereumjs refuses it exactly as it would have. With libsecp256k1 unavailable
 * (see secp256k1.ts) there is no worker and recovery stays inline.
 */
export class SenderRecovery {
  /** Requests in flight: each resolves with the worker's keys, or null if the worker died. */
  private readonly pending = new Map<number, (keys: Uint8Array | null) => void>()
  private nextId = 0
  private closing = false

  private constructor(private readonly worker: Worker) {
    worker.on('message', ({ id, keys }: { id: number; keys: Uint8Array }) => this.settle(id, keys))
    worker.on('error', () => this.failAll())
    worker.on('exit', () => this.failAll())
    // an idle worker does not keep the process alive
    worker.unref()
  }

  /** A worker-backed recovery, or null where libsecp256k1 does not load. */
  static start(): SenderRecovery | null {
    if (recoverPublicKey === undefined) return null
    return new SenderRecovery(new Worker(workerScriptURL('chain/sender-recovery-worker.js')))
  }

  /**
   * Recovers the senders of `block`'s transactions into their caches. Resolves when done; never
   * rejects (a transaction it could not help is recovered inline later, as before).
   */
  async recover(block: Block): Promise<void> {
    const txs = block.transactions.filter((tx) => Object.isFrozen(tx) && tx.cache.senderPubKey === undefined)
    const accepted: TypedTransaction[] = []
    const input = new Uint8Array(txs.length * ITEM)
    for (const tx of txs) {
      const at = accepted.length * ITEM
      if (writeItem(tx, input.subarray(at, at + ITEM))) accepted.push(tx)
    }
    if (accepted.length === 0) return
    const keys = await this.send(input.subarray(0, accepted.length * ITEM))
    if (keys === null) return
    accepted.forEach((tx, i) => {
      const key = keys.subarray(i * ANSWER, i * ANSWER + PUBLIC_KEY)
      // all zero: the worker could not recover it; ethereumjs will say why
      if (key.every((byte) => byte === 0)) return
      tx.cache.senderPubKey = key
      primeSenderAddress(tx, new Address(keys.slice(i * ANSWER + PUBLIC_KEY, (i + 1) * ANSWER)))
    })
  }

  async close(): Promise<void> {
    // An unref'd worker does not hold the event loop open while it terminates: a caller awaiting
    // this with nothing else pending (an import unwinding after a refused block) would see the
    // process end quietly, with exit code 0, before its error is reported. So the worker stays
    // ref'd from here on, even when an answer still in flight settles the last request.
    this.closing = true
    this.worker.ref()
    await this.worker.terminate()
  }

  private send(input: Uint8Array): Promise<Uint8Array | null> {
    const id = this.nextId++
    this.worker.ref()
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.worker.postMessage({ id, input }, [input.buffer as ArrayBuffer])
    })
  }

  private settle(id: number, keys: Uint8Array | null): void {
    this.pending.get(id)?.(keys)
    this.pending.delete(id)
    if (this.pending.size === 0 && !this.closing) this.worker.unref()
  }

  private failAll(): void {
    for (const id of [...this.pending.keys()]) this.settle(id, null)
  }
}

/**
 * Writes the worker's input for one transaction into `item` (ITEM bytes); false, writing nothing,
 * if ethereumjs would refuse the signature before recovering it.
 */
function writeItem(tx: TypedTransaction, item: Uint8Array): boolean {
  const { v, r, s } = tx
  if (v === undefined || r === undefined || s === undefined) return false
  if (s > SECP256K1_ORDER_DIV_2) return false
  const chainId = tx.supports(Capability.EIP155ReplayProtection) ? tx.common.chainId() : undefined
  let recovery: bigint
  try {
    recovery = calculateSigRecovery(v, chainId)
  } catch {
    return false
  }
  if (recovery !== 0n && recovery !== 1n) return false
  const rBytes = bigIntToUnpaddedBytes(r)
  const sBytes = bigIntToUnpaddedBytes(s)
  if (rBytes.length > 32 || sBytes.length > 32) return false
  item.set(tx.getMessageToVerifySignature(), 0)
  item.set(rBytes, 64 - rBytes.length)
  item.set(sBytes, 96 - sBytes.length)
  item[96] = Number(recovery)
  return true
}
