import {
  type Block,
  type BlockHeader,
  createBlockFromBytesArray,
  createBlockFromRLP,
  createBlockHeaderFromRLP,
} from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { Address } from '@ethereumjs/util'
import type { EncodedBlock } from '../storage/block-batch.js'
import type { ExecutedBlock } from '../execution/block-executor.js'
import type { ChainConfig } from './genesis.js'

type NestedBytes = Uint8Array | NestedBytes[]

/**
 * Decodes and re-encodes blocks between the wire/RLP form and the store's form, always with a
 * Common set to the block's own hardfork.
 */
export class BlockCodec {
  /** One Common for decoding: ethereumjs copies it into each block and sets the fork there. */
  private readonly common: Common

  constructor(chain: ChainConfig) {
    this.common = chain.createCommon()
  }

  decodeBlock(raw: Uint8Array): Block {
    return createBlockFromRLP(raw, { common: this.common, setHardfork: true })
  }

  decodeHeader(raw: Uint8Array): BlockHeader {
    return createBlockHeaderFromRLP(raw, { common: this.common, setHardfork: true })
  }

  /**
   * Rebuilds a block from its stored header and body. With `senders` (recovered when the block
   * was imported), each transaction answers getSenderAddress() from them instead of recovering
   * the signature again: re-executing stored blocks then costs no secp256k1 work.
   */
  decodeStoredBlock(header: Uint8Array, body: Uint8Array, senders?: Uint8Array): Block {
    const headerValues = RLP.decode(header) as Uint8Array[]
    const bodyValues = RLP.decode(body) as NestedBytes[]
    const withSenders = senders !== undefined
    const block = createBlockFromBytesArray([headerValues, ...bodyValues] as never, {
      common: this.common,
      setHardfork: true,
      // a frozen transaction cannot be given its sender
      freeze: !withSenders,
    })
    if (withSenders) {
      block.transactions.forEach((tx, i) => {
        const address = new Address(senders.slice(20 * i, 20 * i + 20))
        ;(tx as { getSenderAddress: () => Address }).getSenderAddress = () => address
      })
    }
    return block
  }

  /** The block's RLP as geth's debug_getRawBlock returns it, from the stored parts. */
  rawBlock(header: Uint8Array, body: Uint8Array): Uint8Array {
    const bodyValues = RLP.decode(body) as NestedBytes[]
    return RLP.encode([RLP.decode(header) as Uint8Array[], ...bodyValues])
  }

  encodeForStore(executed: ExecutedBlock): EncodedBlock {
    const { block } = executed
    const [, ...bodyValues] = block.raw()
    const senders = new Uint8Array(20 * executed.senders.length)
    executed.senders.forEach((sender, i) => senders.set(sender, 20 * i))
    return {
      number: block.header.number,
      hash: block.hash(),
      header: block.header.serialize(),
      body: RLP.encode(bodyValues as NestedBytes[]),
      senders,
      receipts: RLP.encode(executed.encodedReceipts),
      txHashes: block.transactions.map((tx) => tx.hash()),
      logs: executed.receipts.flatMap((receipt) =>
        receipt.logs.map(([address, topics]) => ({ address, topics })),
      ),
    }
  }
}
