import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil/anvil.js'
import { ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import type { RunningNode } from '../../src/main.js'
import { DevSender, startFollower, waitFor, waitForHead } from '../helpers/follower.js'
import { rpcCall, rpcRequest, tempDir } from '../helpers/node.js'

/**
 * snap retention with a finality source counts only verified checkpoints (at or below the
 * finalized block): state above the finalized block is never pruned, however many checkpoints
 * that takes.
 */
describe('snap retention counts verified checkpoints only', () => {
  let anvil: AnvilInstance
  let node: RunningNode
  const dir = tempDir('hindsight-snap-verified-')

  beforeAll(async () => {
    anvil = await startAnvil({ genesisPath: ANVIL_GENESIS_PATH })
    node = await startFollower({
      datadir: join(dir.path, 'follower'),
      genesisPath: ANVIL_GENESIS_PATH,
      upstreams: [anvil.rpcUrl],
      retention: 'snap',
      state: { checkpointInterval: 4, keepCheckpoints: 2 },
      finality: { source: 'depth', depth: 20n, pollIntervalMs: 50 },
    })
    await rpcCall(node.url, 'eth_blockNumber') // up
  }, 60_000)

  afterAll(async () => {
    await node?.close()
    await anvil?.stop()
    dir.remove()
  })

  it('keeps the newest verified checkpoints and everything above them', async () => {
    const sender = new DevSender(anvil.rpcUrl)
    for (let i = 0; i < 10; i++) {
      await sender.mineTransfers(4, 40 + i)
      await waitForHead(node.url, anvil.rpcUrl)
      // let the tracker see each step, as it would on a chain mining in real time
      await waitFor('finality to catch up', async () => {
        const finalized = await rpcCall<{ number: string } | null>(node.url, 'eth_getBlockByNumber', ['finalized', false])
        const head = Number(await rpcCall<string>(node.url, 'eth_blockNumber'))
        return head < 20 || (finalized !== null && Number(finalized.number) === head - 20)
      })
    }
    expect(Number(await rpcCall<string>(node.url, 'eth_blockNumber'))).toBe(40)
    const balanceAt = (n: number) => rpcRequest(node.url, 'eth_getBalance', [sender.address(0), `0x${n.toString(16)}`])
    // finalized is 20: the two newest verified checkpoints are 16 and 20, and 24..40 stay
    for (const n of [17, 21, 25, 33, 39]) expect((await balanceAt(n)).error, `block ${n}`).toBeUndefined()
    const pruned = await balanceAt(9)
    expect(pruned.error?.code).toBe(-32000)
    expect(pruned.error?.message).toContain('pruned')
  }, 120_000)
})
