import {
  type Address,
  BaseError,
  type Hex,
  type PublicClient,
  type TransactionSerializable,
  bytesToHex,
  createPublicClient,
  getContractAddress,
  http,
  keccak256,
  toHex,
} from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { PROBE_INIT_CODE, TOKEN_INIT_CODE, TOKEN_SUPPLY, encodeProbeCalldata } from '../../fixtures/anvil/contracts.js'
import { DEV_PRIVATE_KEYS, transferCalldata } from '../../fixtures/anvil/generate-chain.js'
import type { Logger } from '../log.js'
import { DevnetError } from './errors.js'

export interface TrafficOptions {
  /** JSON-RPC endpoint of the sequencer (anvil). */
  rpcUrl: string
  /** Transactions per second to send, across all senders. */
  tps: number
  /**
   * Private keys of the senders. Default: anvil's dev accounts 1 to 9, leaving account 0
   * (the one tutorials and `cast` examples use) to whoever uses the devnet by hand.
   */
  keys?: readonly Hex[]
  /** Between progress log lines. */
  logIntervalMs?: number
  /** How long to wait for the endpoint to answer at all before giving up. */
  connectTimeoutMs?: number
}

export const defaultTrafficOptions = {
  keys: DEV_PRIVATE_KEYS.slice(1),
  logIntervalMs: 5_000,
  connectTimeoutMs: 30_000,
}

export type TxKind = 'transfer' | 'erc20' | 'call' | 'revert'

/**
 * The steady mix, one entry per transaction in turn: ETH transfers, ERC-20 transfers (a
 * Transfer log each), probe calls (a storage write and two logs) and calls that revert (a mined
 * transaction with a status-0 receipt).
 */
const MIX: readonly TxKind[] = ['transfer', 'erc20', 'call', 'transfer', 'erc20', 'call', 'revert']

export interface TrafficStats {
  /** Transactions the endpoint accepted, by kind. */
  sent: Record<TxKind, number>
  /** Of those, the ones seen in a block so far (counted at each progress line). */
  mined: number
  /** Sends that failed (each is retried with a fresh nonce). */
  errors: number
}

export interface Traffic {
  /** The contracts the traffic deployed and calls. */
  readonly token: Address
  readonly probe: Address
  /** Senders' addresses. */
  readonly senders: readonly Address[]
  stats(): TrafficStats
  /** Stops sending, waits for the sends in flight, and returns the final counts. */
  stop(): Promise<TrafficStats>
}

const GWEI = 1_000_000_000n
const PRIORITY_FEE = GWEI
/** Tokens each sender gets from the deployer, so every sender can make ERC-20 transfers. */
const TOKEN_GRANT = TOKEN_SUPPLY / 100n
/** After a failed send, so a sender facing a dead endpoint does not spin. */
const RETRY_DELAY_MS = 500
/** A sent transaction not seen in a block after this long is no longer looked for. */
const FORGET_AFTER_MS = 120_000

interface Sender {
  index: number
  account: PrivateKeyAccount
  /** The next nonce to use; null = ask the endpoint first (at start and after any failed send). */
  nonce: number | null
}

/**
 * Sends a steady mix of signed raw transactions (eth_sendRawTransaction only, never a cheat
 * code: a follower must be able to re-execute everything that changes the chain) from anvil's dev
 * keys. First deploys its ERC-20 token and probe contract (fixtures/anvil/contracts.ts) and
 * hands each sender some tokens; resolves once those are mined, then sends `tps` transactions a
 * second until stop(). Each sender has one transaction in flight at most and tracks its own
 * nonce; any failed send makes it re-read its nonce from the endpoint, so the traffic survives
 * an endpoint restart, a dropped transaction or someone else using the same key.
 */
export async function startTraffic(options: TrafficOptions, deps: { log: Logger }): Promise<Traffic> {
  const opts = { ...defaultTrafficOptions, ...options }
  if (!(opts.tps > 0)) throw new RangeError(`tps must be positive, got ${opts.tps}`)
  const { log } = deps
  const client = createPublicClient({ transport: http(opts.rpcUrl, { retryCount: 0, timeout: 10_000 }) })
  const chainId = await waitForChain(client, opts.rpcUrl, opts.connectTimeoutMs)
  const senders: Sender[] = opts.keys.map((key, index) => ({ index, account: privateKeyToAccount(key), nonce: null }))
  if (senders.length === 0) throw new RangeError('traffic needs at least one sender key')

  let maxFeePerGas = await currentMaxFee(client)
  const feeFields = (type: 'legacy' | 'eip2930' | 'eip1559') =>
    type === 'eip1559' ? { maxFeePerGas, maxPriorityFeePerGas: PRIORITY_FEE } : { gasPrice: maxFeePerGas }
  const sign = (sender: Sender, tx: TxFields, type: 'legacy' | 'eip2930' | 'eip1559' = 'eip1559') =>
    sender.account.signTransaction({
      ...tx,
      type,
      chainId,
      nonce: sender.nonce!,
      ...feeFields(type),
      ...(type === 'eip2930' ? { accessList: [] } : {}),
    } as TransactionSerializable)

  const { token, probe } = await deployContracts(client, senders, sign, log)
  const startBlock = await client.getBlockNumber({ cacheTime: 0 })
  log.info({ token, probe, senders: senders.length, tps: opts.tps }, 'traffic: contracts deployed, sending')

  const sent: Record<TxKind, number> = { transfer: 0, erc20: 0, call: 0, revert: 0 }
  let errors = 0
  let errorsLogged = 0
  let lastError: string | null = null
  let mined = 0
  /** Hashes sent and not yet seen in a block, with when they were sent. */
  const unmined = new Map<Hex, number>()
  const stats = (): TrafficStats => ({ sent: { ...sent }, mined, errors })

  // Slots are handed out one per 1/tps seconds; a worker that fell behind takes the next slot
  // from now on rather than bursting to catch up.
  const intervalMs = 1000 / opts.tps
  let nextSlotAt = Date.now()
  let counter = 0
  const takeSlot = () => {
    nextSlotAt = Math.max(nextSlotAt, Date.now())
    const slot = { at: nextSlotAt, n: counter++ }
    nextSlotAt += intervalMs
    return slot
  }

  const stopping = new AbortController()
  const targets = { token, probe, senders }
  const worker = async (sender: Sender) => {
    while (!stopping.signal.aborted) {
      const { at, n } = takeSlot()
      await sleep(at - Date.now(), stopping.signal)
      if (stopping.signal.aborted) return
      const kind = MIX[n % MIX.length]
      try {
        if (sender.nonce === null) {
          sender.nonce = await client.getTransactionCount({ address: sender.account.address, blockTag: 'pending' })
        }
        const { tx, type } = buildTransaction(kind, n, sender, targets)
        const raw = await sign(sender, tx, type)
        const hash = await client.request({ method: 'eth_sendRawTransaction', params: [raw] })
        sender.nonce++
        sent[kind]++
        unmined.set(hash, Date.now())
      } catch (err) {
        sender.nonce = null
        errors++
        lastError = errorMessage(err)
        await sleep(RETRY_DELAY_MS, stopping.signal)
      }
    }
  }
  const workers = senders.map((sender) => worker(sender))

  // Fees follow the base fee; the mined count and the progress line come every logIntervalMs.
  let countedUpTo = startBlock
  let lastLog = { at: Date.now(), sent: 0 }
  let housekeeping: Promise<void> = Promise.resolve()
  const tick = async () => {
    try {
      maxFeePerGas = await currentMaxFee(client)
    } catch {
      // the endpoint is down: the senders count those failures; keep the last fee
    }
  }
  const report = async () => {
    let head: bigint | null = null
    try {
      head = await client.getBlockNumber({ cacheTime: 0 })
      for (let number = countedUpTo + 1n; number <= head; number++) {
        const block = await client.getBlock({ blockNumber: number })
        for (const hash of block.transactions) if (unmined.delete(hash)) mined++
        countedUpTo = number
      }
    } catch (err) {
      lastError = errorMessage(err)
    }
    const now = Date.now()
    for (const [hash, sentAt] of unmined) if (now - sentAt > FORGET_AFTER_MS) unmined.delete(hash)
    const total = sent.transfer + sent.erc20 + sent.call + sent.revert
    const tps = Math.round(((total - lastLog.sent) * 10_000) / Math.max(1, now - lastLog.at)) / 10
    lastLog = { at: now, sent: total }
    log.info({ head: head?.toString() ?? null, sent: total, mined, pending: unmined.size, tps, ...sent }, 'traffic')
    if (errors > errorsLogged) {
      log.warn({ errors: errors - errorsLogged, lastError }, 'traffic: sends failed (retrying with fresh nonces)')
      errorsLogged = errors
    }
  }
  const feeTimer = setInterval(() => (housekeeping = housekeeping.then(tick)), 1_000)
  const logTimer = setInterval(() => (housekeeping = housekeeping.then(report)), opts.logIntervalMs)

  return {
    token,
    probe,
    senders: senders.map((s) => s.account.address),
    stats,
    async stop() {
      clearInterval(feeTimer)
      clearInterval(logTimer)
      stopping.abort()
      await Promise.all(workers)
      await housekeeping
      return stats()
    },
  }
}

interface TxFields {
  to?: Address
  value?: bigint
  data?: Hex
  gas: bigint
}

/**
 * The n-th transaction of the mix from `sender`. Gas limits are fixed, never estimated:
 * estimating a call that reverts fails, and the reverts are meant to be mined.
 */
function buildTransaction(
  kind: TxKind,
  n: number,
  sender: Sender,
  targets: { token: Address; probe: Address; senders: readonly Sender[] },
): { tx: TxFields; type: 'legacy' | 'eip2930' | 'eip1559' } {
  const { token, probe, senders } = targets
  const neighbour = senders[(sender.index + 1) % senders.length].account.address
  switch (kind) {
    case 'transfer': {
      // every third transfer goes to a new address (every sixth with value 0: an account
      // anvil keeps as an empty "ghost", which the follower's --compat anvil must reproduce)
      const fresh = n % 3 === 0
      const to = fresh ? freshAddress(n) : neighbour
      const value = fresh && n % 2 === 0 ? 0n : BigInt(n % 1000) * GWEI + 1n
      const type = (['legacy', 'eip2930', 'eip1559'] as const)[n % 3]
      return { tx: { to, value, gas: 21_000n }, type }
    }
    case 'erc20':
      return { tx: { to: token, data: transferCalldata(neighbour, BigInt((n % 100) + 1) * 10n ** 18n), gas: 100_000n }, type: 'eip1559' }
    case 'call': {
      // overwrites one of 64 slots; every fifth write clears one (a refund, and a zero leaf in anvil)
      const slot = BigInt(n % 64)
      const value = n % 5 === 0 ? 0n : BigInt(n)
      const data = encodeProbeCalldata([['sstore', slot, value], ['log2', BigInt(n), BigInt(sender.index)]])
      return { tx: { to: probe, data, gas: 150_000n }, type: n % 2 === 0 ? 'eip1559' : 'eip2930' }
    }
    case 'revert':
      // alternately a token transfer above any balance (empty revert data) and a probe call
      // that writes storage and then reverts with data
      return n % 2 === 0
        ? { tx: { to: token, data: transferCalldata(neighbour, TOKEN_SUPPLY + 1n), gas: 100_000n }, type: 'eip1559' }
        : { tx: { to: probe, data: encodeProbeCalldata([['sstore', 200n, BigInt(n)], ['revert', BigInt(n)]]), gas: 150_000n }, type: 'eip1559' }
  }
}

/** An address nobody has a key for, new for every n. */
export function freshAddress(n: number): Address {
  return `0x${keccak256(toHex(`hindsight traffic ${n}`)).slice(-40)}`
}

/**
 * From the first sender: deploys the token and the probe and gives every other sender
 * TOKEN_GRANT tokens, then waits until all of it is mined and succeeded.
 */
async function deployContracts(
  client: PublicClient,
  senders: Sender[],
  sign: (sender: Sender, tx: TxFields) => Promise<Hex>,
  log: Logger,
): Promise<{ token: Address; probe: Address }> {
  const deployer = senders[0]
  deployer.nonce = await client.getTransactionCount({ address: deployer.account.address, blockTag: 'pending' })
  const token = getContractAddress({ from: deployer.account.address, nonce: BigInt(deployer.nonce) })
  const probe = getContractAddress({ from: deployer.account.address, nonce: BigInt(deployer.nonce + 1) })
  const txs: TxFields[] = [
    { data: bytesToHex(TOKEN_INIT_CODE), gas: 500_000n },
    { data: bytesToHex(PROBE_INIT_CODE), gas: 500_000n },
    ...senders.slice(1).map((s) => ({ to: token, data: transferCalldata(s.account.address, TOKEN_GRANT), gas: 100_000n })),
  ]
  const hashes: Hex[] = []
  try {
    for (const tx of txs) {
      hashes.push(await client.request({ method: 'eth_sendRawTransaction', params: [await sign(deployer, tx)] }))
      deployer.nonce++
    }
    log.debug({ txs: hashes.length }, 'traffic: setup sent, waiting for it to be mined')
    for (const hash of hashes) {
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 250, timeout: 60_000 })
      if (receipt.status !== 'success') throw new Error(`setup transaction ${hash} reverted`)
    }
  } catch (err) {
    deployer.nonce = null
    throw new DevnetError({ code: 'TRAFFIC_SETUP_FAILED', reason: errorMessage(err) })
  }
  return { token, probe }
}

/** Twice the latest base fee plus the tip: room for the base fee to rise for a few blocks. */
async function currentMaxFee(client: PublicClient): Promise<bigint> {
  const block = await client.getBlock({ blockTag: 'latest' })
  return 2n * (block.baseFeePerGas ?? GWEI) + PRIORITY_FEE
}

async function waitForChain(client: PublicClient, url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await client.getChainId()
    } catch (err) {
      if (Date.now() > deadline) throw new DevnetError({ code: 'RPC_UNREACHABLE', url, reason: errorMessage(err) })
      await sleep(250)
    }
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof BaseError) return err.details || err.shortMessage
  return err instanceof Error ? err.message : String(err)
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
