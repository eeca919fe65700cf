import {
  type Block,
  type BlockHeader,
  createBlockFromBytesArray,
  createBlockFromRLP,
  createBlockHeaderFromBytesArray,
  createBlockHeaderFromRLP,
} from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { Address, bytesToBigInt } from '@ethereumjs/util'
import { encodeStateChanges } from '../state/state-changes.js'
import type { EncodedBlock } from '../storage/block-batch.js'
import type { ExecutedBlock } from '../execution/block-executor.js'
import { rememberRaw, rawPartsOf } from './block-rlp.js'
import { primeSenderAddress } from './ethereumjs-speedups.js'
import type { ChainConfig } from './genesis.js'
import { keccak256 } from './keccak.js'

type NestedBytes = Uint8Array | NestedBytes[]

/** Positions of the fields that decide a header's hardfork. */
const HEADER_NUMBER = 8
const HEADER_TIMESTAMP = 11

/**
 * Uncle headers may belong to an earlier fork than their block, and ethereumjs sets each one's fork
 * on the Common it is given: blocks with uncles (pre-merge chains only) take the copying path.
 */
function noUncles(blockValues: NestedBytes[]): boolean {
  const uncles = blockValues[2]
  return !Array.isArray(uncles) || uncles.length === 0
}

/**
 * Decodes and re-encodes blocks between the wire/RLP form and the store's form, always with a
 * Common set to the block's own hardfork: the chain's shared Common of that fork
 * (ChainConfig.forkCommon), so decoding costs no Common copies.
 */
export class BlockCodec {
  /** For what the shared fork Commons cannot decode: ethereumjs copies it and sets the fork there. */
  private readonly common: Common

  constructor(private readonly chain: ChainConfig) {
    this.common = chain.createCommon()
  }

  decodeBlock(raw: Uint8Array): Block {
    const values = RLP.decode(raw)
    const common = Array.isArray(values) && noUncles(values) ? this.forkCommonOf(values[0]) : null
    if (common === null) return createBlockFromRLP(raw, { common: this.common, setHardfork: true })
    // as createBlockFromRLP does, without decoding a second time: the fork's size limit (EIP-7934)
    if (common.isActivatedEIP(7934) && raw.length > common.param('maxRlpBlockSize')) {
      throw new Error(`Block size exceeds limit: ${raw.length} > ${common.param('maxRlpBlockSize')}`)
    }
    const block = createBlockFromBytesArray(values as never, { common, setHardfork: false })
    rememberRaw(block, raw)
    return block
  }

  decodeHeader(raw: Uint8Array): BlockHeader {
    const values = RLP.decode(raw)
    const common = this.forkCommonOf(values)
    if (common !== null) return createBlockHeaderFromBytesArray(values as Uint8Array[], { common, setHardfork: false })
    return createBlockHeaderFromRLP(raw, { common: this.common, setHardfork: true })
  }

  /**
   * Rebuilds a block from its stored header and body. With `senders` (recovered when the block
   * was imported), each transaction answers getSenderAddress() from them instead of recovering
   * the signature again (primeSenderAddress): re-executing stored blocks then costs no secp256k1
   * work.
   */
  decodeStoredBlock(header: Uint8Array, body: Uint8Array, senders?: Uint8Array): Block {
    const headerValues = RLP.decode(header) as Uint8Array[]
    const bodyValues = RLP.decode(body) as NestedBytes[]
    const values = [headerValues, ...bodyValues]
    const common = noUncles(values) ? this.forkCommonOf(headerValues) : null
    const block = createBlockFromBytesArray(
      values as never,
      common === null ? { common: this.common, setHardfork: true } : { common, setHardfork: false },
    )
    if (senders !== undefined) {
      block.transactions.forEach((tx, i) => primeSenderAddress(tx, new Address(senders.slice(20 * i, 20 * i + 20))))
    }
    return block
  }

  /**
   * The shared Common of the fork of the header with these RLP values, or null when they are not
   * a well-formed header's (ethereumjs then decodes as usual and says what is wrong).
   */
  private forkCommonOf(headerValues: NestedBytes): Common | null {
    if (!Array.isArray(headerValues)) return null
    const number = headerValues[HEADER_NUMBER]
    const timestamp = headerValues[HEADER_TIMESTAMP]
    if (!(number instanceof Uint8Array) || !(timestamp instanceof Uint8Array)) return null
    if (number.length > 8 || timestamp.length > 8) return null
    return this.chain.forkCommon(bytesToBigInt(number), bytesToBigInt(timestamp))
  }

  /** The block's RLP as geth's debug_getRawBlock returns it, from the stored parts. */
  rawBlock(header: Uint8Array, body: Uint8Array): Uint8Array {
    const bodyValues = RLP.decode(body) as NestedBytes[]
    return RLP.encode([RLP.decode(header) as Uint8Array[], ...bodyValues])
  }

  encodeForStore(executed: Omit<ExecutedBlock, 'timings'>): EncodedBlock {
    const { block } = executed
    const senders = new Uint8Array(20 * executed.senders.length)
    executed.senders.forEach((sender, i) => senders.set(sender, 20 * i))
    // a block decoded from RLP is stored as those bytes; one from JSON-RPC is encoded here
    const raw = rawPartsOf(block)
    return {
      number: block.header.number,
      hash: block.hash(),
      header: raw?.header ?? block.header.serialize(),
      body: raw?.body ?? RLP.encode(block.raw().slice(1) as NestedBytes[]),
      senders,
      receipts: RLP.encode(executed.encodedReceipts),
      stateChanges: executed.stateChanges === null ? null : encodeStateChanges(executed.stateChanges),
      txHashes: raw?.transactions.map(keccak256) ?? block.transactions.map((tx) => tx.hash()),
      logs: executed.receipts.flatMap((receipt) =>
        receipt.logs.map(([address, topics]) => ({ address, topics })),
      ),
    }
  }
}
