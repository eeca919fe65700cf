import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil/anvil.js'
import { ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import type { RunningNode } from '../../src/main.js'
import type { SyncEvent } from '../../src/sync/events.js'
import { DevSender, captureLog, startFollower, waitForHead } from '../helpers/follower.js'
import { rpcCall, tempDir } from '../helpers/node.js'

/**
 * Anvil replaces its newest blocks (evm_snapshot / evm_revert, then a different branch): the
 * follower unwinds to the common ancestor and ends on the new branch; the dropped blocks'
 * transactions and logs are gone. Both a longer and a shorter replacement branch.
 */
describe('reorgs of soft blocks', () => {
  let anvil: AnvilInstance
  let node: RunningNode
  let sender: DevSender
  const dir = tempDir('hindsight-reorg-')
  const log = captureLog('info')
  const reorgs: Extract<SyncEvent, { type: 'reorg' }>[] = []

  beforeAll(async () => {
    // Anvil 1.7.1 keeps the base fee of the reverted branch after evm_revert: the next block's
    // baseFeePerGas follows from the block that was reverted, not from its parent, and a
    // follower rightly rejects it. With a zero base fee and blocks below the gas target the
    // base fee stays zero on every branch, so the reorg is the only thing under test.
    const genesis = JSON.parse(await readFile(ANVIL_GENESIS_PATH, 'utf8'))
    genesis.baseFeePerGas = '0x0'
    const genesisPath = join(dir.path, 'genesis.json')
    await writeFile(genesisPath, JSON.stringify(genesis))
    anvil = await startAnvil({ genesisPath })
    sender = new DevSender(anvil.rpcUrl)
    // checkpoints every 4 blocks, so unwinding crosses persisted checkpoints
    node = await startFollower({ datadir: join(dir.path, 'follower'), genesisPath, upstreams: [anvil.rpcUrl], state: { checkpointInterval: 4 }, log })
    log.lines.length = 0
  }, 60_000)

  afterAll(async () => {
    if (process.env.DEBUG_LOG) for (const line of log.lines) if ((line.level as number) >= 40 || line.msg !== 'following') console.log(JSON.stringify(line).slice(0, 600))
    await node?.close()
    await anvil?.stop()
    dir.remove()
  })

  async function receipt(url: string, hash: Hex) {
    return rpcCall<{ blockHash: Hex; logs: unknown[] } | null>(url, 'eth_getTransactionReceipt', [hash])
  }

  it('follows a longer branch that replaces the last blocks', async () => {
    await sender.mineTransfers(10, 1)
    const snapshot = await rpcCall<Hex>(anvil.rpcUrl, 'evm_snapshot', [])
    const dropped = await sender.mineTransfers(6, 2) // blocks 11..16
    const oldHead = await waitForHead(node.url, anvil.rpcUrl)
    expect(oldHead.number).toBe(16n)
    expect(await receipt(node.url, dropped[2])).not.toBeNull()

    expect(await rpcCall(anvil.rpcUrl, 'evm_revert', [snapshot])).toBe(true)
    const replacing = await sender.mineTransfers(9, 3) // blocks 11..19, other transactions
    const head = await waitForHead(node.url, anvil.rpcUrl)
    expect(head.number).toBe(19n)

    for (const hash of dropped) {
      expect(await rpcCall(node.url, 'eth_getTransactionByHash', [hash])).toBeNull()
      expect(await receipt(node.url, hash)).toBeNull()
    }
    for (const hash of replacing) expect((await receipt(node.url, hash))?.blockHash).toBe((await receipt(anvil.rpcUrl, hash))?.blockHash)
    for (let n = 1; n <= 19; n++) {
      const [ours, theirs] = await Promise.all(
        [node.url, anvil.rpcUrl].map((url) => rpcCall<{ hash: Hex }>(url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false])),
      )
      expect(ours.hash).toBe(theirs.hash)
    }
    // state after the reorg is the new branch's: balances of the old branch's recipients are back to zero
    const oldRecipient = `0x${(2001).toString(16).padStart(40, '0')}`
    expect(await rpcCall(node.url, 'eth_getBalance', [oldRecipient, 'latest'])).toBe('0x0')
    expect(await rpcCall(node.url, 'eth_getBalance', [`0x${(3001).toString(16).padStart(40, '0')}`, 'latest'])).toBe(
      await rpcCall(anvil.rpcUrl, 'eth_getBalance', [`0x${(3001).toString(16).padStart(40, '0')}`, 'latest']),
    )
    const reorg = log.lines.find((line) => line.msg === 'reorg: unwound to the common ancestor')
    expect(reorg).toMatchObject({ depth: 6, ancestor: '10', oldHead: '16' })
    expect((reorg?.dropped as string[]).length).toBe(6)
    const metrics = await (await fetch(`${node.url}/metrics`)).text()
    expect(metrics).toMatch(/^hindsight_reorgs_total 1$/m)
  }, 120_000)

  it('follows a shorter branch, and drops the logs of the unwound blocks', async () => {
    const before = await waitForHead(node.url, anvil.rpcUrl)
    const snapshot = await rpcCall<Hex>(anvil.rpcUrl, 'evm_snapshot', [])
    // a block with a log: a contract creation whose init code emits LOG0 (PUSH1 0 PUSH1 0 LOG0 STOP)
    const emit = await sender.send(6, { data: '0x60006000a000', gas: 100_000n })
    await sender.mine()
    await sender.mineTransfers(4, 4)
    const longHead = await waitForHead(node.url, anvil.rpcUrl)
    expect(longHead.number).toBe(before.number + 5n)
    const range = { fromBlock: `0x${(before.number + 1n).toString(16)}`, toBlock: 'latest' }
    expect((await rpcCall<unknown[]>(node.url, 'eth_getLogs', [range])).length).toBe(1)

    await rpcCall(anvil.rpcUrl, 'evm_revert', [snapshot])
    await sender.mineTransfers(2, 5) // a shorter branch: 2 blocks replace 5
    const head = await waitForHead(node.url, anvil.rpcUrl)
    expect(head.number).toBe(before.number + 2n)
    expect(await receipt(node.url, emit)).toBeNull()
    expect(await rpcCall<unknown[]>(node.url, 'eth_getLogs', [{ fromBlock: range.fromBlock, toBlock: 'latest' }])).toEqual([])
    expect(await rpcCall(node.url, 'eth_blockNumber', [])).toBe(`0x${head.number.toString(16)}`)
  }, 120_000)
})
