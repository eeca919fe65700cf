import { type Address, type Hex, createPublicClient, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil/anvil.js'
import { TRANSFER_TOPIC } from '../../fixtures/anvil/contracts.js'
import { DEV_PRIVATE_KEYS } from '../../fixtures/anvil/generate-chain.js'
import { DEVNET_GENESIS_PATH } from '../../src/devnet/paths.js'
import { type Traffic, type TrafficStats, startTraffic } from '../../src/devnet/traffic.js'
import { rpcCall, silentLog } from '../helpers/node.js'

/** Polls `check` until it returns true; fails after `timeoutMs` (a safety net, not a timing assertion). */
async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

interface RpcTx {
  hash: Hex
  from: Address
  to: Address | null
  type: Hex
  value: Hex
  input: Hex
  nonce: Hex
  blockNumber: Hex
}

/**
 * The traffic generator against a real anvil mining a block a second: everything it sends is a
 * signed raw transaction that ends up mined, with the mix it promises, and its per-sender nonces
 * survive someone else sending from the same keys.
 */
describe('startTraffic', () => {
  let anvil: AnvilInstance
  let traffic: Traffic
  let stats: TrafficStats
  let txs: RpcTx[]
  const receipts = new Map<Hex, { status: Hex; logs: Array<{ address: Address; topics: Hex[] }> }>()
  /** Senders someone else sent from mid-run, and the block that transaction landed in. */
  const interfered: Array<{ address: Address; block: number }> = []

  beforeAll(async () => {
    anvil = await startAnvil({ genesisPath: DEVNET_GENESIS_PATH, blockTime: 1 })
    traffic = await startTraffic({ rpcUrl: anvil.rpcUrl, tps: 20, logIntervalMs: 500 }, { log: silentLog })
    await waitFor('60 mined traffic transactions', () => traffic.stats().mined >= 60)

    // someone else uses three of the traffic's keys: their nonces move under the traffic's feet
    const client = createPublicClient({ transport: http(anvil.rpcUrl) })
    for (const key of DEV_PRIVATE_KEYS.slice(1, 4)) {
      const account = privateKeyToAccount(key)
      const nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' })
      const raw = await account.signTransaction({
        type: 'eip1559', chainId: 31337, nonce, to: account.address, value: 1n, gas: 21_000n,
        maxFeePerGas: parseEther('0.00000001'), maxPriorityFeePerGas: parseEther('0.000000002'),
      })
      try {
        const hash = await client.sendRawTransaction({ serializedTransaction: raw })
        const receipt = await client.waitForTransactionReceipt({ hash })
        interfered.push({ address: account.address, block: Number(receipt.blockNumber) })
      } catch {
        // the traffic took that nonce first: the interference happened the other way round
      }
    }
    const minedBefore = traffic.stats().mined
    await waitFor('60 more mined traffic transactions', () => traffic.stats().mined >= minedBefore + 60)
    stats = await traffic.stop()

    await waitFor('an empty transaction pool', async () => {
      const status = await rpcCall<{ pending: Hex; queued: Hex }>(anvil.rpcUrl, 'txpool_status')
      return Number(status.pending) === 0 && Number(status.queued) === 0
    })
    const head = Number(await rpcCall<Hex>(anvil.rpcUrl, 'eth_blockNumber'))
    txs = []
    for (let n = 1; n <= head; n++) {
      const block = await rpcCall<{ transactions: RpcTx[] }>(anvil.rpcUrl, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, true])
      txs.push(...block.transactions)
    }
    for (const tx of txs) receipts.set(tx.hash, await rpcCall(anvil.rpcUrl, 'eth_getTransactionReceipt', [tx.hash]))
  })

  afterAll(async () => {
    await traffic?.stop()
    await anvil?.stop()
  })

  const ours = () => {
    const external = new Set(interfered.map((i) => i.address.toLowerCase()))
    return txs.filter((tx) => !(external.has(tx.from.toLowerCase()) && tx.to?.toLowerCase() === tx.from.toLowerCase()))
  }

  it('gets every transaction it sent mined, after the setup (2 deploys, 8 token grants)', () => {
    const sent = stats.sent.transfer + stats.sent.erc20 + stats.sent.call + stats.sent.revert
    expect(sent).toBeGreaterThanOrEqual(120)
    // Each interfering transaction may have replaced a pending traffic transaction of the same
    // nonce in anvil's pool (its fees are higher): the traffic counted that one as sent.
    expect(ours().length).toBeLessThanOrEqual(sent + 10)
    expect(ours().length).toBeGreaterThanOrEqual(sent + 10 - interfered.length)
    expect(stats.mined).toBeLessThanOrEqual(sent)
  })

  it("sends only from its keys, never from dev account 0, with gapless nonces per sender", () => {
    const senders = new Set(traffic.senders.map((a) => a.toLowerCase()))
    expect(senders.has(privateKeyToAccount(DEV_PRIVATE_KEYS[0]).address.toLowerCase())).toBe(false)
    const nonces = new Map<string, number[]>()
    for (const tx of txs) {
      expect(senders.has(tx.from.toLowerCase())).toBe(true)
      nonces.set(tx.from, [...(nonces.get(tx.from) ?? []), Number(tx.nonce)])
    }
    expect(nonces.size).toBe(9)
    for (const list of nonces.values()) expect(list).toEqual(list.map((_, i) => i))
  })

  it('sends the mix: ETH transfers of every type, ERC-20 transfers, probe calls with logs, and mined reverts', () => {
    const token = traffic.token.toLowerCase()
    const probe = traffic.probe.toLowerCase()
    const status = (tx: RpcTx) => receipts.get(tx.hash)!.status
    const transfers = ours().filter((tx) => tx.input === '0x' && tx.to !== null)
    expect(new Set(transfers.map((tx) => tx.type))).toEqual(new Set(['0x0', '0x1', '0x2']))
    expect(transfers.every((tx) => status(tx) === '0x1')).toBe(true)
    expect(transfers.some((tx) => BigInt(tx.value) === 0n)).toBe(true)

    const tokenCalls = txs.filter((tx) => tx.to?.toLowerCase() === token)
    const tokenOk = tokenCalls.filter((tx) => status(tx) === '0x1')
    expect(tokenOk.length).toBeGreaterThan(20)
    expect(tokenOk.every((tx) => receipts.get(tx.hash)!.logs[0]?.topics[0] === TRANSFER_TOPIC)).toBe(true)
    expect(tokenCalls.some((tx) => status(tx) === '0x0')).toBe(true)

    const probeCalls = txs.filter((tx) => tx.to?.toLowerCase() === probe)
    const probeOk = probeCalls.filter((tx) => status(tx) === '0x1')
    expect(probeOk.length).toBeGreaterThan(20)
    expect(probeOk.every((tx) => receipts.get(tx.hash)!.logs.length === 1)).toBe(true)
    expect(probeCalls.some((tx) => status(tx) === '0x0')).toBe(true)
  })

  it('keeps sending from keys someone else used meanwhile', () => {
    expect(interfered.length).toBeGreaterThan(0)
    for (const { address, block } of interfered) {
      const later = txs.filter((tx) => tx.from.toLowerCase() === address.toLowerCase() && Number(tx.blockNumber) > block)
      expect(later.length, `traffic from ${address} after block ${block}`).toBeGreaterThan(0)
    }
  })
})
