import { join } from 'node:path'
import { bytesToHex } from '@ethereumjs/util'
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil/anvil.js'
import { openChainScript } from '../../fixtures/anvil/generate-chain.js'
import { writeFile } from 'node:fs/promises'
import { openDatadir } from '../../src/datadir.js'
import { DEVNET_GENESIS_PATH } from '../../src/devnet/paths.js'
import { importChain, rpcCall, silentLog, tempDir } from '../helpers/node.js'

/**
 * The devnet's genesis must make anvil's chain one Hindsight can verify: anvil adds its dev
 * accounts and predeploys to whatever the file allocates, so the file must list exactly those for
 * our re-executed state to have anvil's state root. A plain transfer in block 1 is the first
 * header whose state root commits to the whole alloc (anvil's block 0 carries the empty root).
 */
describe('fixtures/devnet/genesis.json', () => {
  let anvil: AnvilInstance
  const dir = tempDir('hindsight-devnet-genesis-')

  beforeAll(async () => {
    anvil = await startAnvil({ genesisPath: DEVNET_GENESIS_PATH })
  })

  afterAll(async () => {
    await anvil?.stop()
    dir.remove()
  })

  it("re-executes anvil's block 1 (a plain transfer) to anvil's state root and block hash", async () => {
    // init() checks that anvil's block 0 is the one our genesis gives (anvil style)
    const { script, common } = await openChainScript(anvil.rpcUrl, { genesisPath: DEVNET_GENESIS_PATH })
    const [dev0, dev1] = script.dev
    await script.send(dev0, { to: dev1.address, value: parseEther('1') })
    await script.mine('a plain transfer')
    const chain = script.export(common)
    const chainPath = join(dir.path, 'chain.rlp')
    await writeFile(chainPath, chain.chainRlp)
    const anvilBlock = await rpcCall<{ hash: string; stateRoot: string; transactions: string[] }>(anvil.rpcUrl, 'eth_getBlockByNumber', ['0x1', false])
    expect(anvilBlock.transactions).toHaveLength(1)

    // the import re-executes block 1 and refuses it unless every root and the hash match
    const datadirPath = join(dir.path, 'datadir')
    await importChain({ datadir: datadirPath, genesisPath: DEVNET_GENESIS_PATH, files: [chainPath], compat: 'anvil' })

    const datadir = await openDatadir({ path: datadirPath }, { log: silentLog })
    try {
      const head = await datadir.head()
      expect(head.number).toBe(1n)
      expect(bytesToHex(head.hash())).toBe(anvilBlock.hash)
      expect(bytesToHex(head.stateRoot)).toBe(anvilBlock.stateRoot)
    } finally {
      await datadir.close()
    }
  })
})
