import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { orderedTrieRoot } from '../../src/state/ordered-trie.js'

/** orderedTrieRoot against @ethereumjs/mpt building the same rlp(i) -> value trie one put at a time. */
describe('orderedTrieRoot', () => {
  let state = 12345
  const byte = () => {
    state = (state * 1103515245 + 12345) >>> 0
    return state >>> 24
  }
  const bytes = (length: number) => Uint8Array.from({ length }, byte)

  async function reference(values: Uint8Array[]): Promise<string> {
    const trie = new MerklePatriciaTrie()
    for (const [i, value] of values.entries()) await trie.put(RLP.encode(i), value)
    return bytesToHex(trie.root())
  }

  // sizes around the key-length boundaries: rlp(127) is one byte, rlp(128) two, rlp(256) three
  for (const count of [0, 1, 2, 3, 15, 16, 17, 127, 128, 129, 200, 256, 257, 300]) {
    it(`matches @ethereumjs/mpt for ${count} values of mixed sizes (embedded and hashed nodes)`, async () => {
      // short values keep some nodes under 32 bytes, so they are embedded in their parents
      const values = Array.from({ length: count }, (_, i) => bytes(i % 3 === 0 ? 1 + (byte() % 4) : 1 + (byte() % 200)))
      expect(bytesToHex(orderedTrieRoot(values))).toBe(await reference(values))
    })
  }
})
