import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningNode } from '../../src/main.js'
import { Prefix } from '../../src/storage/keys.js'
import { CONFORMANCE_DIR, conformanceAvailable, conformanceMissingMessage } from '../helpers/conformance.js'
import { importChain, rpcCall, rpcRequest, startTestNode, tempDir } from '../helpers/node.js'

/**
 * Historical state by re-execution must answer exactly what a node with the state of every
 * block answers. Three datadirs of the conformance chain (54 blocks, every fork): archival,
 * full with a checkpoint every 8 blocks, and snap keeping the newest 2 checkpoints.
 */
if (!conformanceAvailable()) {
  it('needs the conformance chain', () => {
    throw new Error(conformanceMissingMessage())
  })
} else {
  describe('historical state', () => {
    const dir = tempDir('hindsight-historical-')
    const nodes: Record<'archival' | 'full' | 'snap', RunningNode> = {} as never
    let accounts: string[] = []

    beforeAll(async () => {
      for (const [mode, state] of [
        ['archival', {}],
        ['full', { checkpointInterval: 8 }],
        ['snap', { checkpointInterval: 8, keepCheckpoints: 2 }],
      ] as const) {
        const datadir = join(dir.path, mode)
        await importChain({
          datadir,
          genesisPath: join(CONFORMANCE_DIR, 'genesis.json'),
          files: [join(CONFORMANCE_DIR, 'chain.rlp')],
          retention: mode,
          state,
        })
        nodes[mode] = await startTestNode(datadir, {}, state)
      }
      // every sender and recipient of the chain's transactions
      const seen = new Set<string>()
      for (let n = 1; n <= 54; n++) {
        const block = await rpcCall<{ transactions: { from: string; to: string | null }[] }>(nodes.archival.url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, true])
        for (const tx of block.transactions) {
          seen.add(tx.from)
          if (tx.to !== null) seen.add(tx.to)
        }
      }
      accounts = [...seen].slice(0, 12)
    }, 300_000)

    afterAll(async () => {
      for (const node of Object.values(nodes)) await node?.close()
      dir.remove()
    })

    it('full retention re-executes to the same balances, nonces, code and storage as archival', async () => {
      for (const block of [1, 5, 9, 13, 20, 31, 44, 50, 53]) {
        const tag = `0x${block.toString(16)}`
        for (const account of accounts) {
          for (const [method, params] of [
            ['eth_getBalance', [account, tag]],
            ['eth_getTransactionCount', [account, tag]],
            ['eth_getCode', [account, tag]],
            ['eth_getStorageAt', [account, '0x0', tag]],
          ] as const) {
            const expected = await rpcCall(nodes.archival.url, method, [...params])
            expect(await rpcCall(nodes.full.url, method, [...params]), `${method} ${account} @${block}`).toEqual(expected)
          }
        }
      }
    })

    it('proofs from re-executed state verify against that block state root', async () => {
      const block = '0x1d'
      const header = await rpcCall<{ stateRoot: string }>(nodes.full.url, 'eth_getBlockByNumber', [block, false])
      const proof = await rpcCall<{ accountProof: string[] }>(nodes.full.url, 'eth_getProof', [accounts[0], ['0x0'], block])
      const expected = await rpcCall(nodes.archival.url, 'eth_getProof', [accounts[0], ['0x0'], block])
      expect(proof).toEqual(expected)
      // the first proof node is the root node: its hash is the state root
      const { keccak256 } = await import('viem')
      expect(keccak256(proof.accountProof[0] as `0x${string}`)).toBe(header.stateRoot)
    })

    it('snap retention answers recent state and refuses pruned state naming the oldest block', async () => {
      const recent = await rpcCall(nodes.snap.url, 'eth_getBalance', [accounts[0], '0x33'])
      expect(recent).toEqual(await rpcCall(nodes.archival.url, 'eth_getBalance', [accounts[0], '0x33']))
      const pruned = await rpcRequest(nodes.snap.url, 'eth_getBalance', [accounts[0], '0x3'])
      expect(pruned.error?.code).toBe(-32000)
      expect(pruned.error?.message).toMatch(/state at block 3 is pruned .*oldest block whose state is available is \d+/)
    })

    it('snap deletes the state of dropped checkpoints from disk', async () => {
      const trieNodes = async (node: RunningNode) => {
        let count = 0
        for await (const _ of node.reader.datadir.store.db.keys({ gte: Uint8Array.of(Prefix.trieNode), lt: Uint8Array.of(Prefix.trieNode + 1) })) count++
        return count
      }
      const [archival, full, snap] = [await trieNodes(nodes.archival), await trieNodes(nodes.full), await trieNodes(nodes.snap)]
      expect(snap).toBeLessThan(full)
      expect(full).toBeLessThan(archival)
      // what snap keeps is exactly what its checkpoints reach
      const { pruneState } = await import('../../src/state/pruner.js')
      const again = await pruneState({ datadir: nodes.snap.reader.datadir })
      expect(again.deletedNodes).toBe(0)
      expect(again.keptNodes).toBeGreaterThanOrEqual(snap)
    })

    it('concurrent requests for one historical block agree', async () => {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => rpcCall(nodes.full.url, 'eth_getBalance', [accounts[1], '0x2f'])),
      )
      expect(new Set(answers).size).toBe(1)
      expect(answers[0]).toEqual(await rpcCall(nodes.archival.url, 'eth_getBalance', [accounts[1], '0x2f']))
    })
  })
}
