import type { Block } from '@ethereumjs/block'
import { encodeList } from '../state/trie-encoding.js'

/** A block's parts as the bytes it arrived in, so that nothing needs encoding again. */
export interface RawBlockParts {
  /** The header's RLP. */
  header: Uint8Array
  /** The body's RLP as the store keeps it: the list of the block's items after the header. */
  body: Uint8Array
  /** Each transaction as it is hashed and put in the transactions trie (typed: the envelope). */
  transactions: Uint8Array[]
}

const rawBlocks = new WeakMap<Block, { raw: Uint8Array; parts?: RawBlockParts }>()

/**
 * Remembers the RLP a block was decoded from. Re-encoding a decoded block (for the store, the
 * transactions root and the transaction hashes) cost about a tenth of an import; with its RLP at
 * hand those are slices of it. The block must have been decoded from exactly these bytes.
 */
export function rememberRaw(block: Block, raw: Uint8Array): void {
  rawBlocks.set(block, { raw })
}

/** The parts of a block decoded from RLP (see rememberRaw), or undefined for one built otherwise. */
export function rawPartsOf(block: Block): RawBlockParts | undefined {
  const entry = rawBlocks.get(block)
  if (entry === undefined) return undefined
  entry.parts ??= splitBlock(entry.raw)
  return entry.parts
}

function splitBlock(raw: Uint8Array): RawBlockParts {
  const [header, transactions, ...rest] = listItems(raw)
  return {
    header,
    body: encodeList([transactions, ...rest], 0),
    transactions: listItems(transactions).map((tx) => (tx[0] >= 0xc0 ? tx : tx.subarray(headerLength(tx)))),
  }
}

/** The items of an RLP list, each as its own RLP (a view into `rlp`). */
export function listItems(rlp: Uint8Array): Uint8Array[] {
  if (rlp.length === 0 || rlp[0] < 0xc0) throw new Error('not an RLP list')
  const end = itemLength(rlp)
  if (end > rlp.length) throw new Error('RLP list longer than its input')
  const items: Uint8Array[] = []
  let at = headerLength(rlp)
  while (at < end) {
    const length = itemLength(rlp.subarray(at))
    if (at + length > end) throw new Error('RLP item runs past its list')
    items.push(rlp.subarray(at, at + length))
    at += length
  }
  return items
}

/**
 * Bytes of the RLP item starting at rlp[0], header and payload: as many as its header says, which
 * `rlp` may not hold (a truncated input). Its header must be whole.
 */
export function itemLength(rlp: Uint8Array): number {
  return headerLength(rlp) + payloadLength(rlp)
}

/** Bytes of the header of the RLP item starting at rlp[0] (a single byte below 0x80 has none). */
function headerLength(rlp: Uint8Array): number {
  const first = rlp[0]
  if (first < 0x80) return 0
  if (first <= 0xb7 || (first >= 0xc0 && first <= 0xf7)) return 1
  return 1 + (first >= 0xc0 ? first - 0xf7 : first - 0xb7)
}

function payloadLength(rlp: Uint8Array): number {
  const first = rlp[0]
  if (first < 0x80) return 1
  if (first <= 0xb7) return first - 0x80
  if (first >= 0xc0 && first <= 0xf7) return first - 0xc0
  let length = 0
  for (let i = 1; i < headerLength(rlp); i++) length = length * 256 + rlp[i]
  return length
}
