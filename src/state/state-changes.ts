import { RLP } from '@ethereumjs/rlp'
import { KECCAK256_RLP, equalsBytes } from '@ethereumjs/util'
import { DatadirError } from '../errors.js'
import { bytesKey } from '../util/bytes-key.js'
import type { StateTrie } from './state-trie.js'

/**
 * What one account's update wrote into the tries when a state root was computed: the account's
 * new RLP (or its deletion) and, if its storage changed, the storage root those writes started
 * from and each slot's new leaf.
 */
export interface AccountChange {
  address: Uint8Array
  /** The account's RLP as the account trie holds it now; null: the account was deleted. */
  account: Uint8Array | null
  /** Slot leaves (RLP of the value; null deletes the slot) written over the storage trie at `base`. */
  storage: { base: Uint8Array; slots: [key: Uint8Array, leaf: Uint8Array | null][] } | null
}

/**
 * A block's state changes: its account updates in the order the flat state wrote them into the
 * tries (FlatStateManager.getStateRoot). Recorded while a block is verified and stored with it
 * (full and snap retention), they rebuild a later block's state from a persisted checkpoint
 * without running the EVM: replaying them over the checkpoint's tries writes the same nodes that
 * re-executing the blocks would, so the result is checked against the header's state root
 * exactly as re-execution is.
 */
export type StateChanges = AccountChange[]

/** The stored form: RLP list of [address, account | empty, storage base | empty, [[key, leaf | empty], ...]]. */
export function encodeStateChanges(changes: StateChanges): Uint8Array {
  return RLP.encode(
    changes.map(({ address, account, storage }) => [
      address,
      account ?? EMPTY,
      storage?.base ?? EMPTY,
      storage?.slots.map(([key, leaf]) => [key, leaf ?? EMPTY]) ?? [],
    ]),
  )
}

/** Throws DatadirError CORRUPT (naming what is wrong) when `bytes` is not an encoding of state changes. */
export function decodeStateChanges(bytes: Uint8Array): StateChanges {
  const decoded = RLP.decode(bytes)
  if (!Array.isArray(decoded)) throw corrupt('state changes: not a list')
  return decoded.map((entry) => {
    if (!Array.isArray(entry) || entry.length !== 4) throw corrupt('state changes: an account change is not a 4-item list')
    const [address, account, base, slots] = entry
    if (!isBytes(address) || address.length !== 20) throw corrupt('state changes: bad address')
    if (!isBytes(account) || !isBytes(base) || !Array.isArray(slots)) throw corrupt('state changes: bad account change')
    const pairs = slots.map((slot): [Uint8Array, Uint8Array | null] => {
      if (!Array.isArray(slot) || slot.length !== 2 || !isBytes(slot[0]) || !isBytes(slot[1])) {
        throw corrupt('state changes: bad slot')
      }
      return [slot[0], slot[1].length === 0 ? null : slot[1]]
    })
    if (pairs.length > 0 && base.length !== 32) throw corrupt('state changes: bad storage root')
    return {
      address,
      account: account.length === 0 ? null : account,
      storage: pairs.length === 0 ? null : { base, slots: pairs },
    }
  })
}

/**
 * The changes of consecutive blocks folded into one list with the same effect: per account its
 * last value, and its slot writes since its storage last started over. Writing the folded list
 * hashes each touched node once, where writing block after block would hash every intermediate
 * state. Slot writes carry on from one block to the next when the later block starts from the
 * storage root the earlier one left (same root, same storage); any other start (a wipe, a
 * deletion) begins anew from that root.
 */
export function foldStateChanges(blocks: StateChanges[]): StateChanges {
  interface Folded {
    change: AccountChange
    /** The storage root of the account's latest value (the empty trie's if deleted). */
    storageRoot: Uint8Array
    slots: Map<string, [Uint8Array, Uint8Array | null]> | null
    base: Uint8Array | null
  }
  const byAddress = new Map<string, Folded>()
  for (const changes of blocks) {
    for (const change of changes) {
      const id = bytesKey(change.address)
      let folded = byAddress.get(id)
      if (folded === undefined) byAddress.set(id, (folded = { change, storageRoot: EMPTY_TRIE_ROOT, slots: null, base: null }))
      if (change.storage !== null) {
        if (folded.slots === null || !equalsBytes(change.storage.base, folded.storageRoot)) {
          folded.slots = new Map()
          folded.base = change.storage.base
        }
        for (const slot of change.storage.slots) folded.slots.set(bytesKey(slot[0]), slot)
      }
      const storageRoot = change.account === null ? EMPTY_TRIE_ROOT : storageRootOf(change.account)
      // a storage root that moved without slot writes was wiped: nothing before it applies
      if (change.storage === null && !equalsBytes(storageRoot, folded.storageRoot)) {
        folded.slots = null
        folded.base = null
      }
      folded.change = change
      folded.storageRoot = storageRoot
    }
  }
  return [...byAddress.values()].map(({ change, slots, base }) => ({
    address: change.address,
    account: change.account,
    storage: change.account === null || slots === null || base === null ? null : { base, slots: [...slots.values()] },
  }))
}

/**
 * Writes `changes` into `trie` (the account trie of the state they were recorded on, or folded
 * from). Each rebuilt storage root must be the one the account records, else this throws
 * DatadirError CORRUPT: the changes do not belong on this state.
 */
export async function applyStateChanges(trie: StateTrie, changes: StateChanges): Promise<void> {
  for (const { address, account, storage } of changes) {
    if (account === null) {
      await trie.del(address)
      continue
    }
    if (storage !== null) {
      const storageTrie = trie.shallowCopy()
      storageTrie.root(storage.base)
      for (const [key, leaf] of storage.slots) await storageTrie.put(key, leaf)
      if (!equalsBytes(storageTrie.root(), storageRootOf(account))) {
        throw corrupt(`state changes: the storage of 0x${Buffer.from(address).toString('hex')} does not rebuild to its storage root`)
      }
    }
    await trie.put(address, account)
  }
}

/** The storage root field of an account's RLP [nonce, balance, storageRoot, codeHash]. */
function storageRootOf(account: Uint8Array): Uint8Array {
  const fields = RLP.decode(account)
  if (!Array.isArray(fields) || fields.length !== 4 || !isBytes(fields[2])) throw corrupt('state changes: bad account RLP')
  return fields[2]
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}

const EMPTY = new Uint8Array(0)
const EMPTY_TRIE_ROOT = KECCAK256_RLP

function corrupt(reason: string): DatadirError {
  return new DatadirError({ code: 'CORRUPT', reason })
}
