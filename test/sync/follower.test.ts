import { join } from 'node:path'
import { type Hex, encodeFunctionData, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil/anvil.js'
import { ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import { type Traffic, startTraffic } from '../../src/devnet/traffic.js'
import type { RunningNode } from '../../src/main.js'
import { captureLog, startFollower, waitFor, waitForHead } from '../helpers/follower.js'
import { rpcCall, silentLog, tempDir } from '../helpers/node.js'

const BLOCKS = 300

/** Deterministic pseudo-random numbers, so a failure names the same pairs on a re-run. */
function rng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

/**
 * A follower keeps up with a live anvil mining ten blocks a second while the devnet's traffic
 * generator sends transfers, ERC-20 transfers, contract calls and reverts; afterwards, for
 * random (method, block) pairs across the whole history, its answers equal anvil's.
 */
describe('following a live anvil', () => {
  let anvil: AnvilInstance
  let traffic: Traffic
  let node: RunningNode
  const dir = tempDir('hindsight-follow-')
  const log = captureLog('info')

  beforeAll(async () => {
    anvil = await startAnvil({ genesisPath: ANVIL_GENESIS_PATH, blockTime: 0.1 })
    node = await startFollower({ datadir: join(dir.path, 'follower'), genesisPath: ANVIL_GENESIS_PATH, upstreams: [anvil.rpcUrl], state: { checkpointInterval: 32 }, log })
    traffic = await startTraffic({ rpcUrl: anvil.rpcUrl, tps: 40, logIntervalMs: 60_000 }, { log: silentLog })
    await waitFor(`anvil to mine ${BLOCKS} blocks`, async () => BigInt(await rpcCall<Hex>(anvil.rpcUrl, 'eth_blockNumber')) >= BigInt(BLOCKS), 240_000)
    await traffic.stop()
    // anvil keeps mining empty blocks: the follower must reach a head anvil had a moment ago
    await waitForHead(node.url, anvil.rpcUrl, 120_000)
  }, 400_000)

  afterAll(async () => {
    await node?.close()
    await anvil?.stop()
    dir.remove()
  })

  it('imported every block live, with the traffic in it', async () => {
    const { sent } = traffic.stats()
    const total = sent.transfer + sent.erc20 + sent.call + sent.revert
    expect(total).toBeGreaterThan(BLOCKS)
    expect(sent.revert).toBeGreaterThan(0)
    const metrics = await (await fetch(`${node.url}/metrics`)).text()
    const txs = Number(/^hindsight_txs_imported_total\{phase="live"\} (\d+)$/m.exec(metrics)?.[1])
    // every transaction the traffic sent (plus its deployments) is in a block we verified
    expect(txs).toBeGreaterThanOrEqual(total)
    expect(log.lines.some((line) => line.msg === 'upstream banned: it served a block that failed verification')).toBe(false)
  })

  it('answers random (method, block) pairs across history as anvil does', async () => {
    const head = Number(BigInt(await rpcCall<Hex>(node.url, 'eth_blockNumber')))
    expect(head).toBeGreaterThanOrEqual(BLOCKS)
    const random = rng(20261122)
    const accounts = [...traffic.senders, traffic.token, traffic.probe]
    const balanceOf = parseAbi(['function balanceOf(address) view returns (uint256)'])
    type Pair = { block: number; method: string; params: (block: Hex) => unknown[] }
    const pairs: Pair[] = []
    for (let i = 0; i < 80; i++) {
      const block = 1 + Math.floor(random() * head)
      const account = accounts[Math.floor(random() * accounts.length)]
      const sender = traffic.senders[Math.floor(random() * traffic.senders.length)]
      const choices: Omit<Pair, 'block'>[] = [
        { method: 'eth_getBalance', params: (b) => [account, b] },
        { method: 'eth_getTransactionCount', params: (b) => [account, b] },
        { method: 'eth_getCode', params: (b) => [account, b] },
        { method: 'eth_getStorageAt', params: (b) => [traffic.probe, `0x${Math.floor(random() * 3).toString(16)}`, b] },
        { method: 'eth_call', params: (b) => [{ to: traffic.token, data: encodeFunctionData({ abi: balanceOf, args: [sender] }) }, b] },
        { method: 'eth_getBlockByNumber', params: (b) => [b, false] },
        { method: 'eth_getBlockReceipts', params: (b) => [b] },
        { method: 'eth_getLogs', params: (b) => [{ fromBlock: b, toBlock: b }] },
      ]
      pairs.push({ block, ...choices[Math.floor(random() * choices.length)] })
    }
    // in block order, so each re-executed state starts from the one before
    pairs.sort((a, b) => a.block - b.block)
    for (const pair of pairs) {
      const params = pair.params(`0x${pair.block.toString(16)}`)
      const [ours, theirs] = await Promise.all([node.url, anvil.rpcUrl].map((url) => rpcCall(url, pair.method, params)))
      expect(comparable(pair.method, ours), `${pair.method} at block ${pair.block}`).toEqual(comparable(pair.method, theirs))
    }
  }, 300_000)
})

/** The parts of an answer both sides must agree on (anvil adds fields geth does not have). */
function comparable(method: string, value: unknown): unknown {
  if (method === 'eth_getBlockByNumber') {
    const block = value as Record<string, unknown>
    return { hash: block.hash, stateRoot: block.stateRoot, receiptsRoot: block.receiptsRoot, transactions: block.transactions }
  }
  if (method === 'eth_getBlockReceipts') {
    return (value as Record<string, unknown>[]).map((r) => ({
      transactionHash: r.transactionHash,
      status: r.status,
      gasUsed: r.gasUsed,
      cumulativeGasUsed: r.cumulativeGasUsed,
      logs: (r.logs as Record<string, unknown>[]).map((l) => ({ address: l.address, topics: l.topics, data: l.data, logIndex: l.logIndex })),
    }))
  }
  if (method === 'eth_getLogs') {
    return (value as Record<string, unknown>[]).map((l) => ({ address: l.address, topics: l.topics, data: l.data, transactionHash: l.transactionHash, logIndex: l.logIndex }))
  }
  return value
}
