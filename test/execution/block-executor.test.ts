import { join } from 'node:path'
import { genTransactionsTrieRoot } from '@ethereumjs/block'
import { bigIntToBytes, bytesToHex, hexToBytes } from '@ethereumjs/util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GeneratedChain, generateChain } from '../../fixtures/chain-generator.js'
import { type Datadir, openDatadir } from '../../src/datadir.js'
import { ExecutionError, type ExecutionErrorType, type VerifiedField } from '../../src/errors.js'
import { BlockExecutor } from '../../src/execution/block-executor.js'
import { Prefix, key } from '../../src/storage/keys.js'
import { flipLastByte, headerField, withHeaderField, withTamperedCalldata } from '../helpers/chain.js'
import { silentLog, tempDir } from '../helpers/node.js'

/**
 * The executor over a real LevelDB datadir: a block of a generated chain with one header field
 * changed must fail on that field and leave the state on the parent's root, with none of the
 * trie nodes it computed kept; the correct block then executes on that state.
 */
describe('BlockExecutor', () => {
  const dir = tempDir()
  let chain: GeneratedChain
  let datadir: Datadir
  let executor: BlockExecutor
  /** The state root of block 2 with another fee recipient: computed, refused, never kept. */
  let wrongStateRoot: Uint8Array | null = null

  const block = (number: number) => chain.blocks[number - 1]
  const decode = (number: number) => datadir.codec.decodeBlock(block(number).raw)
  const stateRoot = (number: number) => bytesToHex(headerField(block(number).raw, 'stateRoot'))
  const trieNode = (root: Uint8Array) => datadir.store.trieNodes.get(bytesToHex(root).slice(2))

  beforeAll(async () => {
    chain = await generateChain({ blocks: 4, txsPerBlock: 6, seed: 'block-executor' })
    datadir = await openDatadir({ path: join(dir.path, 'data'), genesis: chain.genesis }, { log: silentLog })
    executor = await BlockExecutor.create(
      { compat: null },
      { chain: datadir.chain, trieNodes: datadir.store.trieNodes, getCanonicalHash: (n) => datadir.store.canonical.get(n) },
    )
    await executor.setStateRoot(datadir.stateRootOf(await datadir.head()))
    await executor.execute(decode(1), await datadir.head())
  })

  afterAll(async () => {
    await datadir?.close()
    dir.remove()
  })

  /** Executes a changed block 2 on block 1's state and returns the error it must throw. */
  async function failure(raw: Uint8Array): Promise<ExecutionErrorType> {
    const pendingBytes = datadir.store.trieNodes.pendingBytes
    const error = await executor.execute(datadir.codec.decodeBlock(raw), decode(1).header).then(
      () => null,
      (err: unknown) => err,
    )
    expect(error).toBeInstanceOf(ExecutionError)
    expect(bytesToHex(await executor.getStateRoot())).toBe(stateRoot(1))
    expect(datadir.store.trieNodes.pendingBytes, 'trie nodes kept from the failed block').toBe(pendingBytes)
    return (error as ExecutionError).type
  }

  it('executes a generated block: receipts and senders as the chain has them', async () => {
    const executed = await executor.execute(decode(2), decode(1).header)
    expect(executed.encodedReceipts).toHaveLength(block(2).txHashes.length)
    expect(executed.senders.map((s) => bytesToHex(s))).toEqual(block(2).senders)
    expect(bytesToHex(await executor.getStateRoot())).toBe(stateRoot(2))
    // Back to block 1 for the failures below (block 2's nodes stay pending: the same ones again).
    await executor.setStateRoot(hexToBytes(stateRoot(1) as `0x${string}`))
  })

  const headerChanges: [VerifiedField, (raw: Uint8Array) => Uint8Array][] = [
    ['stateRoot', (raw) => withHeaderField(raw, 'stateRoot', flipLastByte(headerField(raw, 'stateRoot')))],
    ['receiptsRoot', (raw) => withHeaderField(raw, 'receiptsRoot', flipLastByte(headerField(raw, 'receiptsRoot')))],
    ['logsBloom', (raw) => withHeaderField(raw, 'logsBloom', flipLastByte(headerField(raw, 'logsBloom')))],
    ['gasUsed', (raw) => withHeaderField(raw, 'gasUsed', flipLastByte(headerField(raw, 'gasUsed')))],
    ['transactionsRoot', (raw) => withTamperedCalldata(raw).raw],
    ['parentHash', (raw) => withHeaderField(raw, 'parentHash', flipLastByte(headerField(raw, 'parentHash')))],
    ['number', (raw) => withHeaderField(raw, 'number', bigIntToBytes(3n))],
    ['baseFeePerGas', (raw) => withHeaderField(raw, 'baseFeePerGas', flipLastByte(headerField(raw, 'baseFeePerGas')))],
  ]
  for (const [field, change] of headerChanges) {
    it(`fails on ${field} when the header's ${field} is wrong, and changes nothing`, async () => {
      const changed = change(block(2).raw)
      const error = await failure(changed)
      // Errors carry the header's number: 3 when that is the field changed.
      expect(error).toMatchObject({ code: 'FIELD_MISMATCH', number: field === 'number' ? 3n : 2n, field })
      if (field === 'stateRoot') {
        expect(error).toMatchObject({ expected: bytesToHex(headerField(changed, 'stateRoot')), actual: stateRoot(2) })
      }
    })
  }

  it('keeps none of the trie nodes of a block whose state differs from its header', async () => {
    // Another fee recipient: same receipts, different state, so only the state root differs.
    const error = await failure(withHeaderField(block(2).raw, 'coinbase', flipLastByte(headerField(block(2).raw, 'coinbase'))))
    expect(error).toMatchObject({ code: 'FIELD_MISMATCH', field: 'stateRoot', expected: stateRoot(2) })
    wrongStateRoot = hexToBytes((error as { actual: `0x${string}` }).actual)
    expect(await trieNode(wrongStateRoot)).toBeUndefined()
  })

  it('reports a block that cannot execute as INVALID_BLOCK', async () => {
    // A changed transaction whose root the header agrees with: its signature now recovers an
    // account without funds, so execution itself fails.
    const tampered = withTamperedCalldata(block(2).raw).raw
    const raw = withHeaderField(tampered, 'transactionsRoot', await genTransactionsTrieRoot(datadir.codec.decodeBlock(tampered).transactions))
    expect(await failure(raw)).toMatchObject({ code: 'INVALID_BLOCK', number: 2n })
  })

  it('executes the correct blocks after the failures; their state reaches LevelDB without the failed ones', async () => {
    for (const number of [2, 3, 4]) {
      await executor.execute(decode(number), decode(number - 1).header)
      expect(bytesToHex(await executor.getStateRoot())).toBe(stateRoot(number))
    }
    const { store } = datadir
    await store.write(store.trieNodes.drainOps())
    store.trieNodes.markWritten()
    expect(await store.db.get(key(Prefix.trieNode, hexToBytes(stateRoot(4) as `0x${string}`)))).toBeDefined()
    expect(wrongStateRoot).not.toBeNull()
    expect(await store.db.get(key(Prefix.trieNode, wrongStateRoot!))).toBeUndefined()
  })
})
