import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RLP } from '@ethereumjs/rlp'
import { bytesToBigInt, bytesToHex } from '@ethereumjs/util'
import type { Hex } from 'viem'
import { type ChainMix, generateChain, writeChain } from '../fixtures/chain-generator.js'
import { REPO_ROOT } from '../fixtures/anvil/paths.js'
import { keccak256 } from '../src/chain/keccak.js'
import { readRLPBlocks } from '../src/chain/rlp-file.js'

export interface BenchChainOptions {
  blocks: number
  txsPerBlock: number
  seed: string
  mix: ChainMix
}

export interface BenchChainFiles {
  genesisPath: string
  chainPath: string
}

/** Written last into a chain directory, so a generation cut short is never reused. */
const MANIFEST = 'bench-chain.json'

/** Where a chain is kept between runs when no --keep DIR is given (data/ is not committed). */
export function defaultChainDir(options: BenchChainOptions): string {
  const name = `${options.blocks}x${options.txsPerBlock}-${options.mix}-${options.seed.replace(/[^\w.-]/g, '_')}`
  return join(REPO_ROOT, 'data', 'bench-chains', name)
}

/**
 * The chain in `dir` if it was generated with these options (its manifest says so), else a new
 * one generated into `dir`: a 2,000-block chain takes minutes to generate and is reused after.
 */
export async function prepareChain(options: BenchChainOptions, dir: string, log: (line: string) => void): Promise<BenchChainFiles> {
  const files = { genesisPath: join(dir, 'genesis.json'), chainPath: join(dir, 'chain.rlp') }
  const manifestPath = join(dir, MANIFEST)
  if (existsSync(manifestPath)) {
    const kept = JSON.parse(readFileSync(manifestPath, 'utf8')) as { options: BenchChainOptions }
    if (JSON.stringify(kept.options) === JSON.stringify(options)) {
      log(`reusing the chain in ${dir}`)
      return files
    }
    log(`${dir} holds a chain made with other options (${JSON.stringify(kept.options)}): generating it again`)
  }
  const { blocks, txsPerBlock, seed, mix } = options
  log(`generating ${blocks} blocks x ${txsPerBlock} txs (mix ${mix}, seed ${seed}) into ${dir}...`)
  const started = performance.now()
  const chain = await generateChain({
    blocks,
    txsPerBlock,
    seed,
    mix,
    onBlock: (block) => {
      if (process.stderr.isTTY) process.stderr.write(`\r  block ${block.number}/${blocks}`)
      else if (block.number % 250n === 0n) log(`  block ${block.number}/${blocks}, ${((performance.now() - started) / 1000).toFixed(0)} s`)
    },
  })
  if (process.stderr.isTTY) process.stderr.write('\n')
  await writeChain(chain, dir)
  const seconds = (performance.now() - started) / 1000
  const summary = { txs: chain.txs, gas: chain.gas.toString(), head: chain.blocks.at(-1)?.hash ?? chain.genesisHash, mix: chain.mix }
  writeFileSync(manifestPath, `${JSON.stringify({ options, ...summary, seconds: Math.round(seconds) }, null, 2)}\n`)
  log(`  generated in ${seconds.toFixed(0)} s (${((seconds * 1000) / Math.max(chain.txs, 1)).toFixed(2)} ms/tx)`)
  return files
}

/** A block of a chain file, as the anvil side replays it. */
export interface ChainBlock {
  number: bigint
  hash: Hex
  gasUsed: bigint
  /** Each transaction as eth_sendRawTransaction takes it, in block order. */
  rawTxs: Hex[]
  txHashes: Hex[]
}

/** Reads a geth export file block by block, from the RLP alone (no Common, no signature checks). */
export async function* readChainBlocks(path: string): AsyncGenerator<ChainBlock> {
  for await (const { raw } of readRLPBlocks(path)) {
    const [header, txs] = RLP.decode(raw) as unknown as [Uint8Array[], (Uint8Array | Uint8Array[])[]]
    // a legacy transaction is an RLP list in the body; a typed one is its bytes (type || payload)
    const encoded = txs.map((tx) => (tx instanceof Uint8Array ? tx : RLP.encode(tx)))
    yield {
      number: bytesToBigInt(header[8]),
      hash: bytesToHex(keccak256(RLP.encode(header))),
      gasUsed: bytesToBigInt(header[10]),
      rawTxs: encoded.map((tx) => bytesToHex(tx)),
      txHashes: encoded.map((tx) => bytesToHex(keccak256(tx))),
    }
  }
}

/** Block hashes (index i: block i + 1), transactions and gas of a chain file. */
export async function summarizeChain(path: string): Promise<{ hashes: Hex[]; txs: number[]; gas: bigint[] }> {
  const summary = { hashes: [] as Hex[], txs: [] as number[], gas: [] as bigint[] }
  for await (const block of readChainBlocks(path)) {
    summary.hashes.push(block.hash)
    summary.txs.push(block.txHashes.length)
    summary.gas.push(block.gasUsed)
  }
  return summary
}
