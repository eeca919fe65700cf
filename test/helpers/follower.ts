import { Writable } from 'node:stream'
import { pino } from 'pino'
import type { Logger } from '../../src/log.js'
import { type Hex, numberToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type FinalityOptions, defaultRpcOptions, defaultSyncOptions, type SyncOptions } from '../../src/config.js'
import { type RunningNode, startNode } from '../../src/main.js'
import { type RetentionMode, defaultStateOptions, type StateOptions } from '../../src/state/retention.js'
import { DEV_PRIVATE_KEYS } from '../../fixtures/anvil/generate-chain.js'
import { rpcCall } from './node.js'

/** Log lines a node wrote, parsed, for tests that check what it said. */
export interface CapturedLog {
  lines: Record<string, unknown>[]
  logger: Logger
}

export function captureLog(level = 'info'): CapturedLog {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line))
      callback()
    },
  })
  return { lines, logger: pino({ level, base: undefined }, stream) as unknown as Logger }
}

/** A follower in this process (an anvil-compat datadir) on a free port. */
export async function startFollower(options: {
  datadir: string
  genesisPath: string
  upstreams: string[]
  sync?: Partial<SyncOptions>
  state?: Partial<StateOptions>
  retention?: RetentionMode
  importFiles?: string[]
  finality?: FinalityOptions
  log?: CapturedLog
}): Promise<RunningNode> {
  return startNode(
    {
      datadir: options.datadir,
      genesisPath: options.genesisPath,
      compat: 'anvil',
      retention: options.retention,
      state: { ...defaultStateOptions, ...options.state },
      rpc: { ...defaultRpcOptions, port: 0, callWorkers: 1 },
      sync: { ...defaultSyncOptions, pollIntervalMs: 100, reprobeMs: 500, timeoutMs: 5000, ...options.sync, upstreams: options.upstreams },
      importFiles: options.importFiles ?? [],
      finality: options.finality ?? { source: 'none' },
    },
    { log: options.log?.logger ?? captureLog('silent').logger },
  )
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Waits until the node's head is `number` with the same hash as the upstream's block there. */
export async function waitForHead(nodeUrl: string, upstreamUrl: string, timeoutMs = 60_000): Promise<{ number: bigint; hash: Hex }> {
  return waitFor(
    'the follower to reach the upstream head',
    async () => {
      const theirs = await rpcCall<{ number: Hex; hash: Hex }>(upstreamUrl, 'eth_getBlockByNumber', ['latest', false])
      const ours = await rpcCall<{ number: Hex; hash: Hex } | null>(nodeUrl, 'eth_getBlockByNumber', [theirs.number, false])
      return ours !== null && ours.hash === theirs.hash ? { number: BigInt(ours.number), hash: ours.hash } : undefined
    },
    timeoutMs,
  )
}

/**
 * Signed transactions from anvil's dev accounts, mined on demand (anvil --no-mining). Nonces come
 * from anvil's pending count, so it works across evm_revert.
 */
export class DevSender {
  private readonly accounts = DEV_PRIVATE_KEYS.map((key) => privateKeyToAccount(key))

  constructor(
    private readonly rpcUrl: string,
    private readonly chainId = 31337,
  ) {}

  /** An ETH transfer from dev account `from` to `to`; returns the tx hash. */
  async transfer(from: number, to: Hex, value: bigint): Promise<Hex> {
    return this.send(from, { to, value, gas: 21_000n })
  }

  async send(from: number, tx: { to?: Hex; value?: bigint; data?: Hex; gas?: bigint }): Promise<Hex> {
    const account = this.accounts[from]
    const nonce = Number(BigInt(await rpcCall<Hex>(this.rpcUrl, 'eth_getTransactionCount', [account.address, 'pending'])))
    const raw = await account.signTransaction({
      type: 'eip1559',
      chainId: this.chainId,
      nonce,
      to: tx.to,
      value: tx.value ?? 0n,
      data: tx.data,
      gas: tx.gas ?? 200_000n,
      maxFeePerGas: 5_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    })
    return rpcCall<Hex>(this.rpcUrl, 'eth_sendRawTransaction', [raw])
  }

  /** Mines one block (with whatever is pending). */
  async mine(): Promise<void> {
    await rpcCall(this.rpcUrl, 'evm_mine', [])
  }

  /** Mines `blocks` blocks, each with one transfer to a fresh address derived from `tag`. */
  async mineTransfers(blocks: number, tag: number): Promise<Hex[]> {
    const hashes: Hex[] = []
    for (let i = 0; i < blocks; i++) {
      hashes.push(await this.transfer(i % 5, `0x${(tag * 1000 + i + 1).toString(16).padStart(40, '0')}`, BigInt(tag * 1000 + i + 1)))
      await this.mine()
    }
    return hashes
  }

  address(index: number): Hex {
    return this.accounts[index].address
  }
}

export const hex = (n: number | bigint) => numberToHex(n)
