/** RLP and hex-prefix encoding of Merkle Patricia trie nodes, shared by the state trie and ordered tries. */

/** The nibbles of a byte string, high nibble first. */
export function keyNibbles(key: Uint8Array): Uint8Array {
  const nibbles = new Uint8Array(key.length * 2)
  for (let i = 0; i < key.length; i++) {
    nibbles[2 * i] = key[i] >> 4
    nibbles[2 * i + 1] = key[i] & 0x0f
  }
  return nibbles
}

/** Hex-prefix encoding (Yellow Paper, appendix C) of a nibble path. */
export function compactKey(nibbles: Uint8Array, leaf: boolean): Uint8Array {
  const odd = nibbles.length % 2
  const out = new Uint8Array(1 + (nibbles.length >> 1))
  const flag = (leaf ? 2 : 0) + odd
  out[0] = flag << 4
  let n = 0
  if (odd === 1) out[0] |= nibbles[n++]
  for (let i = 1; i < out.length; i++, n += 2) out[i] = (nibbles[n] << 4) | nibbles[n + 1]
  return out
}

/**
 * RLP of a list, in one allocation. Bit i of `strings` says whether items[i] is a byte string to
 * encode; otherwise it is RLP already (an embedded node).
 */
export function encodeList(items: Uint8Array[], strings: number): Uint8Array {
  let length = 0
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    length += (strings >> i) & 1 ? stringLength(item) : item.length
  }
  const out = new Uint8Array(headerLength(length) + length)
  let at = writeHeader(out, 0, 0xc0, length)
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    if ((strings >> i) & 1) {
      if (item.length === 1 && item[0] < 0x80) {
        out[at++] = item[0]
        continue
      }
      at = writeHeader(out, at, 0x80, item.length)
    }
    out.set(item, at)
    at += item.length
  }
  return out
}

function stringLength(bytes: Uint8Array): number {
  return bytes.length === 1 && bytes[0] < 0x80 ? 1 : headerLength(bytes.length) + bytes.length
}

function headerLength(length: number): number {
  return length <= 55 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 4
}

/** Writes an RLP string (offset 0x80) or list (0xc0) header at `at`; returns where the payload starts. */
function writeHeader(out: Uint8Array, at: number, offset: number, length: number): number {
  if (length <= 55) {
    out[at] = offset + length
    return at + 1
  }
  const lengthOfLength = headerLength(length) - 1
  out[at] = offset + 55 + lengthOfLength
  for (let i = lengthOfLength, l = length; i >= 1; i--, l >>>= 8) out[at + i] = l & 0xff
  return at + 1 + lengthOfLength
}
