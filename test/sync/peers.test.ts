import { join } from 'node:path'
import { createBlockHeaderFromRPC } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil/anvil.js'
import { ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import { loadChainConfig } from '../../src/chain/genesis.js'
import type { RunningNode } from '../../src/main.js'
import { DevSender, captureLog, startFollower, waitFor, waitForHead } from '../helpers/follower.js'
import { rpcCall, tempDir } from '../helpers/node.js'
import { type RpcProxy, alterBlock, startRpcProxy } from '../helpers/rpc-proxy.js'

/** Several upstreams: failover when one goes away, a ban for one that lies, readiness by lag. */
describe('upstream peers', () => {
  let anvil: AnvilInstance
  let sender: DevSender
  const dir = tempDir('hindsight-peers-')
  const running: { close(): Promise<void> }[] = []

  beforeAll(async () => {
    anvil = await startAnvil({ genesisPath: ANVIL_GENESIS_PATH })
    sender = new DevSender(anvil.rpcUrl)
    await sender.mineTransfers(8, 1)
  }, 60_000)

  afterAll(async () => {
    for (const item of running.reverse()) await item.close()
    await anvil?.stop()
    dir.remove()
  })

  async function proxy(options: { delayMs?: number } = {}): Promise<RpcProxy> {
    const started = await startRpcProxy({ upstream: anvil.rpcUrl })
    if (options.delayMs !== undefined) {
      started.transform = async (_request, response) => {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs))
        return response
      }
    }
    running.push(started)
    return started
  }

  async function follower(name: string, upstreams: string[], log = captureLog('info')): Promise<RunningNode> {
    const node = await startFollower({ datadir: join(dir.path, name), genesisPath: ANVIL_GENESIS_PATH, upstreams, log, sync: { maxFailures: 2 } })
    running.push(node)
    return node
  }

  it('fails over when the upstream in use goes away, and back when it returns', async () => {
    const a = await proxy()
    const b = await proxy()
    const log = captureLog('info')
    const node = await follower('failover', [a.url, b.url], log)
    await waitForHead(node.url, anvil.rpcUrl)

    a.fail('reset')
    await sender.mineTransfers(3, 2)
    await waitForHead(node.url, anvil.rpcUrl)
    await waitFor('a to be dropped', async () => log.lines.some((l) => l.msg === 'upstream dropped' && l.url === a.url))

    a.heal()
    await waitFor('a to be healthy again', async () => node.status.peers.get(a.url)?.state === 'healthy', 20_000)
    b.fail('reset')
    await sender.mineTransfers(3, 3)
    const head = await waitForHead(node.url, anvil.rpcUrl)
    expect(head.number).toBe(14n)
    expect(node.status.peers.get(b.url)?.state).not.toBe('healthy')
  }, 120_000)

  const common = async () => (await loadChainConfig(ANVIL_GENESIS_PATH)).createCommon()

  /** Block 3 with another state root, re-hashed so that only execution can tell. */
  async function forgedStateRoot(block: Record<string, unknown>): Promise<Record<string, unknown>> {
    const forged = { ...block, stateRoot: `0x${'ab'.repeat(32)}` }
    const header = createBlockHeaderFromRPC(forged as never, { common: await common(), setHardfork: true })
    return { ...forged, hash: bytesToHex(header.hash()) }
  }

  const tampers = [
    {
      name: 'a state root',
      block: 3,
      field: 'stateRoot',
      transform: (proxy: RpcProxy, forged: Record<string, unknown>) => {
        proxy.transform = alterBlock(3, () => forged)
      },
    },
    {
      name: 'a transaction',
      block: 5,
      field: 'transactionsRoot',
      transform: (proxy: RpcProxy) => {
        proxy.transform = alterBlock(5, (block) => {
          const txs = block.transactions as Record<string, unknown>[]
          return { ...block, transactions: [{ ...txs[0], value: '0x1' }, ...txs.slice(1)] }
        })
      },
    },
  ]

  for (const tamper of tampers) {
    it(`bans an upstream that alters ${tamper.name}, stores nothing of it, and syncs on from an honest one`, async () => {
      const evil = await proxy()
      const original = await rpcCall<Record<string, unknown>>(anvil.rpcUrl, 'eth_getBlockByNumber', ['0x3', true])
      tamper.transform(evil, await forgedStateRoot(original))
      // the honest upstream answers a little slower, so the liar is picked first
      const honest = await proxy({ delayMs: 40 })
      const log = captureLog('info')
      const node = await follower(`tamper-${tamper.block}`, [evil.url, honest.url], log)
      await waitForHead(node.url, anvil.rpcUrl)

      const ban = log.lines.find((l) => l.msg === 'upstream banned: it served a block that failed verification')
      expect(ban?.url).toBe(evil.url)
      expect(ban?.reason).toContain(`block ${tamper.block}: ${tamper.field} mismatch`)
      expect(node.status.peers.get(evil.url)?.state).toBe('banned')
      for (let n = 1; n <= 8; n++) {
        const hex = `0x${n.toString(16)}`
        const [ours, theirs] = await Promise.all([node.url, anvil.rpcUrl].map((url) => rpcCall<{ hash: Hex; stateRoot: Hex }>(url, 'eth_getBlockByNumber', [hex, false])))
        expect(ours.hash).toBe(theirs.hash)
        expect(ours.stateRoot).toBe(theirs.stateRoot)
      }
      const metrics = await (await fetch(`${node.url}/metrics`)).text()
      expect(metrics).toContain(`hindsight_upstream_banned{url="${evil.url}"} 1`)
    }, 120_000)
  }

  it('is not ready while further behind than --ready.max-lag, and says so in eth_syncing', async () => {
    const ahead = await proxy()
    // an upstream that claims to be 100 blocks ahead but has none of them yet
    ahead.transform = (request, response) =>
      request.method === 'eth_blockNumber' && typeof response.result === 'string'
        ? { ...response, result: `0x${(BigInt(response.result) + 100n).toString(16)}` }
        : response
    const node = await follower('lagging', [ahead.url])
    const head = await waitForHead(node.url, anvil.rpcUrl)
    const ready = await waitFor('/ready to answer 503', async () => {
      const response = await fetch(`${node.url}/ready`)
      return response.status === 503 ? ((await response.json()) as { lag: string; reason: string }) : undefined
    })
    expect(BigInt(ready.lag)).toBe(100n)
    expect(ready.reason).toContain('100 blocks behind')
    expect((await fetch(`${node.url}/health`)).status).toBe(200)
    expect(await rpcCall(node.url, 'eth_syncing', [])).toEqual({
      startingBlock: expect.stringMatching(/^0x/),
      currentBlock: `0x${head.number.toString(16)}`,
      highestBlock: `0x${(head.number + 100n).toString(16)}`,
    })
  }, 60_000)
})
