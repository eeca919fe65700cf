import type { BlockHeader } from '@ethereumjs/block'
import { Capability, type TypedTransaction } from '@ethereumjs/tx'
import {
  Account,
  type Address,
  KECCAK256_RLP,
  MAX_UINT64,
  SECP256K1_ORDER_DIV_2,
  bytesToBigInt,
  bytesToUnprefixedHex,
  createAddressFromString,
  eoaCode7702RecoverAuthority,
  equalsBytes,
} from '@ethereumjs/util'
import type { VM } from '@ethereumjs/vm'
import type { ChainConfig } from '../chain/genesis.js'
import { FlatStateManager, type FlatStateDependencies, type FlatStateOptions } from '../state/flat-state.js'
import type { CompatMode } from './compat.js'

/**
 * Reproduces anvil 1.7.1's non-canonical headers (../shared/anvil-quirks.md), on top of canonical
 * execution. Anvil runs revm on a CacheDB and builds its state root from every entry of that
 * cache; the rules below are what that amounts to, checked block by block against anvil on
 * fixtures/anvil/anvil-chain.rlp:
 *
 * - Ghost accounts: every account a transaction loaded (in any call frame, reverted or not) that
 *   does not exist canonically after it (EIP-161 or EIP-6780 deleted it, or it was only read) is
 *   put back as an empty account, and stays.
 * - Zero leaves: a storage slot a transaction read or wrote whose value is zero afterwards is
 *   kept as a leaf holding rlp(0) = 0x80 when anvil commits or caches it, that is when its
 *   account was touched by the transaction (the target of a call or create frame that did not
 *   revert, nor any frame around it), or when the account is one whose storage reads anvil's
 *   cache keeps (a genesis account or an EOA, delegated or not; not a contract created on the
 *   chain, whose storage anvil marks as cleared and never reads through). So the zero balance
 *   slot a failed ERC-20 transfer reads leaves nothing: the token is not touched. An account
 *   that is a ghost after the transaction has no storage.
 * - EIP-7702: an authority that does not exist gets the 12,500 refund anyway. Anvil treats it as
 *   existing because loading it made it a ghost, so we make it a ghost before the transaction
 *   runs, and ethereumjs then refunds it as it does any existing authority.
 * - Genesis: the header's state root is the empty trie root, and block 1's base fee is the
 *   genesis base fee (anvil does not apply EIP-1559's adjustment after its empty genesis).
 *
 * Ghosts and zero leaves change no later execution (an empty account and an absent one look the
 * same after EIP-161; a zero leaf reads as zero) except through the 7702 refund, which anvil has
 * too, so they are added after each transaction and stay in our state, as in anvil's.
 *
 * "Loaded" is approximated by what ethereumjs asks the state manager for (getAccount, getCode,
 * getStorage, putStorage) while the transaction runs. Known gaps, none of them in our fixtures:
 * revm loads the target of BALANCE / EXT* / SLOAD / SSTORE before charging gas where ethereumjs
 * charges the cold access first, so an out-of-gas at exactly such an opcode leaves a ghost or a
 * zero leaf in anvil's root and not in ours; and an account touched only as a SELFDESTRUCT
 * beneficiary does not count as touched here. Such a block fails verification and nothing of it
 * is stored.
 */
export function createAnvilCompat(): CompatMode {
  return new AnvilCompat()
}

class AnvilCompat implements CompatMode {
  readonly name = 'anvil'
  private stateManager: AnvilStateManager | null = null
  /** Genesis alloc accounts (unprefixed hex): anvil's cache keeps every storage slot read from them. */
  private genesisAccounts = new Set<string>()
  /** Call and create frames of the running transaction: the accounts each touched so far. */
  private frames: Set<string>[] = []
  /** Accounts the running transaction touched in frames that did not revert. */
  private touched = new Set<string>()
  /**
   * An error thrown by an asynchronous VM event handler. ethereumjs gives such a handler only a
   * `resolve` callback, so it cannot fail the block itself: the next event throws it.
   */
  private failure: unknown = null

  createStateManager(options: FlatStateOptions, deps: FlatStateDependencies): FlatStateManager {
    this.stateManager = new AnvilStateManager(options, deps)
    return this.stateManager
  }

  attach(vm: VM, chain: ChainConfig): void {
    const stateManager = this.stateManager
    if (stateManager === null || vm.stateManager !== stateManager || vm.evm.events === undefined) {
      throw new Error('anvil compat: the VM must run on the state manager createStateManager() built')
    }
    this.genesisAccounts = new Set(Object.keys(chain.genesisState).map((address) => stripHex(address.toLowerCase())))
    vm.events.on('beforeBlock', (_block, resolve) => {
      this.failure = null
      stateManager.startBlock()
      resolve?.()
    })
    this.onAsync(vm, 'beforeTx', async (tx: TypedTransaction) => {
      this.frames = []
      this.touched = new Set()
      await this.addGhostAuthorities(stateManager, tx, vm.common.chainId())
      stateManager.startRecording()
    })
    // Synchronous listeners (one argument): ethereumjs calls them without waiting.
    vm.evm.events.on('beforeMessage', (message) => {
      this.frames.push(new Set(message.to === undefined ? [] : [bytesToUnprefixedHex(message.to.bytes)]))
    })
    vm.evm.events.on('afterMessage', (result) => {
      const frame = this.frames.pop() ?? new Set<string>()
      if (result.execResult.exceptionError !== undefined) return
      if (result.createdAddress !== undefined) frame.add(bytesToUnprefixedHex(result.createdAddress.bytes))
      const parent = this.frames[this.frames.length - 1] ?? this.touched
      for (const address of frame) parent.add(address)
    })
    this.onAsync(vm, 'afterTx', async () => {
      await this.addLeftovers(stateManager, stateManager.stopRecording())
    })
    vm.events.on('afterBlock', (_result, resolve) => {
      this.throwFailure()
      resolve?.()
    })
  }

  genesisHeaderStateRoot(): Uint8Array {
    return KECCAK256_RLP
  }

  /** Blocks mined in the same second (evm_mine in a burst, or --block-time 0) share a timestamp. */
  readonly allowsParentTimestamp = true

  expectedBaseFee(parent: BlockHeader, canonical: bigint): bigint {
    // Anvil mines block 1 at its configured base fee, which is also the genesis header's.
    return parent.number === 0n && parent.baseFeePerGas !== undefined ? parent.baseFeePerGas : canonical
  }

  /**
   * Makes the authorities of a 7702 transaction exist (as ghosts) before ethereumjs processes its
   * authorization list. Only authorizations that get as far as loading the authority count: the
   * checks before that are the ones ethereumjs and revm make first (chain id, nonce bound,
   * signature malleability, y-parity, recovery); an authority skipped there is never loaded.
   */
  private async addGhostAuthorities(stateManager: AnvilStateManager, tx: TypedTransaction, chainId: bigint): Promise<void> {
    if (!tx.supports(Capability.EIP7702EOACode)) return
    for (const authorization of (tx as { authorizationList: Uint8Array[][] }).authorizationList) {
      const [authChainId, , nonce, yParity, , s] = authorization
      const id = bytesToBigInt(authChainId)
      if (id !== 0n && id !== chainId) continue
      if (bytesToBigInt(nonce) >= MAX_UINT64) continue
      if (bytesToBigInt(s) > SECP256K1_ORDER_DIV_2) continue
      if (bytesToBigInt(yParity) > 1n) continue
      let authority: Address
      try {
        authority = eoaCode7702RecoverAuthority(authorization as never)
      } catch {
        continue
      }
      if ((await stateManager.getAccount(authority)) === undefined) await stateManager.putGhost(authority)
    }
  }

  /** Adds the zero leaves and ghost accounts a finished transaction leaves in anvil's state. */
  private async addLeftovers(stateManager: AnvilStateManager, accessed: AccessRecord): Promise<void> {
    // Zero leaves first: whether their account exists must be judged before ghosts are added.
    for (const [addressHex, { address, keys }] of accessed.slots) {
      const account = await stateManager.getAccount(address)
      if (account === undefined || account.isEmpty()) continue
      if (!this.touched.has(addressHex) && !(await this.cachesStorageReads(stateManager, addressHex, account))) continue
      for (const key of keys.values()) {
        if ((await stateManager.getStorage(address, key)).length === 0) await stateManager.putZeroLeaf(address, key)
      }
    }
    for (const address of accessed.accounts.values()) {
      if ((await stateManager.getAccount(address)) === undefined) await stateManager.putGhost(address)
    }
  }

  /**
   * Whether anvil's cache keeps the slots read from this account even when no commit does: true
   * unless the account is a contract created on the chain (anvil marks a created account's
   * storage as cleared and answers its unknown slots with zero without caching them).
   */
  private async cachesStorageReads(stateManager: AnvilStateManager, addressHex: string, account: Account): Promise<boolean> {
    if (this.genesisAccounts.has(addressHex) || !account.isContract()) return true
    const code = await stateManager.getCode(createAddressFromString(`0x${addressHex}`))
    return code.length === DELEGATION_LENGTH && equalsBytes(code.subarray(0, 3), DELEGATION_PREFIX)
  }

  /**
   * Subscribes an async handler the way ethereumjs awaits one (a listener of two arguments is
   * given a resolve callback). A failure is kept and thrown by the next event.
   */
  private onAsync<T>(vm: VM, topic: 'beforeTx' | 'afterTx', handler: (data: T) => Promise<void>): void {
    vm.events.on(topic, ((data: T, resolve?: () => void) => {
      this.throwFailure()
      handler(data).then(
        () => resolve?.(),
        (err: unknown) => {
          this.failure = err
          resolve?.()
        },
      )
    }) as never)
  }

  private throwFailure(): void {
    if (this.failure === null) return
    const failure = this.failure
    this.failure = null
    throw failure
  }
}

/** EIP-7702 delegation designator: 0xef0100 followed by the delegate's address. */
const DELEGATION_PREFIX = Uint8Array.of(0xef, 0x01, 0x00)
const DELEGATION_LENGTH = 23

function stripHex(hex: string): string {
  return hex.startsWith('0x') ? hex.slice(2) : hex
}

/** Accounts and slots one transaction asked the state for, keyed by unprefixed hex. */
interface AccessRecord {
  accounts: Map<string, Address>
  slots: Map<string, { address: Address; keys: Map<string, Uint8Array> }>
}

/** rlp(0), the value anvil's storage trie holds for a zero slot it kept. */
const RLP_ZERO = Uint8Array.of(0x80)

/**
 * The executor's flat state, recording what execution loads and keeping anvil's zero leaves.
 *
 * Storage reaches the tries only when the state root is computed (once a block, by runBlock),
 * which asks zeroSlotLeaf() what a zero value becomes. Slots marked with putZeroLeaf() become
 * rlp(0) there instead of being deleted; the marks last until the next block starts, by when that
 * block's root is done. Accounts put back as ghosts get no storage writes in that block: a ghost's
 * storage, like that of the self-destructed contract it may have been, is empty.
 */
class AnvilStateManager extends FlatStateManager {
  private recording: AccessRecord | null = null
  private zeroLeaves = new Map<string, Set<string>>()
  private ghosts = new Set<string>()

  startBlock(): void {
    this.recording = null
    this.zeroLeaves = new Map()
    this.ghosts = new Set()
  }

  startRecording(): void {
    this.recording = { accounts: new Map(), slots: new Map() }
  }

  stopRecording(): AccessRecord {
    const recording = this.recording ?? { accounts: new Map(), slots: new Map() }
    this.recording = null
    return recording
  }

  async putGhost(address: Address): Promise<void> {
    this.ghosts.add(bytesToUnprefixedHex(address.bytes))
    await this.putAccount(address, new Account())
  }

  /** Stores zero at `key` and keeps it as a leaf when the block's state root is computed. */
  async putZeroLeaf(address: Address, key: Uint8Array): Promise<void> {
    const addressHex = bytesToUnprefixedHex(address.bytes)
    let keys = this.zeroLeaves.get(addressHex)
    if (keys === undefined) this.zeroLeaves.set(addressHex, (keys = new Set()))
    keys.add(bytesToUnprefixedHex(key))
    await this.putStorage(address, key, new Uint8Array())
  }

  // FlatStateManager's getCode, getStorage and putStorage load the account directly, where
  // MerkleStateManager's went through getAccount, so each records the account here: revm loads the
  // account of every EXTCODE*, SLOAD and SSTORE, and one absent after the transaction becomes a
  // ghost (EXTCODESIZE of an absent address, on the fixture chain, reaches only getCode).

  override async getAccount(address: Address): Promise<Account | undefined> {
    this.recordAccount(address)
    return super.getAccount(address)
  }

  override async getCode(address: Address): Promise<Uint8Array> {
    this.recordAccount(address)
    return super.getCode(address)
  }

  override async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    this.recordSlot(address, key)
    return super.getStorage(address, key)
  }

  override async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    this.recordSlot(address, key)
    return super.putStorage(address, key, value)
  }

  /** `account` is the one the root is being computed for: read, never changed. */
  protected override zeroSlotLeaf(address: Address, account: Account, key: Uint8Array): Uint8Array | null {
    const addressHex = bytesToUnprefixedHex(address.bytes)
    // A ghost's storage stays empty. Deleting an account already drops the slots it had (see
    // FlatStateManager.deleteAccount), and a non-zero value takes code running at the address,
    // which makes it non-empty (a create's nonce, a delegation's code): zero values are all that
    // can be left to refuse here.
    if (this.ghosts.has(addressHex) && account.isEmpty() && equalsBytes(account.storageRoot, KECCAK256_RLP)) return null
    return this.zeroLeaves.get(addressHex)?.has(bytesToUnprefixedHex(key)) === true ? RLP_ZERO : null
  }

  private recordAccount(address: Address): void {
    this.recording?.accounts.set(bytesToUnprefixedHex(address.bytes), address)
  }

  private recordSlot(address: Address, key: Uint8Array): void {
    if (this.recording === null) return
    const addressHex = bytesToUnprefixedHex(address.bytes)
    this.recording.accounts.set(addressHex, address)
    let entry = this.recording.slots.get(addressHex)
    if (entry === undefined) this.recording.slots.set(addressHex, (entry = { address, keys: new Map() }))
    entry.keys.set(bytesToUnprefixedHex(key), key)
  }
}
