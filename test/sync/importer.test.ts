import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex } from '@ethereumjs/util'
import { concatBytes } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GeneratedChain, generateChain } from '../../fixtures/chain-generator.js'
import { type Datadir, openDatadir } from '../../src/datadir.js'
import { ChainError, DatadirError, ExecutionError } from '../../src/errors.js'
import { openLiveState } from '../../src/main.js'
import { defaultStateOptions } from '../../src/state/retention.js'
import type { BatchOp } from '../../src/storage/db.js'
import type { SyncEvent } from '../../src/sync/events.js'
import { Importer } from '../../src/sync/importer.js'
import { expectStoredChain, flipLastByte, headerField, withHeaderField } from '../helpers/chain.js'
import { silentLog, tempDir } from '../helpers/node.js'

describe('Importer', () => {
  const dir = tempDir()
  let chain: GeneratedChain
  let fileCount = 0

  beforeAll(async () => {
    chain = await generateChain({ blocks: 6, txsPerBlock: 3, seed: 'importer' })
  })

  afterAll(() => dir.remove())

  function file(...numbers: number[]): string {
    const path = join(dir.path, `part-${fileCount++}.rlp`)
    writeFileSync(path, concatBytes(numbers.map((n) => chain.blocks[n - 1].raw)))
    return path
  }

  /** Opens (creating) a datadir, runs `body` with a fresh importer over it, closes it. */
  async function withImporter(name: string, body: (importer: Importer, events: SyncEvent[], datadir: Datadir) => Promise<void>) {
    const datadir = await openDatadir({ path: join(dir.path, name), genesis: chain.genesis }, { log: silentLog })
    try {
      const events: SyncEvent[] = []
      const { executor, liveState } = await openLiveState(datadir, defaultStateOptions, { log: silentLog })
      try {
        await body(await Importer.create({ datadir, executor, liveState, onEvent: (e) => events.push(e) }), events, datadir)
      } finally {
        await liveState.flush()
      }
    } finally {
      await datadir.close()
    }
  }

  it('imports a chain split over files; a re-run skips every stored block', async () => {
    await withImporter('split', async (importer, events, datadir) => {
      const result = await importer.importFiles([file(1, 2, 3), file(4, 5, 6)])
      expect(result).toMatchObject({ imported: 6, skipped: 0 })
      expect(bytesToHex(result.head.hash())).toBe(chain.blocks[5].hash)
      expect(events.map((e) => e.type)).toEqual([...Array(6).fill('block'), 'done'])
      await expectStoredChain(datadir, chain, 6)
    })
    await withImporter('split', async (importer, events) => {
      expect(await importer.importFiles([file(1, 2, 3, 4, 5, 6)])).toMatchObject({ imported: 0, skipped: 6 })
      expect(events.filter((e) => e.type === 'skipped')).toHaveLength(6)
    })
  })

  it('refuses a block that does not extend the head, keeping the blocks before it', async () => {
    await withImporter('gap', async (importer, _events, datadir) => {
      const error = await importer.importFiles([file(1, 2, 4)]).catch((err: unknown) => err)
      expect(error).toBeInstanceOf(ChainError)
      expect((error as ChainError).type).toMatchObject({ code: 'UNKNOWN_PARENT', number: 4n })
      await expectStoredChain(datadir, chain, 2)
    })
  })

  it('imports every whole block of a file that ends inside a block, then reports where', async () => {
    const path = join(dir.path, 'truncated.rlp')
    writeFileSync(path, concatBytes([chain.blocks[0].raw, chain.blocks[1].raw, chain.blocks[2].raw.subarray(0, 40)]))
    await withImporter('truncated', async (importer, _events, datadir) => {
      const error = await importer.importFiles([path]).catch((err: unknown) => err)
      expect((error as ChainError).type).toMatchObject({ code: 'DECODE_FAILED' })
      await expectStoredChain(datadir, chain, 2)
    })
  })

  it('refuses a block that fails re-execution with the block before it on disk (its batch was in flight)', async () => {
    const path = join(dir.path, 'bad-root.rlp')
    const badRoot = withHeaderField(chain.blocks[2].raw, 'stateRoot', flipLastByte(headerField(chain.blocks[2].raw, 'stateRoot')))
    writeFileSync(path, concatBytes([chain.blocks[0].raw, chain.blocks[1].raw, badRoot]))
    await withImporter('bad-root', async (importer, events, datadir) => {
      const error = await importer.importFiles([path]).catch((err: unknown) => err)
      expect((error as ExecutionError).type).toMatchObject({ code: 'FIELD_MISMATCH', number: 3n, field: 'stateRoot' })
      expect(events.map((e) => e.type)).toEqual(['block', 'block'])
      await expectStoredChain(datadir, chain, 2)
    })
  })

  it('stops at a batch LevelDB fails to write: WRITE_FAILED names the block, nothing after it is written', async () => {
    await withImporter('write-failed', async (importer, events, datadir) => {
      // LevelDB refusing the second block's batch, as it does when its disk is full
      const { db } = datadir.store
      const batch = db.batch.bind(db)
      let batches = 0
      db.batch = ((ops: BatchOp[]) =>
        ++batches === 2 ? Promise.reject(new Error('IO error: No space left on device')) : batch(ops)) as unknown as typeof batch
      const error = await importer.importFiles([file(1, 2, 3, 4)]).catch((err: unknown) => err)
      db.batch = batch
      expect(error).toBeInstanceOf(DatadirError)
      expect((error as DatadirError).type).toEqual({ code: 'WRITE_FAILED', number: 2n, reason: 'IO error: No space left on device' })
      expect(batches, 'batches issued, the failed one last').toBe(2)
      expect(events.map((e) => e.type)).toEqual(['block'])
      await expectStoredChain(datadir, chain, 1)
    })
  })

  it('reports an undecodable block as DECODE_FAILED with its file and offset', async () => {
    // Block 2 with a header of one field too few: still an RLP list, not a block.
    const [header, ...body] = RLP.decode(chain.blocks[1].raw) as [Uint8Array[], ...Uint8Array[]]
    const broken = RLP.encode([header.slice(0, -1), ...body])
    const path = join(dir.path, 'broken.rlp')
    writeFileSync(path, concatBytes([chain.blocks[0].raw, broken]))
    await withImporter('broken', async (importer, _events, datadir) => {
      const error = await importer.importFiles([path]).catch((err: unknown) => err)
      expect((error as ChainError).type).toMatchObject({ code: 'DECODE_FAILED', offset: chain.blocks[0].raw.length })
      expect((error as ChainError).message).toContain(path)
      await expectStoredChain(datadir, chain, 1)
    })
  })
})
