import { type Address, type Hex, createPublicClient, createWalletClient, getAddress, http, isAddressEqual } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Logger } from '../log.js'
import { ANCHOR_ABI } from './anchor-artifact.js'
import { AnchorError } from './anchor-errors.js'
import { shortMessage } from './deploy.js'

export interface ProposerOptions {
  /** JSON-RPC URL of the L2 whose blocks are anchored (the sequencer, or a Hindsight follower of it). */
  l2Url: string
  /** JSON-RPC URL of the L1 the anchor contract lives on. */
  l1Url: string
  /** The anchor contract (contracts/Anchor.sol) on L1. */
  anchor: Address
  /** Anchor L2 blocks N, 2N, 3N, ... */
  every: number
  /** The proposer's key (0x-prefixed hex): the contract's `proposer()`, paying for the anchors. */
  privateKey: Hex
  /** How often the L2 head is polled once every due block is anchored. */
  pollIntervalMs?: number
  /** Per JSON-RPC request, to either chain. */
  timeoutMs?: number
  /** How long to wait for an anchor transaction's receipt before sending it again. */
  receiptTimeoutMs?: number
  /** Longest wait between attempts after failures (the first wait is pollIntervalMs, doubling). */
  maxBackoffMs?: number
  /** How long L1 may take to answer at all at start-up. */
  connectTimeoutMs?: number
}

export const defaultProposerOptions = {
  pollIntervalMs: 1_000,
  timeoutMs: 10_000,
  receiptTimeoutMs: 180_000,
  maxBackoffMs: 30_000,
  connectTimeoutMs: 30_000,
}

export interface Proposer {
  /** The proposer's address (the key's). */
  readonly account: Address
  /** Stops polling and posting; resolves once no request of ours is in flight but a transaction being sent. */
  stop(): Promise<void>
}

/**
 * Posts every `every`-th L2 block's hash and state root to the L1 anchor contract, in order,
 * one transaction at a time, each waited for until mined. The next block to anchor is always
 * derived from the contract's `latestBlock()` (the first multiple of `every` above it), never
 * from memory: a restarted proposer resumes where the last one stopped, and a transaction whose
 * receipt we missed is not sent twice.
 *
 * Resolves once L1 answers, the contract exists and accepts our key (AnchorError otherwise);
 * from then on, failed requests to either chain are logged and retried with backoff, never
 * fatal. Transactions use L1's mined nonce, so a resend after a lost receipt replaces the
 * earlier transaction instead of queueing behind it.
 */
export async function startProposer(options: ProposerOptions, deps: { log: Logger }): Promise<Proposer> {
  const opts = { ...defaultProposerOptions, ...options }
  if (!Number.isSafeInteger(opts.every) || opts.every <= 0) throw new RangeError(`every must be a positive integer, got ${opts.every}`)
  const { log } = deps
  const every = BigInt(opts.every)
  const anchor = getAddress(opts.anchor)
  const account = privateKeyToAccount(opts.privateKey)
  const l1Transport = http(opts.l1Url, { retryCount: 0, timeout: opts.timeoutMs })
  const l1 = createPublicClient({ transport: l1Transport, pollingInterval: opts.pollIntervalMs })
  const wallet = createWalletClient({ account, transport: l1Transport })
  const l2 = createPublicClient({ transport: http(opts.l2Url, { retryCount: 0, timeout: opts.timeoutMs }) })

  const stopping = new AbortController()
  const { signal } = stopping
  /** Races a request with stop(): abandoning a read or a wait for a receipt is harmless. */
  const untilStopped = <T>(promise: Promise<T>) => abortable(promise, signal)
  const latestBlock = () => l1.readContract({ address: anchor, abi: ANCHOR_ABI, functionName: 'latestBlock' })

  await waitForL1(l1, opts.l1Url, opts.connectTimeoutMs)
  const code = await l1.getCode({ address: anchor })
  if (code === undefined || code === '0x') throw new AnchorError({ code: 'NO_CONTRACT', anchor, url: opts.l1Url })
  const proposer = await l1.readContract({ address: anchor, abi: ANCHOR_ABI, functionName: 'proposer' })
  if (!isAddressEqual(proposer, account.address)) {
    throw new AnchorError({ code: 'NOT_PROPOSER', anchor, proposer, account: account.address })
  }
  const latest = await latestBlock()
  log.info({ anchor, proposer, every: opts.every, latestBlock: Number(latest), next: Number(nextDue(latest, every)) }, 'proposer started')

  /** Anchors every due block the L2 has; returns once the next one is past its head. */
  const anchorDue = async () => {
    for (;;) {
      const next = nextDue(await untilStopped(latestBlock()), every)
      const head = await untilStopped(l2.getBlockNumber({ cacheTime: 0 }))
      if (next > head) return
      const block = await untilStopped(l2.getBlock({ blockNumber: next }))
      const nonce = await untilStopped(l1.getTransactionCount({ address: account.address, blockTag: 'latest' }))
      if (signal.aborted) return
      const tx = await wallet.writeContract({
        address: anchor,
        abi: ANCHOR_ABI,
        functionName: 'anchor',
        args: [next, block.hash, block.stateRoot],
        nonce,
        chain: null,
      })
      log.debug({ l2Block: Number(next), tx, nonce }, 'anchor sent')
      // viem keeps polling through L1 errors until the receipt comes or the timeout; after a
      // timeout the next round reads latestBlock again and resends only if it was not mined
      const receipt = await l1.waitForTransactionReceipt({ hash: tx, timeout: opts.receiptTimeoutMs, signal })
      if (receipt.status !== 'success') {
        // only the proposer can anchor and we read latestBlock just before: out of gas, or a race with another proposer process
        throw new AnchorError({ code: 'ANCHOR_REVERTED', l2Block: next, tx, l1Block: receipt.blockNumber })
      }
      log.info({ l2Block: Number(next), l1Block: Number(receipt.blockNumber), tx, blockHash: block.hash, stateRoot: block.stateRoot }, 'anchored')
    }
  }

  const run = async () => {
    let backoffMs = 0
    while (!signal.aborted) {
      try {
        await anchorDue()
        backoffMs = 0
        await sleep(opts.pollIntervalMs, signal)
      } catch (err) {
        if (signal.aborted) break
        backoffMs = backoffMs === 0 ? opts.pollIntervalMs : Math.min(backoffMs * 2, opts.maxBackoffMs)
        log.warn({ err: shortMessage(err), retryInMs: backoffMs }, 'proposer: request failed, retrying')
        await sleep(backoffMs, signal)
      }
    }
  }
  const running = run()
  let stopped: Promise<void> | null = null

  return {
    account: account.address,
    stop() {
      stopped ??= (async () => {
        stopping.abort()
        await running
        log.info('proposer stopped')
      })()
      return stopped
    },
  }
}

/** The first multiple of `every` above `latest`. */
export function nextDue(latest: bigint, every: bigint): bigint {
  return (latest / every + 1n) * every
}

async function waitForL1(l1: { getChainId(): Promise<number> }, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await l1.getChainId()
      return
    } catch (err) {
      if (Date.now() > deadline) throw new AnchorError({ code: 'L1_UNREACHABLE', url, reason: shortMessage(err) })
      await sleep(500)
    }
  }
}

class Stopped extends Error {}

/** `promise`, or a rejection as soon as `signal` aborts (the promise is left to settle alone). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {})
    return Promise.reject(new Stopped())
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Stopped())
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
