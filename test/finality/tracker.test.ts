import { join } from 'node:path'
import { type Hex, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil/anvil.js'
import { DEV_PRIVATE_KEYS } from '../../fixtures/anvil/generate-chain.js'
import { ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import { ANCHOR_ABI } from '../../src/finality/anchor-artifact.js'
import { deployAnchor } from '../../src/finality/deploy.js'
import { type Proposer, startProposer } from '../../src/finality/proposer.js'
import type { RunningNode } from '../../src/main.js'
import { DevSender, captureLog, startFollower, waitFor, waitForHead } from '../helpers/follower.js'
import { rpcCall, silentLog, tempDir } from '../helpers/node.js'

type Tagged = { number: Hex; hash: Hex } | null

/**
 * Two real anvils: L1 (a block every 200 ms; `--slots-in-an-epoch 1` makes its finalized block
 * two behind its head) holding the anchor contract, and L2 (mined on demand) that the follower
 * re-executes. The follower's safe and finalized heads come from the anchors.
 */
describe('finality from an L1 anchor', () => {
  let l1: AnvilInstance
  let l2: AnvilInstance
  let l2Sender: DevSender
  const dir = tempDir('hindsight-finality-')
  const running: { close?(): Promise<void>; stop?(): Promise<void> }[] = []
  const proposerKey = DEV_PRIVATE_KEYS[9]

  beforeAll(async () => {
    ;[l1, l2] = await Promise.all([
      startAnvil({ genesisPath: ANVIL_GENESIS_PATH, blockTime: 0.2, extraArgs: ['--slots-in-an-epoch', '1'] }),
      startAnvil({ genesisPath: ANVIL_GENESIS_PATH }),
    ])
    l2Sender = new DevSender(l2.rpcUrl)
  }, 60_000)

  afterAll(async () => {
    for (const item of running.reverse()) await (item.close?.() ?? item.stop?.())
    await Promise.all([l1?.stop(), l2?.stop()])
    dir.remove()
  })

  async function deploy() {
    return deployAnchor({ l1Url: l1.rpcUrl, privateKey: proposerKey }, { log: silentLog })
  }

  async function follower(name: string, anchor: Hex, log = captureLog('info')): Promise<RunningNode> {
    const node = await startFollower({ datadir: join(dir.path, name), genesisPath: ANVIL_GENESIS_PATH, upstreams: [l2.rpcUrl], log, finality: { source: 'anchor', l1Url: l1.rpcUrl, anchor, fromBlock: 0n, pollIntervalMs: 100 } })
    running.push(node)
    return node
  }

  async function tags(url: string): Promise<{ soft: bigint; safe: bigint | null; finalized: bigint | null }> {
    const [soft, safe, finalized] = await Promise.all(['latest', 'safe', 'finalized'].map((tag) => rpcCall<Tagged>(url, 'eth_getBlockByNumber', [tag, false])))
    const n = (block: Tagged) => (block === null ? null : BigInt(block.number))
    return { soft: n(soft)!, safe: n(safe), finalized: n(finalized) }
  }

  it('advances finalized <= safe <= soft as the proposer anchors and L1 finalizes', async () => {
    const anchor = await deploy()
    const node = await follower('ordered', anchor.address)
    expect(await rpcCall(node.url, 'eth_getBlockByNumber', ['finalized', false])).toBeNull()
    expect(await rpcCall(node.url, 'eth_getBlockByNumber', ['safe', false])).toBeNull()

    const proposer: Proposer = await startProposer({ l2Url: l2.rpcUrl, l1Url: l1.rpcUrl, anchor: anchor.address, every: 2, privateKey: proposerKey, pollIntervalMs: 100 }, { log: silentLog })
    running.push(proposer)
    const seen: Awaited<ReturnType<typeof tags>>[] = []
    for (let round = 0; round < 4; round++) {
      await l2Sender.mineTransfers(2, 10 + round)
      await waitForHead(node.url, l2.rpcUrl)
      seen.push(await tags(node.url))
    }
    const final = await waitFor('block 8 to be finalized', async () => {
      const t = await tags(node.url)
      seen.push(t)
      return t.finalized === 8n ? t : undefined
    })
    expect(final).toEqual({ soft: 8n, safe: 8n, finalized: 8n })
    for (const t of seen) {
      if (t.finalized !== null) expect(t.safe).not.toBeNull()
      if (t.safe !== null) expect(t.safe <= t.soft).toBe(true)
      if (t.finalized !== null) expect(t.finalized <= t.safe!).toBe(true)
    }
    // the tags resolve in every method that takes a block
    const account = l2Sender.address(0)
    expect(await rpcCall(node.url, 'eth_getBalance', [account, 'finalized'])).toBe(await rpcCall(l2.rpcUrl, 'eth_getBalance', [account, '0x8']))
    const metrics = await (await fetch(`${node.url}/metrics`)).text()
    expect(metrics).toMatch(/^hindsight_head_block\{kind="finalized"\} 8$/m)
    expect(metrics).toMatch(/^hindsight_finality_alarm 0$/m)
    await proposer.stop()
  }, 120_000)

  it('halts finality below an anchor whose state root is wrong, fails /ready and names both roots', async () => {
    const anchor = await deploy()
    const wallet = createWalletClient({ account: privateKeyToAccount(proposerKey), transport: http(l1.rpcUrl) })
    const head = BigInt(await rpcCall<Hex>(l2.rpcUrl, 'eth_blockNumber'))
    const block = async (n: bigint) => rpcCall<{ hash: Hex; stateRoot: Hex }>(l2.rpcUrl, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false])
    const good = await block(head - 4n)
    const bad = await block(head - 2n)
    const wrongRoot = `0x${'66'.repeat(32)}` as Hex
    const post = async (n: bigint, hash: Hex, root: Hex) => {
      const tx = await wallet.writeContract({ address: anchor.address, abi: ANCHOR_ABI, functionName: 'anchor', args: [n, hash, root], chain: null })
      await waitFor('the anchor to be mined', async () => (await rpcCall(l1.rpcUrl, 'eth_getTransactionReceipt', [tx])) !== null)
    }
    await post(head - 4n, good.hash, good.stateRoot)
    await post(head - 2n, bad.hash, wrongRoot)
    const later = await block(head)
    await post(head, later.hash, later.stateRoot) // a good anchor after the bad one changes nothing

    const log = captureLog('info')
    const node = await follower('wrong-root', anchor.address, log)
    await waitForHead(node.url, l2.rpcUrl)
    const alarm = await waitFor('the alarm', async () => log.lines.find((l) => l.msg === 'FINALITY ALARM: finality halted until an operator clears it'))
    expect(alarm).toMatchObject({ number: String(head - 2n), ourStateRoot: bad.stateRoot, theirStateRoot: wrongRoot })
    const ready = await fetch(`${node.url}/ready`)
    expect(ready.status).toBe(503)
    expect(((await ready.json()) as { reason: string }).reason).toContain('finality alarm')
    expect((await (await fetch(`${node.url}/metrics`)).text()).includes('hindsight_finality_alarm 1')).toBe(true)
    // finality stays at the last good anchor, however far L1 finalizes
    await waitFor('L1 to finalize the later anchors', async () => {
      const finalized = await rpcCall<{ number: Hex }>(l1.rpcUrl, 'eth_getBlockByNumber', ['finalized', false])
      const latest = await rpcCall<{ number: Hex }>(l1.rpcUrl, 'eth_getBlockByNumber', ['latest', false])
      return BigInt(finalized.number) >= BigInt(latest.number) - 2n && BigInt(finalized.number) > 5n
    })
    await new Promise((resolve) => setTimeout(resolve, 500))
    const t = await tags(node.url)
    expect(t.finalized).toBe(head - 4n)
    expect(t.safe).toBe(head - 4n)
  }, 120_000)

  it('resumes from its persisted L1 position after a restart', async () => {
    const anchor = await deploy()
    const proposer = await startProposer({ l2Url: l2.rpcUrl, l1Url: l1.rpcUrl, anchor: anchor.address, every: 3, privateKey: proposerKey, pollIntervalMs: 100 }, { log: silentLog })
    running.push(proposer)
    let node = await follower('restart', anchor.address)
    await l2Sender.mineTransfers(3, 30)
    const first = await waitFor('something final', async () => ((await tags(node.url)).finalized ?? 0n) > 0n ? await tags(node.url) : undefined)
    await node.close()
    running.splice(running.indexOf(node), 1)

    await l2Sender.mineTransfers(3, 31)
    const log = captureLog('info')
    node = await follower('restart', anchor.address, log)
    const resumed = await waitFor('the tracker to start reading', async () => log.lines.find((l) => l.msg === 'reading L1 anchors'))
    expect(resumed?.resumed).toBe(true)
    expect(BigInt(resumed?.fromL1Block as string)).toBeGreaterThan(anchor.l1Block + 1n)
    const head = await waitForHead(node.url, l2.rpcUrl)
    const after = await waitFor('finality past the restart', async () => {
      const t = await tags(node.url)
      return (t.finalized ?? 0n) > first.finalized! ? t : undefined
    })
    expect(after.finalized! <= head.number).toBe(true)
    await proposer.stop()
  }, 120_000)
})
