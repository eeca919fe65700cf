import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bytesToHex } from '@ethereumjs/util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Datadir, openDatadir } from '../../src/datadir.js'
import { Prefix, key } from '../../src/storage/keys.js'
import {
  type ChainFiles,
  blockHash,
  chainWithBlock,
  expectBlockAbsent,
  expectStoredChain,
  flipLastByte,
  generateChainFiles,
  headerField,
  importArgs,
  runCli,
  withHeaderField,
  withTamperedCalldata,
} from '../helpers/chain.js'
import { silentLog, tempDir } from '../helpers/node.js'

/**
 * `hindsight import` of a generated chain with one block changed: the CLI must fail naming the
 * block and the field, and the datadir must stay on the block before, holding nothing of it.
 */
describe('hindsight import of a tampered chain', () => {
  const BLOCKS = 10
  const K = 6
  let files: ChainFiles
  const dir = tempDir()

  beforeAll(async () => {
    files = await generateChainFiles({ blocks: BLOCKS, txsPerBlock: 6, seed: 'tampered-import' })
  })

  afterAll(() => {
    files?.remove()
    dir.remove()
  })

  async function importTampered(name: string, raw: Uint8Array) {
    const chainPath = join(dir.path, `${name}.rlp`)
    writeFileSync(chainPath, chainWithBlock(files.chain, K, raw))
    const datadir = join(dir.path, name)
    return { datadir, result: await runCli(importArgs(files, datadir, [chainPath])) }
  }

  async function inspect(datadirPath: string, check: (datadir: Datadir) => Promise<void>) {
    const datadir = await openDatadir({ path: datadirPath }, { log: silentLog })
    try {
      await check(datadir)
    } finally {
      await datadir.close()
    }
  }

  it('refuses a block with a changed transaction on its transactionsRoot and stores nothing of it', async () => {
    const original = files.chain.blocks[K - 1]
    const tampered = withTamperedCalldata(original.raw)
    const { datadir, result } = await importTampered('calldata', tampered.raw)

    expect(result.code, result.stderr).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(`hindsight: error [FIELD_MISMATCH]: block ${K}: transactionsRoot mismatch`)

    await inspect(datadir, async (opened) => {
      await expectStoredChain(opened, files.chain, K - 1)
      // The header is untouched, so the tampered block has the original's hash.
      await expectBlockAbsent(opened, BigInt(K), [original.hash], [...original.txHashes, tampered.tamperedTxHash])
    })

    // The untampered chain then resumes on block K - 1: blocks before are skipped, not re-executed.
    const rerun = await runCli(importArgs(files, datadir, [files.chainPath]))
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.stdout).toBe(`head ${BLOCKS} ${files.chain.blocks[BLOCKS - 1].hash}\n`)
    expect(doneLine(rerun.stderr)).toMatchObject({ imported: BLOCKS - K + 1, skipped: K - 1 })
    await inspect(datadir, (opened) => expectStoredChain(opened, files.chain, BLOCKS))
  })

  it('refuses a header with a wrong state root, naming the header value and the re-executed one', async () => {
    const original = files.chain.blocks[K - 1]
    const realRoot = headerField(original.raw, 'stateRoot')
    const wrongRoot = flipLastByte(realRoot)
    const { datadir, result } = await importTampered('state-root', withHeaderField(original.raw, 'stateRoot', wrongRoot))

    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `hindsight: error [FIELD_MISMATCH]: block ${K}: stateRoot mismatch: header has ${bytesToHex(wrongRoot)}, re-execution gives ${bytesToHex(realRoot)}`,
    )

    await inspect(datadir, async (opened) => {
      await expectStoredChain(opened, files.chain, K - 1)
      const tamperedHash = blockHash(withHeaderField(original.raw, 'stateRoot', wrongRoot))
      await expectBlockAbsent(opened, BigInt(K), [original.hash, tamperedHash], original.txHashes)
      // Block K's state was computed before the root check failed; none of it may reach the store.
      expect(await opened.store.db.get(key(Prefix.trieNode, realRoot))).toBeUndefined()
    })
  })
})

/** The fields of the CLI's 'import done' log line. */
function doneLine(stderr: string): Record<string, unknown> {
  const line = stderr.split('\n').find((l) => l.includes('"import done"'))
  if (line === undefined) throw new Error(`no 'import done' line in:\n${stderr}`)
  return JSON.parse(line)
}
