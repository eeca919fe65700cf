import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { afterAll, describe, expect, it } from 'vitest'
import { ANVIL_CHAIN_MANIFEST_PATH, ANVIL_CHAIN_PATH, ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import { loadChainConfig } from '../../src/chain/genesis.js'
import { readRLPBlocks } from '../../src/chain/rlp-file.js'
import { openDatadir } from '../../src/datadir.js'
import { ExecutionError } from '../../src/errors.js'
import { openLiveState } from '../../src/main.js'
import { defaultStateOptions } from '../../src/state/retention.js'
import { Importer } from '../../src/sync/importer.js'
import { withHeaderField } from '../helpers/chain.js'
import { silentLog, tempDir } from '../helpers/node.js'

interface Manifest {
  head: { number: number; hash: string }
  notes: Array<{ number: number; label: string }>
}

const manifest = JSON.parse(readFileSync(ANVIL_CHAIN_MANIFEST_PATH, 'utf8')) as Manifest

async function readBlocks(): Promise<Uint8Array[]> {
  const blocks: Uint8Array[] = []
  for await (const { raw } of readRLPBlocks(ANVIL_CHAIN_PATH)) blocks.push(raw)
  return blocks
}

/** The first block of the committed anvil chain whose label names `what`. */
function blockLabelled(what: string): number {
  const note = manifest.notes.find((n) => n.label.includes(what))
  if (note === undefined) throw new Error(`no block of fixtures/anvil/chain.json is labelled ${what}`)
  return note.number
}

/**
 * --compat anvil on the committed anvil chain, in process: every block verifies, and a block that
 * fails verification after the compat mode added its ghosts, zero leaves and refunds leaves no
 * trace of them: the same executor then verifies the real block.
 */
describe('anvil compat mode on fixtures/anvil/anvil-chain.rlp', () => {
  const dir = tempDir('hindsight-anvil-compat-')
  afterAll(() => dir.remove())

  async function open(name: string) {
    const chain = await loadChainConfig(ANVIL_GENESIS_PATH)
    const datadir = await openDatadir({ path: join(dir.path, name), genesis: chain.genesis, compat: 'anvil' }, { log: silentLog })
    const { executor, liveState } = await openLiveState(datadir, defaultStateOptions, { log: silentLog })
    const importer = await Importer.create({ datadir, executor, liveState })
    return { datadir, importer }
  }

  it('verifies the whole chain', async () => {
    const { datadir, importer } = await open('whole')
    try {
      const result = await importer.importFiles([ANVIL_CHAIN_PATH])
      expect(Number(result.head.number)).toBe(manifest.head.number)
      expect(bytesToHex(result.head.hash())).toBe(manifest.head.hash)
    } finally {
      await datadir.close()
    }
  })

  it.each([
    ['a ghost account', 'zero-value transfer to a fresh address', 'stateRoot'],
    ['the 7702 refund of an authority that does not exist', 'EIP-7702', 'stateRoot'],
    ['zero leaves of a delegated account', 'nested frames', 'stateRoot'],
  ] as const)('rolls back a failed block with %s and then verifies the real one', async (_what, label, field) => {
    const number = blockLabelled(label)
    const blocks = await readBlocks()
    const { datadir, importer } = await open(`rollback-${number}`)
    try {
      for (const raw of blocks.slice(0, number - 1)) await importer.importBlock(datadir.codec.decodeBlock(raw))
      const real = blocks[number - 1]
      const tampered = withHeaderField(real, field, hexToBytes(`0x${'11'.repeat(32)}`))

      await expect(importer.importBlock(datadir.codec.decodeBlock(tampered))).rejects.toSatisfy(
        (err) => err instanceof ExecutionError && err.type.code === 'FIELD_MISMATCH' && err.type.field === field,
      )
      for (const raw of blocks.slice(number - 1)) await importer.importBlock(datadir.codec.decodeBlock(raw))
      expect(bytesToHex((await datadir.head()).hash())).toBe(manifest.head.hash)
    } finally {
      await datadir.close()
    }
  })
})
