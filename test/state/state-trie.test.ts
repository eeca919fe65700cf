import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { KECCAK256_RLP, bytesToHex } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { keccak256 } from '../../src/chain/keccak.js'
import { StateTrie } from '../../src/state/state-trie.js'
import { TrieNodeRepository } from '../../src/storage/repositories/trie-nodes.js'

/**
 * StateTrie against @ethereumjs/mpt, the trie it stands in for: the same operations give the same
 * roots, and what one writes the other reads.
 */
describe('StateTrie', () => {
  /** A deterministic byte source (xorshift32). */
  function createRandom(seed: number) {
    let state = seed >>> 0 || 1
    const next = () => {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      return (state >>> 0) / 4294967296
    }
    const bytes = (length: number) => Uint8Array.from({ length }, () => Math.floor(next() * 256))
    return { int: (n: number) => Math.floor(next() * n), bytes }
  }

  const reference = (db = new TrieNodeRepository(null), root?: Uint8Array) =>
    new MerklePatriciaTrie({ db, root, useKeyHashing: true, valueEncoding: 'view' })

  it('gives the same root as @ethereumjs/mpt through puts, overwrites and deletes, down to the empty trie', async () => {
    const random = createRandom(7)
    const ours = StateTrie.create({ db: new TrieNodeRepository(null), hash: keccak256 })
    const theirs = reference()
    const keys = Array.from({ length: 400 }, (_, i) => random.bytes(i % 2 === 0 ? 20 : 32))
    const value = () => random.bytes(1 + random.int(90))
    for (const [i, key] of keys.entries()) {
      const v = value()
      await ours.put(key, v)
      await theirs.put(key, v)
      if (i % 37 === 0) expect(bytesToHex(ours.root())).toBe(bytesToHex(theirs.root()))
    }
    expect(bytesToHex(ours.root())).toBe(bytesToHex(theirs.root()))
    for (let round = 0; round < 300; round++) {
      const key = keys[random.int(keys.length)]
      if (random.int(3) === 0) {
        await ours.del(key)
        await theirs.del(key)
      } else {
        const v = value()
        await ours.put(key, v)
        await theirs.put(key, v)
      }
      expect(await ours.get(key)).toEqual(await theirs.get(key))
    }
    expect(bytesToHex(ours.root())).toBe(bytesToHex(theirs.root()))
    // deleting an absent key changes nothing; putting an empty value deletes
    const before = bytesToHex(ours.root())
    await ours.del(random.bytes(32))
    expect(bytesToHex(ours.root())).toBe(before)
    for (const key of keys) await ours.put(key, new Uint8Array(0))
    expect(bytesToHex(ours.root())).toBe(bytesToHex(KECCAK256_RLP))
    expect(await ours.get(keys[0])).toBeNull()
  })

  it('writes nodes @ethereumjs/mpt reads, and reads and updates the nodes it writes', async () => {
    const random = createRandom(11)
    const db = new TrieNodeRepository(null)
    const theirs = reference(db)
    const entries = Array.from({ length: 200 }, () => [random.bytes(32), random.bytes(40)] as const)
    for (const [key, value] of entries) await theirs.put(key, value)

    // ours opens their root, reads every value, and updates it as they do
    const ours = StateTrie.create({ db, hash: keccak256, root: theirs.root() })
    for (const [key, value] of entries) expect(await ours.get(key)).toEqual(value)
    const updates = entries.slice(0, 50).map(([key]) => [key, random.bytes(33)] as const)
    for (const [key, value] of updates) {
      await ours.put(key, value)
      await theirs.put(key, value)
    }
    for (const [key] of entries.slice(50, 80)) {
      await ours.del(key)
      await theirs.del(key)
    }
    expect(bytesToHex(ours.root())).toBe(bytesToHex(theirs.root()))

    // a fresh @ethereumjs/mpt over the node database reads the state ours wrote
    const newKey = random.bytes(32)
    await ours.put(newKey, Uint8Array.of(1, 2, 3))
    const root = ours.root()
    await ours.flush()
    const reader = reference(db, root)
    expect(await reader.get(newKey)).toEqual(Uint8Array.of(1, 2, 3))
    expect(await reader.get(entries[60][0])).toBeNull()
    expect(await reader.get(entries[10][0])).toEqual(updates[10][1])
    expect(await ours.checkRoot(root)).toBe(true)
    expect(await ours.checkRoot(random.bytes(32))).toBe(false)
  })

  it('reverts to the root of its checkpoint, and storage tries of the family share the node database', async () => {
    const random = createRandom(13)
    const db = new TrieNodeRepository(null)
    const accounts = StateTrie.create({ db, hash: keccak256 })
    const keys = Array.from({ length: 50 }, () => random.bytes(20))
    for (const key of keys) await accounts.put(key, random.bytes(70))
    const committed = bytesToHex(accounts.root())

    accounts.checkpoint()
    accounts.checkpoint()
    await accounts.put(keys[0], random.bytes(70))
    await accounts.del(keys[1])
    await accounts.commit()
    const inner = bytesToHex(accounts.root())
    expect(inner).not.toBe(committed)
    await accounts.revert()
    expect(bytesToHex(accounts.root())).toBe(committed)
    expect(accounts.hasCheckpoints()).toBe(false)
    await expect(accounts.commit()).rejects.toThrow('not checkpointed')

    const storage = accounts.shallowCopy()
    storage.root(KECCAK256_RLP)
    const slot = random.bytes(32)
    await storage.put(slot, Uint8Array.of(0x82, 0x12, 0x34))
    const storageRoot = storage.root()
    await accounts.flush()
    expect(await reference(db, storageRoot).get(slot)).toEqual(Uint8Array.of(0x82, 0x12, 0x34))
  })
})
