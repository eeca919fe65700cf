import type { AccountFields, StateManagerInterface } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { OriginalStorageCache } from '@ethereumjs/statemanager'
import {
  Account,
  type Address,
  type PrefixedHexString,
  KECCAK256_NULL,
  KECCAK256_RLP,
  concatBytes,
  createAccount,
  createAccountFromRLP,
  createAddressFromString,
  equalsBytes,
  toBytes,
  unpadBytes,
} from '@ethereumjs/util'
import type { AccountChange, StateChanges } from './state-changes.js'
import type { StateTrie } from './state-trie.js'
import { bytesKey as keyOf } from '../util/bytes-key.js'

export interface FlatStateOptions {
  /**
   * Entries (accounts plus storage slots) the clean read cache may hold between blocks; past it,
   * the cache is dropped at the next block boundary, when nothing in it is unsaved.
   */
  maxCachedEntries: number
  /**
   * Keep what each state root writes into the tries (takeChanges()), to store with the block: a
   * later state is then rebuilt from a persisted checkpoint by replaying them.
   */
  recordChanges?: boolean
}

export interface FlatStateDependencies {
  /** The account trie; storage tries are opened from it (same node store). */
  trie: StateTrie
  hash(data: Uint8Array): Uint8Array
}

/** Contract code lives in the node database under 'c' ++ code hash, where MerkleStateManager puts it. */
const CODE_PREFIX = Uint8Array.of(0x63)
const EMPTY: Uint8Array = new Uint8Array(0)

/** An undo record: what a key held before a change (undefined = it was not in the map). */
type Undo =
  | { kind: 'account'; key: string; previous: CachedAccount | undefined }
  | { kind: 'slot'; key: string; slot: string; previous: Uint8Array | undefined }
  | { kind: 'storage'; key: string; previous: Map<string, Uint8Array> | undefined }
  | { kind: 'root'; previous: Uint8Array }
  | { kind: 'saved'; accounts: Set<string>; slots: Map<string, Map<string, Uint8Array>> }
  | { kind: 'changes'; length: number }

interface CachedAccount {
  address: Address
  /** undefined: the account does not exist. Never handed out: callers get copies. */
  account: Account | undefined
}

/**
 * The executor's state during block execution: flat maps of accounts and storage slots in front
 * of the Merkle tries, with an undo journal for the EVM's checkpoints.
 *
 * MerkleStateManager keeps its caches as RLP (every getAccount decodes an account, every
 * putAccount encodes one) and checkpoints them as diff maps; re-executing a block spent about a
 * tenth of its time there. Here execution reads and writes plain values: a read misses to the trie
 * once and is then served from the maps; a write is a map update plus one undo record. The tries
 * are touched once per block: getStateRoot() applies the accounts and slots written since the last
 * time to the storage tries and the account trie and hashes them.
 *
 * Semantics follow MerkleStateManager (storage values are unpadded; zero deletes the slot;
 * putStorage on an absent account throws; clearStorage and deleteAccount drop the storage; code
 * goes to the node database under its prefixed hash as it is put), so the state roots and the
 * nodes written are the same. getStateRoot() may run inside a checkpoint (runBlock asks for the
 * root before it commits the block): reverting past it restores the roots it changed.
 */
export class FlatStateManager implements StateManagerInterface {
  readonly originalStorageCache: OriginalStorageCache
  private accounts = new Map<string, CachedAccount>()
  private storage = new Map<string, Map<string, Uint8Array>>()
  private code = new Map<string, Uint8Array>()
  /** Accounts written since the last root; after reverts a superset, which writing again makes harmless. */
  private dirtyAccounts = new Set<string>()
  /** Slots written since the last root, by account: the slot's key bytes by map key. */
  private dirtySlots = new Map<string, Map<string, Uint8Array>>()
  private journal: Undo[] = []
  private marks: number[] = []
  private cachedSlots = 0
  /** With recordChanges: the account updates written into the tries since takeChanges(). */
  private changes: StateChanges = []

  constructor(
    private readonly options: FlatStateOptions,
    private readonly deps: FlatStateDependencies,
  ) {
    this.originalStorageCache = new OriginalStorageCache(this.getStorage.bind(this))
  }

  async getAccount(address: Address): Promise<Account | undefined> {
    const cached = await this.load(address)
    return cached.account === undefined ? undefined : copy(cached.account)
  }

  async putAccount(address: Address, account?: Account): Promise<void> {
    const key = keyOf(address.bytes)
    this.setAccount(key, { address, account: account === undefined ? undefined : copy(account) })
  }

  async deleteAccount(address: Address): Promise<void> {
    const key = keyOf(address.bytes)
    this.setAccount(key, { address, account: undefined })
    this.replaceStorage(key)
  }

  async modifyAccountFields(address: Address, fields: AccountFields): Promise<void> {
    const account = (await this.getAccount(address)) ?? new Account()
    account.nonce = fields.nonce ?? account.nonce
    account.balance = fields.balance ?? account.balance
    account.storageRoot = fields.storageRoot ?? account.storageRoot
    account.codeHash = fields.codeHash ?? account.codeHash
    await this.putAccount(address, account)
  }

  async putCode(address: Address, value: Uint8Array): Promise<void> {
    const codeHash = this.deps.hash(value)
    this.code.set(keyOf(codeHash), value)
    await this.deps.trie.database().put(concatBytes(CODE_PREFIX, codeHash), value)
    const account = (await this.getAccount(address)) ?? new Account()
    account.codeHash = codeHash
    await this.putAccount(address, account)
  }

  async getCode(address: Address): Promise<Uint8Array> {
    const { account } = await this.load(address)
    if (account === undefined || equalsBytes(account.codeHash, KECCAK256_NULL)) return EMPTY
    const key = keyOf(account.codeHash)
    let code = this.code.get(key)
    if (code === undefined) {
      code = (await this.deps.trie.database().get(concatBytes(CODE_PREFIX, account.codeHash))) ?? EMPTY
      this.code.set(key, code)
    }
    return code
  }

  async getCodeSize(address: Address): Promise<number> {
    return (await this.getCode(address)).length
  }

  async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    if (key.length !== 32) throw new Error('Storage key must be 32 bytes long')
    const accountKey = keyOf(address.bytes)
    const slot = keyOf(key)
    const slots = this.storage.get(accountKey)
    const value = slots?.get(slot)
    if (value !== undefined) return value
    const { account } = await this.load(address)
    let loaded = EMPTY
    if (account !== undefined && !equalsBytes(account.storageRoot, KECCAK256_RLP)) {
      const trie = this.deps.trie.shallowCopy()
      trie.root(account.storageRoot)
      const rlp = await trie.get(key)
      if (rlp !== null) loaded = RLP.decode(rlp) as Uint8Array
    }
    // a clean read: the value the tries hold, so it needs no undo record
    this.slotsOf(accountKey).set(slot, loaded)
    this.cachedSlots++
    return loaded
  }

  async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    if (key.length !== 32) throw new Error('Storage key must be 32 bytes long')
    if (value.length > 32) throw new Error('Storage value cannot be longer than 32 bytes')
    const { account } = await this.load(address)
    if (account === undefined) throw new Error('putStorage() called on non-existing account')
    const accountKey = keyOf(address.bytes)
    const slot = keyOf(key)
    const slots = this.slotsOf(accountKey)
    this.record({ kind: 'slot', key: accountKey, slot, previous: slots.get(slot) })
    slots.set(slot, unpadBytes(value))
    this.cachedSlots++
    let dirty = this.dirtySlots.get(accountKey)
    if (dirty === undefined) this.dirtySlots.set(accountKey, (dirty = new Map()))
    dirty.set(slot, key)
    this.dirtyAccounts.add(accountKey)
  }

  async clearStorage(address: Address): Promise<void> {
    const account = (await this.getAccount(address)) ?? new Account()
    account.storageRoot = KECCAK256_RLP
    await this.putAccount(address, account)
    this.replaceStorage(keyOf(address.bytes))
  }

  async checkpoint(): Promise<void> {
    this.marks.push(this.journal.length)
  }

  async commit(): Promise<void> {
    if (this.marks.pop() === undefined) throw new Error('commit without a checkpoint')
    if (this.marks.length === 0) this.journal.length = 0
  }

  async revert(): Promise<void> {
    const mark = this.marks.pop()
    if (mark === undefined) throw new Error('revert without a checkpoint')
    for (let i = this.journal.length - 1; i >= mark; i--) this.undo(this.journal[i])
    this.journal.length = mark
  }

  /**
   * Writes the accounts and slots changed since the last call into the tries and returns the
   * root; the new nodes are queued in the node database as the trie hashes them.
   */
  async getStateRoot(): Promise<Uint8Array> {
    const trie = this.deps.trie
    if (this.dirtyAccounts.size > 0) {
      this.record({ kind: 'root', previous: trie.root() })
      const recording = this.options.recordChanges === true
      if (recording) this.record({ kind: 'changes', length: this.changes.length })
      for (const key of this.dirtyAccounts) {
        const cached = this.accounts.get(key)
        // reverted to a value never loaded: the trie holds it already
        if (cached === undefined) continue
        if (cached.account === undefined) {
          await trie.del(cached.address.bytes)
          if (recording) this.changes.push({ address: cached.address.bytes, account: null, storage: null })
          continue
        }
        let account = cached.account
        let storage: AccountChange['storage'] = null
        const slots = this.dirtySlots.get(key)
        const values = this.storage.get(key)
        if (slots !== undefined && values !== undefined) {
          const storageTrie = trie.shallowCopy()
          storageTrie.root(account.storageRoot)
          if (recording) storage = { base: account.storageRoot, slots: [] }
          for (const [slot, slotKey] of slots) {
            const value = values.get(slot)
            if (value === undefined) continue
            const leaf = value.length === 0 ? this.zeroSlotLeaf(cached.address, account, slotKey) : RLP.encode(value)
            await storageTrie.put(slotKey, leaf)
            storage?.slots.push([slotKey, leaf])
          }
          const storageRoot = storageTrie.root()
          if (!equalsBytes(storageRoot, account.storageRoot)) {
            account = copy(account)
            account.storageRoot = storageRoot
            this.setAccount(key, { address: cached.address, account })
          }
        }
        const rlp = account.serialize()
        await trie.put(cached.address.bytes, rlp)
        if (recording) this.changes.push({ address: cached.address.bytes, account: rlp, storage: storage?.slots.length === 0 ? null : storage })
      }
      // Inside a checkpoint, a revert past here restores the trie root and lists these changes
      // again, so that the next root writes the values the revert restored.
      this.record({ kind: 'saved', accounts: this.dirtyAccounts, slots: this.dirtySlots })
      this.dirtyAccounts = new Set()
      this.dirtySlots = new Map()
    }
    const root = trie.root()
    await trie.flush()
    if (this.marks.length === 0 && this.accounts.size + this.cachedSlots > this.options.maxCachedEntries) this.clearCaches()
    return root
  }

  async setStateRoot(root: Uint8Array, _clearCache?: boolean): Promise<void> {
    if (!(await this.hasStateRoot(root))) throw new Error('State trie does not contain state root')
    this.deps.trie.root(root)
    this.changes = []
    this.journal.length = 0
    this.marks.length = 0
    this.dirtyAccounts.clear()
    this.dirtySlots.clear()
    this.dropCaches()
  }

  /** With recordChanges: the account updates written into the tries since the last call, in order. */
  takeChanges(): StateChanges {
    const changes = this.changes
    this.changes = []
    return changes
  }

  async hasStateRoot(root: Uint8Array): Promise<boolean> {
    return this.deps.trie.checkRoot(root)
  }

  /** Drops the read caches; only between blocks (unsaved writes live in them too). */
  clearCaches(): void {
    if (this.dirtyAccounts.size > 0 || this.marks.length > 0) return
    this.dropCaches()
  }

  shallowCopy(): StateManagerInterface {
    throw new Error('FlatStateManager serves block execution only: open a state view to read or simulate')
  }

  /** Genesis allocation, in MerkleStateManager's format (balance, or [balance, code, storage, nonce]). */
  async generateCanonicalGenesis(initState: Record<string, unknown>): Promise<void> {
    for (const [address, state] of Object.entries(initState)) {
      const addr = createAddressFromString(address)
      if (!Array.isArray(state)) {
        await this.putAccount(addr, createAccount({ balance: state as PrefixedHexString }))
        continue
      }
      type Hex = PrefixedHexString
      const [balance, code, storage, nonce] = state as [Hex, Hex | undefined, [Hex, Hex][] | undefined, Hex]
      await this.putAccount(addr, createAccount({ balance, nonce }))
      if (code !== undefined) await this.putCode(addr, toBytes(code))
      for (const [key, value] of storage ?? []) await this.putStorage(addr, toBytes(key), toBytes(value))
    }
    await this.getStateRoot()
  }

  /**
   * What the root writes for a dirty slot whose value is zero: null deletes it, as Ethereum does.
   * The one extension point for a compatibility mode whose sequencer keeps some zero slots in its
   * storage tries (anvil keeps rlp(0)); asked only for zero values, so canonical roots pay nothing.
   */
  protected zeroSlotLeaf(_address: Address, _account: Account, _key: Uint8Array): Uint8Array | null {
    return null
  }

  private async load(address: Address): Promise<CachedAccount> {
    const key = keyOf(address.bytes)
    let cached = this.accounts.get(key)
    if (cached === undefined) {
      const rlp = await this.deps.trie.get(address.bytes)
      cached = { address, account: rlp === null ? undefined : createAccountFromRLP(rlp) }
      this.accounts.set(key, cached)
    }
    return cached
  }

  private setAccount(key: string, next: CachedAccount): void {
    this.record({ kind: 'account', key, previous: this.accounts.get(key) })
    this.accounts.set(key, next)
    this.dirtyAccounts.add(key)
  }

  /** Starts the account's storage over (empty), as deleting or clearing it does. */
  private replaceStorage(key: string): void {
    this.record({ kind: 'storage', key, previous: this.storage.get(key) })
    this.storage.set(key, new Map())
  }

  private slotsOf(key: string): Map<string, Uint8Array> {
    let slots = this.storage.get(key)
    if (slots === undefined) this.storage.set(key, (slots = new Map()))
    return slots
  }

  private record(undo: Undo): void {
    if (this.marks.length > 0) this.journal.push(undo)
  }

  private undo(entry: Undo): void {
    switch (entry.kind) {
      case 'account':
        if (entry.previous === undefined) this.accounts.delete(entry.key)
        else this.accounts.set(entry.key, entry.previous)
        return
      case 'slot': {
        const slots = this.storage.get(entry.key)
        if (slots === undefined) return
        if (entry.previous === undefined) slots.delete(entry.slot)
        else slots.set(entry.slot, entry.previous)
        return
      }
      case 'storage':
        if (entry.previous === undefined) this.storage.delete(entry.key)
        else this.storage.set(entry.key, entry.previous)
        return
      case 'root':
        this.deps.trie.root(entry.previous)
        return
      case 'saved':
        for (const key of entry.accounts) this.dirtyAccounts.add(key)
        for (const [key, slots] of entry.slots) {
          const dirty = this.dirtySlots.get(key)
          if (dirty === undefined) this.dirtySlots.set(key, slots)
          else for (const [slot, slotKey] of slots) dirty.set(slot, slotKey)
        }
        return
      case 'changes':
        this.changes.length = entry.length
        return
    }
  }

  private dropCaches(): void {
    this.accounts = new Map()
    this.storage = new Map()
    this.code = new Map()
    this.cachedSlots = 0
  }
}

function copy(account: Account): Account {
  return new Account(account.nonce, account.balance, account.storageRoot, account.codeHash)
}
