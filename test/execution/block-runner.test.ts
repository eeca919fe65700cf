import { join } from 'node:path'
import type { Block } from '@ethereumjs/block'
import { bigIntToUnpaddedBytes, bytesToHex } from '@ethereumjs/util'
import { encodeReceipt, runBlock } from '@ethereumjs/vm'
import { beforeAll, describe, expect, it } from 'vitest'
import { BlockCodec } from '../../src/chain/codec.js'
import { createGenesisBlock, loadChainConfig } from '../../src/chain/genesis.js'
import { readRLPBlocks } from '../../src/chain/rlp-file.js'
import { BlockExecutor } from '../../src/execution/block-executor.js'
import { canRunVerified, runVerifiedBlock } from '../../src/execution/block-runner.js'
import { TrieOverlay } from '../../src/state/trie-overlay.js'
import { headerField, withHeaderField } from '../helpers/chain.js'
import { CONFORMANCE_DIR, conformanceAvailable, conformanceMissingMessage } from '../helpers/conformance.js'

/** A node database in memory: the executors here keep their state in the overlay above it. */
const memory = () =>
  new TrieOverlay({
    get: async () => undefined,
    put: async () => {},
    del: async () => {},
    batch: async () => {},
    shallowCopy() {
      return this
    },
    open: async () => {},
  })

/**
 * Our block loop against ethereumjs's runBlock on the execution-apis chain (Homestead to BPO2:
 * withdrawals, blobs, EIP-7685 requests, 7702): two executors on the same states, one running
 * each proof-of-stake block with runVerifiedBlock and the other with runBlock, must produce the
 * same receipts, encodings, bloom and state; a block with a changed header field fails and
 * leaves the state as it was.
 */
describe('runVerifiedBlock', () => {
  if (!conformanceAvailable()) throw new Error(conformanceMissingMessage())
  const blocks: Block[] = []
  const raws: Uint8Array[] = []
  let codec: BlockCodec
  let ours: BlockExecutor
  let theirs: BlockExecutor

  beforeAll(async () => {
    const chain = await loadChainConfig(join(CONFORMANCE_DIR, 'genesis.json'))
    codec = new BlockCodec(chain)
    for await (const { raw } of readRLPBlocks(join(CONFORMANCE_DIR, 'chain.rlp'))) {
      raws.push(raw)
      blocks.push(codec.decodeBlock(raw))
    }
    const create = () => BlockExecutor.create({ compat: null }, { chain, trieNodes: memory(), getCanonicalHash: async (n) => blocks[Number(n) - 1]?.hash() ?? createGenesisBlock(chain, new Uint8Array(32)).hash() })
    ours = await create()
    theirs = await create()
    await ours.generateGenesis(chain)
    await theirs.generateGenesis(chain)
  })

  it('gives what runBlock gives, block by block, on every proof-of-stake block', async () => {
    let verified = 0
    // the last block is left for the next test
    for (const block of blocks.slice(0, -1)) {
      if (!canRunVerified(block)) {
        // pre-merge: both run it with runBlock, as the executor does
        for (const executor of [ours, theirs]) await runBlock(executor.vm, { block, skipHeaderValidation: true, setHardfork: true })
        continue
      }
      const run = await runVerifiedBlock(ours.vm, block, { validateBody: true })
      const reference = await runBlock(theirs.vm, { block, skipHeaderValidation: true, setHardfork: true })
      expect(run.receipts).toEqual(reference.receipts)
      expect(run.encodedReceipts.map(bytesToHex)).toEqual(reference.receipts.map((r, i) => bytesToHex(encodeReceipt(r, block.transactions[i].type))))
      expect(bytesToHex(run.stateRoot)).toBe(bytesToHex(reference.stateRoot))
      expect(bytesToHex(run.stateRoot)).toBe(bytesToHex(block.header.stateRoot))
      verified++
    }
    const proofOfStake = blocks.slice(0, -1).filter((block) => block.common.consensusType() === 'pos')
    expect(proofOfStake.length).toBeGreaterThan(10)
    expect(verified).toBe(proofOfStake.length)
  })

  it.each(['gasUsed', 'receiptsRoot', 'logsBloom', 'stateRoot'] as const)(
    'refuses the block with another %s and leaves the state where it was, then runs the real one',
    async (field) => {
      const raw = raws[raws.length - 1]
      const value = field === 'gasUsed' ? bigIntToUnpaddedBytes(blocks[blocks.length - 1].header.gasUsed + 1n) : headerField(raw, field).slice()
      if (field !== 'gasUsed') value[value.length - 1] ^= 1
      const before = await ours.getStateRoot()
      await expect(runVerifiedBlock(ours.vm, codec.decodeBlock(withHeaderField(raw, field, value)), { validateBody: true })).rejects.toThrow(
        /invalid/,
      )
      expect(bytesToHex(await ours.getStateRoot())).toBe(bytesToHex(before))
      if (field === 'stateRoot') {
        const run = await runVerifiedBlock(ours.vm, blocks[blocks.length - 1], { validateBody: true })
        expect(bytesToHex(run.stateRoot)).toBe(bytesToHex(blocks[blocks.length - 1].header.stateRoot))
      }
    },
  )
})
