import type { BlockHeader } from '@ethereumjs/block'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { Caches, MerkleStateManager, getMerkleStateProof } from '@ethereumjs/statemanager'
import type { Common } from '@ethereumjs/common'
import { type Account, Address, type DB, setLengthLeft } from '@ethereumjs/util'
import { keccak256 } from '../chain/keccak.js'
import { TrieOverlay } from './trie-overlay.js'

export type TrieDB = DB<string, string | Uint8Array>

export interface AccountProof {
  address: Uint8Array
  accountProof: Uint8Array[]
  balance: bigint
  codeHash: Uint8Array
  nonce: bigint
  storageHash: Uint8Array
  storageProof: { key: Uint8Array; value: bigint; proof: Uint8Array[] }[]
}

/**
 * Read access to the state after one block. Reads never write: the state manager sits on its own
 * overlay. Calls run elsewhere (execution/call/) and read this state node by node (readNode).
 */
export class StateView {
  private readonly stateManager: MerkleStateManager

  constructor(
    readonly header: BlockHeader,
    readonly stateRoot: Uint8Array,
    private readonly nodes: TrieDB,
    common: Common,
  ) {
    // reads fill caches and may flush nodes: keep any such write off the shared node database
    const trie = new MerklePatriciaTrie({
      db: new TrieOverlay(nodes),
      root: stateRoot,
      useKeyHashing: true,
      useKeyHashingFunction: keccak256,
      valueEncoding: 'view',
    })
    this.stateManager = new MerkleStateManager({ common, trie, caches: new Caches() })
  }

  async getAccount(address: Uint8Array): Promise<Account | undefined> {
    return this.stateManager.getAccount(new Address(address))
  }

  async getCode(address: Uint8Array): Promise<Uint8Array> {
    return this.stateManager.getCode(new Address(address))
  }

  /** The 32-byte value of a storage slot (zero if unset). */
  async getStorage(address: Uint8Array, slot: Uint8Array): Promise<Uint8Array> {
    const value = await this.stateManager.getStorage(new Address(address), setLengthLeft(slot, 32))
    return setLengthLeft(value, 32)
  }

  /** EIP-1186 proof of an account and some of its slots against this state's root. */
  async getProof(address: Uint8Array, slots: Uint8Array[]): Promise<AccountProof> {
    const proof = await getMerkleStateProof(this.stateManager, new Address(address), slots.map((s) => setLengthLeft(s, 32)))
    const hex = (value: string) => Uint8Array.from(Buffer.from(value.slice(2), 'hex'))
    return {
      address,
      accountProof: proof.accountProof.map(hex),
      balance: BigInt(proof.balance),
      codeHash: hex(proof.codeHash),
      nonce: BigInt(proof.nonce),
      storageHash: hex(proof.storageHash),
      storageProof: proof.storageProof.map((entry, i) => ({
        key: slots[i],
        value: BigInt(entry.value),
        proof: entry.proof.map(hex),
      })),
    }
  }

  /**
   * A trie node or code blob of this state by its node-database key, for executions elsewhere
   * (the call workers) that read the state node by node.
   */
  async readNode(key: string): Promise<Uint8Array | undefined> {
    return (await this.nodes.get(key)) as Uint8Array | undefined
  }
}
