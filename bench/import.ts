/**
 * Import throughput: `hindsight import` against a bare ethereumjs replay of the same blocks.
 *
 *   npm run bench:import -- [--blocks 300] [--txs-per-block 50] [--seed S] [--chain DIR] [--keep DIR]
 *                           [--sides hindsight,bare,bare-cached] [--runs N]
 *
 * Generates a chain (fixtures/chain-generator.ts; or reuses DIR/genesis.json + DIR/chain.rlp,
 * e.g. from fixtures/scripts/generate-chain.ts), then runs each side in a child process of its
 * own, one after the other, so each reports its own peak RSS:
 *
 *   hindsight  runImport (the CLI's import, in-process) into a fresh datadir with the default
 *              state options: verify (parent link, tx root, re-execution, receipts, bloom, gas,
 *              requests, state root), one LevelDB batch per block with its indexes, the state's
 *              trie nodes with every persisted checkpoint.
 *   bare       createVM with the default in-memory MerkleStateManager; for each block check the
 *              parent link and runBlock without `generate`, which verifies the tx trie and
 *              signatures, receipts root, bloom, gas used, requests hash and state root.
 *   bare-cached  the same over a MerkleStateManager with account/storage caches, as hindsight's
 *              executor has: the gap to hindsight is then what storing costs.
 *
 * All sides read the file with the same reader; the bare ones are timed over the block loop,
 * hindsight over the whole import (opening the datadir and the final checkpoint included). With
 * --runs N the sides take turns N times and each reports its fastest run (machines are noisy).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createBlockFromRLP } from '@ethereumjs/block'
import { type GethGenesis, createCommonFromGethGenesis, parseGethGenesisState } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { bytesToBigInt, bytesToHex, equalsBytes } from '@ethereumjs/util'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { createVM, runBlock } from '@ethereumjs/vm'
import { generateChain, writeChain } from '../fixtures/chain-generator.js'
import { readRLPBlocks } from '../src/chain/rlp-file.js'
import { runImport } from '../src/cli/import.js'
import { openDatadir } from '../src/datadir.js'
import { createLogger } from '../src/log.js'
import { defaultStateOptions } from '../src/state/retention.js'

/** What one side reports on stdout, as one JSON line. */
interface SideResult {
  side: Side
  blocks: number
  txs: number
  gas: string
  seconds: number
  /** Peak resident set size of the side's process, in MiB. */
  peakRssMiB: number
  head: string
}

const SIDES = ['hindsight', 'bare', 'bare-cached'] as const
type Side = (typeof SIDES)[number]

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '300' },
    'txs-per-block': { type: 'string', default: '50' },
    seed: { type: 'string', default: 'bench' },
    chain: { type: 'string' },
    keep: { type: 'string' },
    sides: { type: 'string', default: 'hindsight,bare' },
    runs: { type: 'string', default: '1' },
    // Internal: run one side (in the child process).
    side: { type: 'string' },
    genesis: { type: 'string' },
    file: { type: 'string' },
    datadir: { type: 'string' },
  },
  strict: true,
})

if (values.side !== undefined) {
  const result = await runSide(values.side as Side, values.genesis!, values.file!, values.datadir!)
  process.stdout.write(`${JSON.stringify(result)}\n`)
} else {
  await main()
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'hindsight-bench-'))
  try {
    const chainDir = values.chain ?? values.keep ?? join(work, 'chain')
    if (values.chain === undefined) {
      const blocks = Number(values.blocks)
      const txsPerBlock = Number(values['txs-per-block'])
      process.stderr.write(`generating ${blocks} blocks x ${txsPerBlock} txs (seed ${values.seed})...\n`)
      const started = performance.now()
      const chain = await generateChain({
        blocks,
        txsPerBlock,
        seed: values.seed,
        onBlock: (block) => {
          if (process.stderr.isTTY) process.stderr.write(`\r  block ${block.number}/${blocks}`)
        },
      })
      if (process.stderr.isTTY) process.stderr.write('\n')
      await writeChain(chain, chainDir)
      const seconds = (performance.now() - started) / 1000
      process.stderr.write(`  generated in ${seconds.toFixed(1)} s: ${chain.txs} txs, ${(Number(chain.gas) / 1e6).toFixed(1)} Mgas\n`)
    } else if (!existsSync(join(chainDir, 'chain.rlp'))) {
      throw new Error(`--chain ${chainDir}: no chain.rlp there`)
    }
    const genesis = join(chainDir, 'genesis.json')
    const file = join(chainDir, 'chain.rlp')

    const sides = values.sides.split(',') as Side[]
    for (const side of sides) {
      if (!SIDES.includes(side)) throw new Error(`--sides: unknown side ${side} (${SIDES.join(', ')})`)
    }
    const best = new Map<Side, SideResult>()
    for (let run = 1; run <= Number(values.runs); run++) {
      for (const side of sides) {
        process.stderr.write(`run ${run}: ${side}...\n`)
        const result = await runChild(side, genesis, file, join(work, `datadir-${side}-${run}`))
        rmSync(join(work, `datadir-${side}-${run}`), { recursive: true, force: true })
        const previous = best.get(side)
        if (previous === undefined || result.seconds < previous.seconds) best.set(side, result)
      }
    }
    const results = sides.map((side) => best.get(side)!)
    const heads = new Set(results.map((r) => r.head))
    if (heads.size !== 1) throw new Error(`the sides disagree on the head: ${[...heads].join(' vs ')}`)
    printTable(results)
    process.stdout.write('\n')
    const ours = best.get('hindsight')
    for (const other of results) {
      if (ours === undefined || other === ours) continue
      const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`
      const time = ratio(ours.seconds, other.seconds)
      const throughput = ratio(other.seconds, ours.seconds)
      const rss = ratio(ours.peakRssMiB, other.peakRssMiB)
      process.stdout.write(`hindsight / ${other.side}: time ${time}, throughput ${throughput}, peak RSS ${rss}\n`)
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function printTable(results: SideResult[]): void {
  const rows = results.map((r) => [
    r.side,
    String(r.blocks),
    String(r.txs),
    r.seconds.toFixed(2),
    (r.blocks / r.seconds).toFixed(1),
    (r.txs / r.seconds).toFixed(0),
    (Number(r.gas) / 1e6 / r.seconds).toFixed(2),
    r.peakRssMiB.toFixed(0),
  ])
  const header = ['side', 'blocks', 'txs', 'seconds', 'blocks/s', 'tx/s', 'Mgas/s', 'peak RSS MiB']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n`)
}

function runChild(side: Side, genesis: string, file: string, datadir: string): Promise<SideResult> {
  const script = fileURLToPath(import.meta.url)
  const args = [script, '--side', side, '--genesis', genesis, '--file', file, '--datadir', datadir]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`${side} side exited with ${code}`))
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as SideResult)
    })
  })
}

async function runSide(side: Side, genesisPath: string, file: string, datadirPath: string): Promise<SideResult> {
  const measured =
    side === 'hindsight' ? await runHindsight(genesisPath, file, datadirPath) : await runBare(genesisPath, file, side === 'bare-cached')
  return { side, ...measured, peakRssMiB: process.resourceUsage().maxRSS / 1024 }
}

/** `hindsight import` as the CLI runs it (runImport), timed from start to its last write. */
async function runHindsight(genesisPath: string, file: string, datadirPath: string) {
  const { blocks, txs, gas } = await countChain(file)
  const { retention: _, ...state } = defaultStateOptions
  const started = performance.now()
  await runImport({
    genesisPath,
    datadir: datadirPath,
    files: [file],
    finalized: null,
    compat: null,
    retention: undefined,
    state,
    logLevel: 'warn',
  })
  const seconds = (performance.now() - started) / 1000
  const datadir = await openDatadir({ path: datadirPath }, { log: createLogger({ level: 'warn' }) })
  try {
    const head = await datadir.head()
    return { blocks, txs, gas: gas.toString(), seconds, head: bytesToHex(head.hash()) }
  } finally {
    await datadir.close()
  }
}

/** Blocks, transactions and gas of a chain file, from the RLP alone. */
async function countChain(file: string) {
  let blocks = 0
  let txs = 0
  let gas = 0n
  for await (const { raw } of readRLPBlocks(file)) {
    const [header, transactions] = RLP.decode(raw) as [Uint8Array[], unknown[]]
    blocks++
    txs += transactions.length
    gas += bytesToBigInt(header[10])
  }
  return { blocks, txs, gas }
}

async function runBare(genesisPath: string, file: string, cached: boolean) {
  const genesis = JSON.parse(readFileSync(genesisPath, 'utf8')) as GethGenesis
  const common = createCommonFromGethGenesis(genesis, { chain: 'bench' })
  const stateManager = cached ? new MerkleStateManager({ common, caches: new Caches() }) : undefined
  const vm = await createVM({ common, stateManager, setHardfork: true })
  await vm.stateManager.generateCanonicalGenesis!(parseGethGenesisState(genesis))
  let parent: { number: bigint; hash: Uint8Array } | null = null
  let blocks = 0
  let txs = 0
  let gas = 0n
  const started = performance.now()
  for await (const { raw } of readRLPBlocks(file)) {
    const block = createBlockFromRLP(raw, { common, setHardfork: true })
    if (parent !== null && (block.header.number !== parent.number + 1n || !equalsBytes(block.header.parentHash, parent.hash))) {
      throw new Error(`block ${block.header.number} does not extend block ${parent.number}`)
    }
    await runBlock(vm, { block, skipHeaderValidation: true })
    parent = { number: block.header.number, hash: block.hash() }
    blocks++
    txs += block.transactions.length
    gas += block.header.gasUsed
  }
  const seconds = (performance.now() - started) / 1000
  return { blocks, txs, gas: gas.toString(), seconds, head: parent === null ? '' : bytesToHex(parent.hash) }
}
