import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil/anvil.js'
import { type GenerateOptions, type GeneratedChain, generateAnvilChain } from '../../fixtures/anvil/generate-chain.js'
import { ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import type { RunningNode } from '../../src/main.js'
import { importChain, startTestNode, tempDir } from './node.js'

export interface AnvilChain {
  /** Still running, on the chain's head: compare our answers with its own. */
  anvil: AnvilInstance
  chain: GeneratedChain
  genesisPath: string
  /** The chain in geth export format. */
  chainPath: string
  /** A temp dir for the test's datadirs; removed by stop(). */
  dir: string
  stop(): Promise<void>
}

/**
 * Starts a real anvil on fixtures/anvil/genesis.json, mines the scripted chain into it
 * (fixtures/anvil/generate-chain.ts) and writes the chain file into a fresh temp dir.
 */
export async function startAnvilWithChain(options: GenerateOptions = {}): Promise<AnvilChain> {
  const dir = tempDir('hindsight-anvil-')
  let anvil: AnvilInstance | undefined
  try {
    anvil = await startAnvil({ genesisPath: ANVIL_GENESIS_PATH })
    const chain = await generateAnvilChain(anvil.rpcUrl, options)
    const chainPath = join(dir.path, 'chain.rlp')
    await writeFile(chainPath, chain.chainRlp)
    const running = anvil
    return {
      anvil: running,
      chain,
      genesisPath: ANVIL_GENESIS_PATH,
      chainPath,
      dir: dir.path,
      async stop() {
        await running.stop()
        dir.remove()
      },
    }
  } catch (err) {
    await anvil?.stop()
    dir.remove()
    throw err
  }
}

/** Imports `live`'s chain (--compat anvil) into a datadir of its temp dir and serves it. */
export async function serveAnvilChain(live: AnvilChain): Promise<RunningNode> {
  const datadir = join(live.dir, 'datadir')
  await importChain({ datadir, genesisPath: live.genesisPath, files: [live.chainPath], compat: 'anvil' })
  return startTestNode(datadir)
}
