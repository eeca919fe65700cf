/**
 * Every key prefix of the store, in one place. Keys are bytes: a one-byte prefix, then the
 * fields below in order. Numbers are 8-byte big-endian so that ranges scan in block order.
 *
 * | prefix | key                                 | value                                     |
 * |--------|-------------------------------------|-------------------------------------------|
 * | m      | utf8 name                           | meta values (head, finalized, settings)   |
 * | n      | number                              | canonical block hash                      |
 * | i      | block hash                          | block number                              |
 * | h      | block hash                          | header RLP                                |
 * | b      | block hash                          | body RLP [txs, uncles, (withdrawals)]     |
 * | s      | block hash                          | tx senders, 20 bytes each, in block order |
 * | r      | block hash                          | RLP list of consensus-encoded receipts    |
 * | d      | number ++ block hash                | the block's state changes (full, snap)    |
 * | x      | tx hash                             | block hash ++ 4-byte tx index             |
 * | a      | address ++ number                   | (empty) a log from address is in block    |
 * | t      | position ++ topic ++ number         | (empty) a log has topic at position       |
 * | T      | trie node key (hash, or code key)   | trie node / contract code                 |
 * | c      | number                              | persisted checkpoint: hash ++ state root  |
 * | A      | L2 block number                     | L1 anchor: block hash ++ state root ++    |
 * |        |                                     | L1 block number ++ L1 block hash          |
 */
export const Prefix = {
  meta: 0x6d, // m
  canonical: 0x6e, // n
  blockNumber: 0x69, // i
  header: 0x68, // h
  body: 0x62, // b
  senders: 0x73, // s
  receipts: 0x72, // r
  stateChanges: 0x64, // d
  txLookup: 0x78, // x
  logAddress: 0x61, // a
  logTopic: 0x74, // t
  trieNode: 0x54, // T
  checkpoint: 0x63, // c
  anchor: 0x41, // A
} as const

export function encodeNumber(value: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, value)
  return out
}

export function decodeNumber(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0)
}

export function key(prefix: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 1
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  out[0] = prefix
  let offset = 1
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
