import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, Address, bytesToHex, setLengthLeft } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { keccak256 } from '../../src/chain/keccak.js'
import { FlatStateManager } from '../../src/state/flat-state.js'
import { StateTrie } from '../../src/state/state-trie.js'
import { TrieNodeRepository } from '../../src/storage/repositories/trie-nodes.js'

/**
 * FlatStateManager against MerkleStateManager (what canonical execution ran on before): the same
 * random operations, checkpoints, commits and reverts, with roots asked inside and outside
 * checkpoints, give the same reads and the same state roots.
 */
describe('FlatStateManager', () => {
  let seed = 99
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return (seed >>> 8) % n
  }
  const addresses = Array.from({ length: 12 }, (_, i) => new Address(setLengthLeft(Uint8Array.of(i + 1), 20)))
  const slots = Array.from({ length: 10 }, (_, i) => setLengthLeft(Uint8Array.of(i), 32))
  const value = () => (random(4) === 0 ? new Uint8Array(0) : Uint8Array.of(random(256), random(256)))

  function pair() {
    const flatTrie = StateTrie.create({ db: new TrieNodeRepository(null), hash: keccak256 })
    const flat = new FlatStateManager({ maxCachedEntries: 50 }, { trie: flatTrie, hash: keccak256 })
    const merkleTrie = StateTrie.create({ db: new TrieNodeRepository(null), hash: keccak256 })
    const merkle = new MerkleStateManager({ trie: merkleTrie as never, caches: new Caches() })
    return { flat, merkle }
  }

  it('gives the same reads and roots through random writes, checkpoints, reverts and storage clears', async () => {
    const { flat, merkle } = pair()
    // every random choice is made before `op` runs, so that both states see the same operation
    const both = async (op: (state: FlatStateManager | MerkleStateManager) => Promise<unknown>) => {
      expect(await op(flat)).toEqual(await op(merkle))
    }
    let depth = 0
    for (let step = 0; step < 4000; step++) {
      const address = addresses[random(addresses.length)]
      const slot = slots[random(slots.length)]
      switch (random(12)) {
        case 0:
        case 1: {
          // as the EVM changes an account: read, modify, put back (keeping its storage root)
          const [nonce, balance] = [BigInt(random(3)), BigInt(random(1000))]
          await both(async (s) => {
            const account = (await s.getAccount(address)) ?? new Account()
            account.nonce = nonce
            account.balance = balance
            await s.putAccount(address, account)
          })
          break
        }
        case 2:
          await both(async (s) => (await s.getAccount(address))?.serialize())
          break
        case 3: {
          const v = value()
          await both(async (s) => {
            if ((await s.getAccount(address)) !== undefined) await s.putStorage(address, slot, v)
          })
          break
        }
        case 4:
          await both(async (s) => bytesToHex(await s.getStorage(address, slot)))
          break
        case 5: {
          const [kind, code] = [random(3), Uint8Array.of(0x60, random(256), 0x00)]
          if (kind === 0) await both((s) => s.deleteAccount(address))
          else if (kind === 1) await both((s) => s.clearStorage(address))
          else await both((s) => s.putCode(address, code))
          break
        }
        case 6:
          await both(async (s) => bytesToHex(await s.getCode(address)))
          break
        case 7:
          await both((s) => s.checkpoint())
          depth++
          break
        case 8:
          if (depth > 0) {
            await both((s) => s.commit())
            depth--
          }
          break
        case 9:
          if (depth > 0) {
            await both((s) => s.revert())
            depth--
          }
          break
        default:
          if (depth === 0) {
            await both(async (s) => bytesToHex(await s.getStateRoot()))
          } else {
            // As runBlock does before it commits a block. MerkleStateManager's root inside a
            // checkpoint can miss writes made before it, so only ours is asked; later reads
            // and roots check that a revert past it restores the state.
            await flat.getStateRoot()
          }
      }
    }
    while (depth-- > 0) await both((s) => s.commit())
    await both(async (s) => bytesToHex(await s.getStateRoot()))
  })

  it('asked for the root inside a checkpoint, gives the root a commit keeps and a revert undoes', async () => {
    const { flat } = pair()
    const [a, b] = addresses
    await flat.putAccount(a, new Account(1n, 10n))
    const before = bytesToHex(await flat.getStateRoot())
    await flat.checkpoint()
    await flat.putAccount(b, new Account(0n, 5n))
    await flat.putStorage(b, slots[1], Uint8Array.of(7))
    const inside = bytesToHex(await flat.getStateRoot())
    expect(inside).not.toBe(before)
    await flat.revert()
    expect(bytesToHex(await flat.getStateRoot())).toBe(before)
    expect(await flat.getAccount(b)).toBeUndefined()
    await flat.checkpoint()
    await flat.putAccount(b, new Account(0n, 5n))
    await flat.putStorage(b, slots[1], Uint8Array.of(7))
    expect(bytesToHex(await flat.getStateRoot())).toBe(inside)
    await flat.commit()
    expect(bytesToHex(await flat.getStateRoot())).toBe(inside)
    expect(bytesToHex(await flat.getStorage(b, slots[1]))).toBe('0x07')
  })
})
