import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { GethGenesis } from '@ethereumjs/common'
import { startAnvil } from '../fixtures/anvil/anvil.js'
import { ANVIL_GENESIS_PATH } from '../fixtures/anvil/paths.js'
import { JsonRpcClient } from '../src/rpc-client/json-rpc-client.js'
import { readChainBlocks } from './import-chain.js'
import type { BlockProgress } from './import-progress.js'
import { RssSampler } from './rss.js'

export interface AnvilRun {
  blocks: number
  txs: number
  gas: bigint
  /** Time inside evm_mine, summed over the blocks. */
  mineSeconds: number
  /** Time spent handing anvil the transactions (eth_sendRawTransaction), not counted above. */
  sendSeconds: number
  /** Blocks mined by each moment of mining time (the sum of the evm_mine times so far, in ms). */
  mineProgress: BlockProgress[]
  peakRssMiB: number | null
  rssMiB: (number | null)[]
  head: string
}

interface RpcBlock {
  hash: string
  gasUsed: string
  transactions: string[]
}

/**
 * Anvil's mining rate on the chain's own transactions: anvil starts from a genesis giving the
 * chain's accounts the same balances (same chain id, forks, gas limit and base fee) with mining
 * on demand only, and for each block of the chain gets its signed transactions
 * (eth_sendRawTransaction, one batch) and then mines them (evm_mine, the only part timed). The
 * mined block must hold exactly the chain block's transactions in its order and use the same gas,
 * or the run fails: anvil then did other work than the chain's. Its state roots and hashes differ
 * (its genesis predeploys contracts and funds its dev accounts): only the work is the same.
 */
export async function runAnvil(options: { genesisPath: string; chainPath: string; work: string }): Promise<AnvilRun> {
  const genesis = anvilGenesis(JSON.parse(readFileSync(options.genesisPath, 'utf8')) as GethGenesis)
  const genesisPath = join(options.work, 'anvil-genesis.json')
  writeFileSync(genesisPath, JSON.stringify(genesis))
  const anvil = await startAnvil({ genesisPath })
  const sampler = new RssSampler(anvil.pid)
  try {
    const client = new JsonRpcClient({ url: anvil.rpcUrl, timeoutMs: 120_000 })
    const chainId = BigInt(await client.request<string>('eth_chainId'))
    if (chainId !== BigInt(genesis.config.chainId)) throw new Error(`anvil runs chain id ${chainId}, the chain ${genesis.config.chainId}`)

    const progress: BlockProgress[] = [{ time: Date.now(), blocks: 0 }]
    const mineProgress: BlockProgress[] = [{ time: 0, blocks: 0 }]
    const run = { blocks: 0, txs: 0, gas: 0n, mineSeconds: 0, sendSeconds: 0, head: '' }
    for await (const block of readChainBlocks(options.chainPath)) {
      const sendStarted = performance.now()
      const outcomes = await client.batch(block.rawTxs.map((raw) => ({ method: 'eth_sendRawTransaction', params: [raw] })))
      run.sendSeconds += (performance.now() - sendStarted) / 1000
      outcomes.forEach((outcome, i) => {
        if (!outcome.ok) throw new Error(`anvil refused tx ${block.txHashes[i]} (#${i} of block ${block.number}): ${outcome.error.message}`)
      })
      const mineStarted = performance.now()
      await client.request('evm_mine')
      run.mineSeconds += (performance.now() - mineStarted) / 1000
      progress.push({ time: Date.now(), blocks: run.blocks + 1 })
      mineProgress.push({ time: run.mineSeconds * 1000, blocks: run.blocks + 1 })
      const mined = await client.request<RpcBlock>('eth_getBlockByNumber', ['latest', false])
      checkMined(block, mined)
      run.blocks++
      run.txs += block.txHashes.length
      run.gas += block.gasUsed
      run.head = mined.hash
    }
    const peakRssMiB = sampler.peakMiB()
    sampler.stop()
    return { ...run, mineProgress, peakRssMiB, rssMiB: sampler.atQuarters(progress, run.blocks) }
  } finally {
    sampler.stop()
    await anvil.stop()
  }
}

/**
 * The chain's genesis plus what anvil's own genesis holds besides its dev accounts: the EIP-2935
 * history contract and the CREATE2 deployer, which anvil predeploys anyway (anvil-quirks.md).
 */
function anvilGenesis(genesis: GethGenesis): GethGenesis {
  const anvil = JSON.parse(readFileSync(ANVIL_GENESIS_PATH, 'utf8')) as GethGenesis
  const alloc = { ...genesis.alloc }
  for (const [address, account] of Object.entries(anvil.alloc)) {
    if (account.code !== undefined && alloc[address] === undefined) alloc[address] = account
  }
  return { ...genesis, alloc }
}

function checkMined(block: { number: bigint; gasUsed: bigint; txHashes: string[] }, mined: RpcBlock): void {
  const ours = block.txHashes.map((hash) => hash.toLowerCase())
  const theirs = mined.transactions.map((hash) => hash.toLowerCase())
  if (ours.join() !== theirs.join()) {
    const missing = ours.filter((hash) => !theirs.includes(hash))
    const extra = theirs.filter((hash) => !ours.includes(hash))
    throw new Error(
      `anvil mined block ${block.number} with ${theirs.length} txs, the chain's has ${ours.length}` +
        (missing.length > 0 ? `; not mined: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}` : '') +
        (extra.length > 0 ? `; not the chain's: ${extra.slice(0, 5).join(', ')}` : '') +
        (missing.length === 0 && extra.length === 0 ? '; same txs in another order' : ''),
    )
  }
  if (BigInt(mined.gasUsed) !== block.gasUsed) {
    throw new Error(`anvil's block ${block.number} used ${BigInt(mined.gasUsed)} gas, the chain's ${block.gasUsed}: anvil did other work`)
  }
}
