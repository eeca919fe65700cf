import { Account, Address, KECCAK256_RLP, bytesToHex, createAccountFromRLP, setLengthLeft } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { keccak256 } from '../../src/chain/keccak.js'
import { DatadirError } from '../../src/errors.js'
import { FlatStateManager } from '../../src/state/flat-state.js'
import {
  type StateChanges,
  applyStateChanges,
  decodeStateChanges,
  encodeStateChanges,
  foldStateChanges,
} from '../../src/state/state-changes.js'
import { StateTrie } from '../../src/state/state-trie.js'
import { TrieOverlay } from '../../src/state/trie-overlay.js'
import { TrieNodeRepository } from '../../src/storage/repositories/trie-nodes.js'

/**
 * Blocks of random state operations (account writes, slot writes and zeroings, storage clears,
 * deletions and re-creations, EVM-style checkpoints with reverts, roots asked more than once a
 * block) run on a FlatStateManager that records its changes. Replaying the recorded changes over
 * a copy of the starting state that sees none of the nodes the execution wrote must give every
 * block's root: block by block, folded from the start, and folded from a later state.
 */
describe('state changes', () => {
  let seed = 7
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return (seed >>> 8) % n
  }
  const addresses = Array.from({ length: 10 }, (_, i) => new Address(setLengthLeft(Uint8Array.of(0x10 + i), 20)))
  const slots = Array.from({ length: 8 }, (_, i) => setLengthLeft(Uint8Array.of(i), 32))

  /** Runs `blocks` random blocks; returns the start root, each block's changes and root, and the node store holding only the start state. */
  async function execute(blocks: number) {
    const base = new TrieNodeRepository(null)
    const genesisTrie = StateTrie.create({ db: base, hash: keccak256 })
    const genesis = new FlatStateManager({ maxCachedEntries: 1000 }, { trie: genesisTrie, hash: keccak256 })
    for (const address of addresses.slice(0, 6)) {
      await genesis.putAccount(address, new Account(0n, 1000n))
      for (const slot of slots.slice(0, 3)) await genesis.putStorage(address, slot, Uint8Array.of(1 + random(200)))
    }
    const startRoot = await genesis.getStateRoot()

    const trie = StateTrie.create({ db: new TrieOverlay(base), hash: keccak256, root: startRoot })
    const state = new FlatStateManager({ maxCachedEntries: 40, recordChanges: true }, { trie, hash: keccak256 })
    const recorded: { changes: StateChanges; root: Uint8Array }[] = []
    for (let block = 0; block < blocks; block++) {
      await state.checkpoint()
      for (let op = 0; op < 12; op++) {
        const address = addresses[random(addresses.length)]
        const slot = slots[random(slots.length)]
        const reverting = random(6) === 0
        if (reverting) await state.checkpoint()
        switch (random(10)) {
          case 0:
          case 1:
          case 2: {
            const account = (await state.getAccount(address)) ?? new Account()
            account.balance += BigInt(1 + random(50))
            account.nonce += 1n
            await state.putAccount(address, account)
            break
          }
          case 3:
          case 4:
          case 5:
            if ((await state.getAccount(address)) === undefined) await state.putAccount(address, new Account(1n))
            await state.putStorage(address, slot, random(3) === 0 ? new Uint8Array(0) : Uint8Array.of(random(256), 1))
            break
          case 6:
            if ((await state.getAccount(address)) !== undefined) await state.clearStorage(address)
            break
          case 7:
            await state.deleteAccount(address)
            break
          case 8:
            // deleted and made again within the block, with fresh storage
            await state.deleteAccount(address)
            await state.putAccount(address, new Account(1n, 5n))
            await state.putStorage(address, slot, Uint8Array.of(9))
            break
          case 9:
            // a root asked mid-block, as pre-Byzantium receipts do after every transaction
            await state.getStateRoot()
            break
        }
        if (reverting) {
          if (random(2) === 0) await state.revert()
          else await state.commit()
        }
      }
      await state.commit()
      const root = await state.getStateRoot()
      recorded.push({ changes: state.takeChanges(), root })
    }
    return { base, startRoot, recorded }
  }

  const replayTrie = (base: TrieNodeRepository, root: Uint8Array) => StateTrie.create({ db: new TrieOverlay(base), hash: keccak256, root })

  it('rebuild every block root block by block, folded from the start, and folded from a later state', async () => {
    const { base, startRoot, recorded } = await execute(60)
    expect(recorded.some(({ changes }) => changes.some((change) => change.account === null))).toBe(true)
    expect(recorded.some(({ changes }) => changes.some((change) => change.storage !== null))).toBe(true)

    const stepwise = replayTrie(base, startRoot)
    for (const [i, { changes, root }] of recorded.entries()) {
      await applyStateChanges(stepwise, decodeStateChanges(encodeStateChanges(changes)))
      expect(bytesToHex(stepwise.root()), `block ${i + 1}`).toBe(bytesToHex(root))
    }

    for (const to of [1, 2, 7, 30, 60]) {
      const folded = replayTrie(base, startRoot)
      await applyStateChanges(folded, foldStateChanges(recorded.slice(0, to).map(({ changes }) => changes)))
      expect(bytesToHex(folded.root()), `blocks 1..${to} folded`).toBe(bytesToHex(recorded[to - 1].root))
    }

    // from the state after block 20 (its nodes written by the replay above it), to block 45
    const middle = replayTrie(base, startRoot)
    await applyStateChanges(middle, foldStateChanges(recorded.slice(0, 20).map(({ changes }) => changes)))
    middle.root()
    await middle.flush()
    await applyStateChanges(middle, foldStateChanges(recorded.slice(20, 45).map(({ changes }) => changes)))
    expect(bytesToHex(middle.root())).toBe(bytesToHex(recorded[44].root))
  })

  it('changes that do not belong to the state fail: a slot leaf no longer rebuilds its storage root, an account value changes the root', async () => {
    const { base, startRoot, recorded } = await execute(12)
    const blocks = recorded.map(({ changes }) => changes)
    const last = blocks.length - 1
    const withStorage = blocks[last].findIndex((change) => change.storage !== null && change.account !== null)
    expect(withStorage).not.toBe(-1)

    const slotTampered = structuredClone(blocks)
    const storage = slotTampered[last][withStorage].storage!
    storage.slots[0] = [storage.slots[0][0], Uint8Array.of(0x82, 0xbe, 0xef)]
    await expect(applyStateChanges(replayTrie(base, startRoot), foldStateChanges(slotTampered))).rejects.toThrow(DatadirError)

    const accountTampered = structuredClone(blocks)
    const change = accountTampered[last].find((c) => c.account !== null && c.storage === null) ?? accountTampered[last][withStorage]
    const original = createAccountFromRLP(change.account!)
    change.account = new Account(original.nonce + 1n, original.balance, original.storageRoot, original.codeHash).serialize()
    const trie = replayTrie(base, startRoot)
    try {
      await applyStateChanges(trie, foldStateChanges(accountTampered))
      expect(bytesToHex(trie.root())).not.toBe(bytesToHex(recorded[last].root))
    } catch (err) {
      expect(err).toBeInstanceOf(DatadirError)
    }
  })

  it('decoding refuses bytes that are not state changes', () => {
    expect(() => decodeStateChanges(Uint8Array.of(0x05))).toThrow(DatadirError)
    expect(() => decodeStateChanges(Uint8Array.of(0xc2, 0xc1, 0x80))).toThrow(/4-item list/)
    const bad = encodeStateChanges([{ address: new Uint8Array(19), account: null, storage: null }])
    expect(() => decodeStateChanges(bad)).toThrow(/bad address/)
  })

  it('an empty set of changes round-trips, and a deleted account keeps no storage', () => {
    expect(decodeStateChanges(encodeStateChanges([]))).toEqual([])
    const address = addresses[0].bytes
    const folded = foldStateChanges([
      [{ address, account: new Account(1n).serialize(), storage: { base: KECCAK256_RLP, slots: [[slots[0], Uint8Array.of(1)]] } }],
      [{ address, account: null, storage: null }],
    ])
    expect(folded).toEqual([{ address, account: null, storage: null }])
  })
})
