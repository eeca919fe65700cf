import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningNode } from '../../src/main.js'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { pino } from 'pino'
import { blockAt } from '../../src/state/live-state.js'
import { encodeStateChanges } from '../../src/state/state-changes.js'
import { createStateProvider } from '../../src/state/state-provider.js'
import { Prefix } from '../../src/storage/keys.js'
import { CONFORMANCE_DIR, conformanceAvailable, conformanceMissingMessage } from '../helpers/conformance.js'
import { importChain, rpcCall, rpcRequest, startTestNode, tempDir } from '../helpers/node.js'

/**
 * Historical state rebuilt from persisted checkpoints (by replaying stored state changes, or by
 * re-execution) must answer exactly what a node with the state of every block answers. Three datadirs of the conformance chain (54 blocks, every fork): archival,
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

    it('full retention rebuilds the same balances, nonces, code and storage as archival', async () => {
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

    it('full and snap store the state changes of each block, archival none; replaying them gives the states re-execution gives', async () => {
      const changes = async (node: RunningNode) => {
        let count = 0
        for await (const _ of node.reader.datadir.store.db.keys({ gte: Uint8Array.of(Prefix.stateChanges), lt: Uint8Array.of(Prefix.stateChanges + 1) })) count++
        return count
      }
      expect(await changes(nodes.archival)).toBe(0)
      expect(await changes(nodes.full)).toBe(54)
      // snap keeps those above its oldest checkpoint only
      const oldest = (await nodes.snap.reader.datadir.store.checkpoints.all())[0].number
      expect(await changes(nodes.snap)).toBe(54 - Number(oldest))

      const { datadir } = nodes.full.reader
      const log = pino({ level: 'warn' })
      const replay = createStateProvider({ stateCacheBytes: 0, rebuild: 'replay' }, { datadir, log })
      const execute = createStateProvider({ stateCacheBytes: 0, rebuild: 'execute' }, { datadir, log })
      for (const number of [3n, 13n, 30n, 47n]) {
        const header = (await blockAt(datadir, number)).header
        const [a, b] = [await replay.stateAt(header), await execute.stateAt(header)]
        expect(bytesToHex(a.stateRoot)).toBe(bytesToHex(header.stateRoot))
        for (const account of accounts) {
          const address = hexToBytes(account as `0x${string}`)
          expect((await a.getAccount(address))?.serialize(), `${account} @${number}`).toEqual((await b.getAccount(address))?.serialize())
          expect(await a.getStorage(address, new Uint8Array(32))).toEqual(await b.getStorage(address, new Uint8Array(32)))
        }
      }
    })

    it('a block whose stored changes are damaged is re-executed instead, and the answer is still right', async () => {
      const { datadir } = nodes.full.reader
      const { store } = datadir
      const number = 27n
      const hash = (await store.canonical.get(number))!
      const [original] = await store.stateChanges.getMany([{ number, hash }])
      expect(original).not.toBeNull()
      const lines: string[] = []
      const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) })
      const states = createStateProvider({ stateCacheBytes: 0 }, { datadir, log })
      const header = (await blockAt(datadir, 30n)).header
      const expected = await Promise.all(accounts.map((a) => rpcCall(nodes.archival.url, 'eth_getBalance', [a, '0x1e'])))
      try {
        for (const damaged of [Uint8Array.of(0xc1, 0x01), encodeStateChanges([])]) {
          await store.write([store.stateChanges.putOp(number, hash, damaged)])
          const view = await states.stateAt(header)
          expect(bytesToHex(view.stateRoot)).toBe(bytesToHex(header.stateRoot))
          for (const [i, account] of accounts.entries()) {
            const balance = (await view.getAccount(hexToBytes(account as `0x${string}`)))?.balance ?? 0n
            expect(`0x${balance.toString(16)}`).toBe(expected[i])
          }
        }
      } finally {
        await store.write([store.stateChanges.putOp(number, hash, original!)])
      }
      expect(lines.length).toBe(2)
      for (const line of lines) expect(JSON.parse(line).msg).toBe('stored state changes do not rebuild the state: re-executing')
    })

    it('the start-up check rebuilds the newest checkpoint from the one below by its stored changes, and reports damaged ones', async () => {
      const { datadir } = nodes.full.reader
      const { store } = datadir
      const log = pino({ level: 'silent' })
      const states = createStateProvider({ stateCacheBytes: 0 }, { datadir, log })
      const [below, newest] = (await store.checkpoints.all()).slice(-2)
      const check = await states.checkStoredChanges()
      expect(check).toMatchObject({ from: below.number, to: newest.number, ok: true })

      const number = newest.number - 1n
      const hash = (await store.canonical.get(number))!
      const [original] = await store.stateChanges.getMany([{ number, hash }])
      try {
        await store.write([store.stateChanges.putOp(number, hash, encodeStateChanges([]))])
        expect(await states.checkStoredChanges()).toMatchObject({ from: below.number, to: newest.number, ok: false })
      } finally {
        await store.write([store.stateChanges.putOp(number, hash, original!)])
      }
      // archival keeps no changes: nothing to check
      expect(await createStateProvider({ stateCacheBytes: 0 }, { datadir: nodes.archival.reader.datadir, log }).checkStoredChanges()).toBeNull()
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
