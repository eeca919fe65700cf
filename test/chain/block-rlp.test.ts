import { readFileSync } from 'node:fs'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { ANVIL_CHAIN_PATH, ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import { listItems, rawPartsOf } from '../../src/chain/block-rlp.js'
import { BlockCodec } from '../../src/chain/codec.js'
import { createChainConfig } from '../../src/chain/genesis.js'
import { readRLPBlocks } from '../../src/chain/rlp-file.js'
import { CONFORMANCE_DIR } from '../helpers/conformance.js'

/**
 * The raw parts of a decoded block are what re-encoding it gives: header, body, and each
 * transaction as hashed (legacy lists, typed envelopes), on the conformance chain (legacy and
 * typed transactions, uncles, withdrawals) and the anvil fixture chain.
 */
describe('rawPartsOf', () => {
  const chains = [
    { name: 'conformance', genesis: `${CONFORMANCE_DIR}/genesis.json`, file: `${CONFORMANCE_DIR}/chain.rlp` },
    { name: 'anvil fixture', genesis: ANVIL_GENESIS_PATH, file: ANVIL_CHAIN_PATH },
  ]
  for (const chain of chains) {
    it(`equals the re-encoded header, body and transactions on the ${chain.name} chain`, async () => {
      const codec = new BlockCodec(createChainConfig(JSON.parse(readFileSync(chain.genesis, 'utf8'))))
      let withParts = 0
      let transactions = 0
      for await (const { raw } of readRLPBlocks(chain.file)) {
        const block = codec.decodeBlock(raw)
        const parts = rawPartsOf(block)
        // blocks with uncles decode on ethereumjs's own path, which keeps no raw parts
        if (parts === undefined) continue
        withParts++
        expect(bytesToHex(parts.header)).toBe(bytesToHex(block.header.serialize()))
        expect(bytesToHex(parts.body)).toBe(bytesToHex(RLP.encode(block.raw().slice(1) as never)))
        expect(parts.transactions.map(bytesToHex)).toEqual(block.transactions.map((tx) => bytesToHex(tx.serialize())))
        transactions += parts.transactions.length
      }
      expect(withParts).toBeGreaterThan(10)
      expect(transactions).toBeGreaterThan(10)
    })
  }

  it('splits an RLP list into its items and refuses one that runs past its end', () => {
    const list = RLP.encode([Uint8Array.of(1), new Uint8Array(60).fill(7), [Uint8Array.of(0x80)], new Uint8Array(0)])
    expect(listItems(list).map(bytesToHex)).toEqual([
      '0x01',
      bytesToHex(RLP.encode(new Uint8Array(60).fill(7))),
      bytesToHex(RLP.encode([Uint8Array.of(0x80)])),
      '0x80',
    ])
    expect(() => listItems(list.subarray(0, list.length - 1))).toThrow('RLP list longer than its input')
    expect(() => listItems(Uint8Array.of(0x85, 1, 2, 3, 4, 5))).toThrow('not an RLP list')
  })
})
