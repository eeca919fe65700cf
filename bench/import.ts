/**
 * Import throughput (issue 6): `hindsight import` beside anvil mining the same transactions and a
 * bare ethereumjs replay of the same blocks, in one run, with the issue's targets checked.
 *
 *   npm run bench:import -- [--blocks 2000] [--txs-per-block 60] [--mix erc20|varied] [--seed bench]
 *                           [--chain DIR | --keep DIR] [--sides hindsight,anvil,bare,bare-cached]
 *                           [--bare-blocks 300|all] [--runs N]
 *
 * The chain comes from fixtures/chain-generator.ts: by default 2,000 blocks of 60 txs in its
 * 'erc20' mix (70% ERC20 transfers, 15% ETH transfers, 15% storage writes; Prague, chain id
 * 1337). Generating it takes minutes, so it is kept in data/bench-chains/<options>/ (or --keep
 * DIR) and reused by every later run with the same options; --chain DIR takes DIR/genesis.json
 * and DIR/chain.rlp as they are (e.g. from fixtures/scripts/generate-chain.ts). Then each side,
 * one after the other:
 *
 *   hindsight  runImport (the CLI's import) in a child process of its own, into a fresh datadir
 *              with the default state options: verify (parent link, tx root, re-execution,
 *              receipts, bloom, gas, requests, state root), one LevelDB batch per block with its
 *              indexes, the state's trie nodes with every persisted checkpoint. Timed over the
 *              whole import (opening the datadir and the final checkpoint included).
 *   anvil      anvil 1.7.1 (fixtures/anvil/anvil.ts, mining on demand) from a genesis with the
 *              chain's accounts, balances, chain id, forks and gas limit: per block, the block's
 *              signed transactions go in by eth_sendRawTransaction, then evm_mine; timed is the
 *              time inside evm_mine only (anvil's mining rate, as issue 6 states it). Each mined
 *              block must hold the chain block's transactions, in order, and use the same gas.
 *   bare       createVM with the default in-memory MerkleStateManager in a child process; per
 *              block the parent link and runBlock without `generate` (tx trie and signatures,
 *              receipts root, bloom, gas used, requests hash, state root). Its memory grows with
 *              the chain (9.9 GB on issue 6's 2,001-block chain), so by default it replays the
 *              first 300 blocks only (--bare-blocks N|all; the output says so, and the ratio to it
 *              compares different spans). Timed over the block loop.
 *   bare-cached  the same over a MerkleStateManager with account/storage caches, as hindsight's
 *              executor has: the gap to hindsight is then what storing costs. Not run by default.
 *
 * Per side the table gives tx/s and Mgas/s over all its blocks, tx/s over each quarter of them
 * (whether it keeps its pace as the state grows; anvil does not), its peak RSS (VmHWM / the
 * child's maxRSS) and its RSS when it had done 25, 50, 75 and 100% of its blocks, sampled from
 * outside (/proc/PID/status every 250 ms): whether memory stays flat over the chain. The moments
 * come from the side's progress (hindsight's import reports every 5 s; the moments between are
 * interpolated, and a run too short for 8 reports gets no per-quarter rates). Then the ratios
 * and issue 6's targets for hindsight: >= 1,500 tx/s, peak RSS < 1 GiB, >= 0.35x anvil's tx/s,
 * each met or not. The hindsight and bare sides must end on the chain's block hash. With
 * --runs N the sides take turns N times and each reports its fastest run (machines are noisy;
 * the output gives the load average before and after).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createBlockFromRLP } from '@ethereumjs/block'
import { type GethGenesis, createCommonFromGethGenesis, parseGethGenesisState } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { bytesToBigInt, bytesToHex, equalsBytes } from '@ethereumjs/util'
import { createVM, runBlock } from '@ethereumjs/vm'
import type { ChainMix } from '../fixtures/chain-generator.js'
import { readRLPBlocks } from '../src/chain/rlp-file.js'
import { runImport } from '../src/cli/import.js'
import { openDatadir } from '../src/datadir.js'
import { createLogger } from '../src/log.js'
import { defaultStateOptions } from '../src/state/retention.js'
import { integerFlag } from './flags.js'
import { runAnvil } from './import-anvil.js'
import { type BenchChainFiles, defaultChainDir, prepareChain, summarizeChain } from './import-chain.js'
import { type BlockProgress, txRateByQuarter } from './import-progress.js'
import { RssSampler } from './rss.js'

/** What a side measured. Child processes print theirs (without the RSS curve) as one JSON line. */
interface SideResult {
  side: Side
  blocks: number
  txs: number
  gas: string
  seconds: number
  /** Peak resident set size of the side's process, in MiB. */
  peakRssMiB: number | null
  /** RSS in MiB when the side had done each quarter of its blocks. */
  rssMiB: (number | null)[]
  /** tx/s over each quarter of its blocks. */
  txRates: (number | null)[]
  head: string
  /** What the reader must know about how this side was measured. */
  note?: string
  /** hindsight only: ms per phase summed over the blocks (ImportResult.timings). */
  timings?: Record<string, number>
}

const SIDES = ['hindsight', 'anvil', 'bare', 'bare-cached'] as const
type Side = (typeof SIDES)[number]
const MIXES: ChainMix[] = ['erc20', 'varied']

/** Issue 6's targets. */
const TARGET_TXS_PER_SECOND = 1500
const TARGET_PEAK_RSS_MIB = 1024
const TARGET_ANVIL_RATIO = 0.35

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '2000' },
    'txs-per-block': { type: 'string', default: '60' },
    mix: { type: 'string', default: 'erc20' },
    seed: { type: 'string', default: 'bench' },
    chain: { type: 'string' },
    keep: { type: 'string' },
    sides: { type: 'string', default: 'hindsight,anvil,bare' },
    'bare-blocks': { type: 'string', default: '300' },
    runs: { type: 'string', default: '1' },
    // Internal: run one side (in the child process).
    side: { type: 'string' },
    genesis: { type: 'string' },
    file: { type: 'string' },
    datadir: { type: 'string' },
    'max-blocks': { type: 'string' },
  },
  strict: true,
})

const count = (flag: string, min: number) => integerFlag('bench:import', values, flag, min)
const log = (line: string) => process.stderr.write(`${line}\n`)

if (values.side !== undefined) {
  const result = await runSide(values.side as Side, values.genesis!, values.file!, values.datadir!, Number(values['max-blocks']))
  process.stdout.write(`${JSON.stringify(result)}\n`)
} else {
  await main()
}

async function main(): Promise<void> {
  const sides = values.sides.split(',') as Side[]
  for (const side of sides) {
    if (!SIDES.includes(side)) usage(`--sides: unknown side ${side} (${SIDES.join(', ')})`)
  }
  if (!MIXES.includes(values.mix as ChainMix)) usage(`--mix must be ${MIXES.join(' or ')}, got ${values.mix}`)
  if (values.chain !== undefined && values.keep !== undefined) usage('--chain and --keep exclude each other')
  const runs = count('runs', 1)
  const bareLimit = values['bare-blocks'] === 'all' ? Number.POSITIVE_INFINITY : count('bare-blocks', 1)
  const loadBefore = loadavg()

  const work = mkdtempSync(join(tmpdir(), 'hindsight-bench-'))
  try {
    const files = await chainFiles()
    const chain = await summarizeChain(files.chainPath)
    const totalGas = chain.gas.reduce((sum, gas) => sum + gas, 0n)
    const totalTxs = chain.txs.reduce((sum, txs) => sum + txs, 0)
    log(`chain: ${chain.hashes.length} blocks, ${totalTxs} txs, ${(Number(totalGas) / 1e6).toFixed(1)} Mgas`)
    const bareBlocks = Math.min(bareLimit, chain.hashes.length)

    const best = new Map<Side, SideResult>()
    for (let run = 1; run <= runs; run++) {
      for (const side of sides) {
        log(`run ${run}: ${side}...`)
        const datadir = join(work, `datadir-${side}-${run}`)
        const result =
          side === 'anvil'
            ? await anvilSide(files, work, chain.txs)
            : await runChild(side, files, datadir, side === 'hindsight' ? chain.hashes.length : bareBlocks, chain.txs)
        rmSync(datadir, { recursive: true, force: true })
        if (side.startsWith('bare') && result.blocks < chain.hashes.length) {
          result.note = `blocks 1-${result.blocks} of ${chain.hashes.length} only (--bare-blocks ${values['bare-blocks']}; 'all' replays the whole chain, in GBs of memory)`
        }
        if (side !== 'anvil' && result.head !== chain.hashes[result.blocks - 1]) {
          throw new Error(`${side} ended on ${result.head}, the chain's block ${result.blocks} is ${chain.hashes[result.blocks - 1]}`)
        }
        const previous = best.get(side)
        if (previous === undefined || result.seconds < previous.seconds) best.set(side, result)
      }
    }
    const results = sides.map((side) => best.get(side)!)
    const loadAfter = loadavg()
    process.stdout.write(
      `machine: ${availableParallelism()} cores, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ` +
        `${loadAfter.map((l) => l.toFixed(2)).join(' ')} after${runs > 1 ? `; fastest of ${runs} runs per side` : ''}\n\n`,
    )
    printTable(results)
    const hindsight = results.find((r) => r.side === 'hindsight')
    if (hindsight !== undefined) printBreakdown(hindsight)
    for (const result of results) if (result.note !== undefined) process.stdout.write(`${result.side}: ${result.note}\n`)
    printRatios(results)
    printTargets(best)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function usage(message: string): never {
  log(`bench:import: ${message}`)
  process.exit(2)
}

/** --chain DIR as it is, or the generated chain of these options (kept in --keep DIR or data/bench-chains/). */
async function chainFiles(): Promise<BenchChainFiles> {
  if (values.chain !== undefined) {
    const files = { genesisPath: join(values.chain, 'genesis.json'), chainPath: join(values.chain, 'chain.rlp') }
    if (!existsSync(files.chainPath) || !existsSync(files.genesisPath)) usage(`--chain ${values.chain}: no genesis.json and chain.rlp there`)
    log(`using the chain in ${values.chain}`)
    return files
  }
  const options = { blocks: count('blocks', 1), txsPerBlock: count('txs-per-block', 1), seed: values.seed, mix: values.mix as ChainMix }
  return prepareChain(options, values.keep ?? defaultChainDir(options), log)
}

async function anvilSide(files: BenchChainFiles, work: string, txs: number[]): Promise<SideResult> {
  const run = await runAnvil({ ...files, work })
  return {
    side: 'anvil',
    blocks: run.blocks,
    txs: run.txs,
    gas: run.gas.toString(),
    seconds: run.mineSeconds,
    peakRssMiB: run.peakRssMiB,
    rssMiB: run.rssMiB,
    txRates: txRateByQuarter(run.mineProgress, txs, run.blocks),
    head: run.head,
    note: `seconds = time inside evm_mine; handing it the txs (eth_sendRawTransaction) took ${run.sendSeconds.toFixed(1)} s more, not counted`,
  }
}

function printTable(results: SideResult[]): void {
  const whole = (value: number | null) => (value === null ? 'n/a' : value.toFixed(0))
  const rows = results.map((r) => [
    r.side,
    String(r.blocks),
    String(r.txs),
    r.seconds.toFixed(2),
    (r.txs / r.seconds).toFixed(0),
    (Number(r.gas) / 1e6 / r.seconds).toFixed(2),
    r.txRates.map(whole).join(' / '),
    whole(r.peakRssMiB),
    r.rssMiB.map(whole).join(' / '),
  ])
  const header = ['side', 'blocks', 'txs', 'seconds', 'tx/s', 'Mgas/s', 'tx/s by quarter', 'peak RSS MiB', 'RSS MiB at 25/50/75/100%']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n`)
}

function printRatios(results: SideResult[]): void {
  const ours = results.find((r) => r.side === 'hindsight')
  if (ours === undefined) return
  process.stdout.write('\n')
  const rate = (r: SideResult) => r.txs / r.seconds
  for (const other of results) {
    if (other === ours) continue
    const rss = ours.peakRssMiB !== null && other.peakRssMiB !== null ? `, peak RSS ${(ours.peakRssMiB / other.peakRssMiB).toFixed(2)}x` : ''
    const span = other.blocks === ours.blocks ? '' : ` (${other.side} ran blocks 1-${other.blocks} only, hindsight 1-${ours.blocks})`
    process.stdout.write(`hindsight / ${other.side}: tx/s ${(rate(ours) / rate(other)).toFixed(2)}x${rss}${span}\n`)
  }
}

function printTargets(best: Map<Side, SideResult>): void {
  const ours = best.get('hindsight')
  if (ours === undefined) return
  const anvil = best.get('anvil')
  const rate = ours.txs / ours.seconds
  const verdict = (met: boolean | null) => (met === null ? 'n/a' : met ? 'met' : 'NOT met')
  const rows: [string, string, string][] = [
    [`tx/s >= ${TARGET_TXS_PER_SECOND}`, rate.toFixed(0), verdict(rate >= TARGET_TXS_PER_SECOND)],
    [
      `peak RSS < ${TARGET_PEAK_RSS_MIB / 1024} GiB`,
      ours.peakRssMiB === null ? 'n/a' : `${ours.peakRssMiB.toFixed(0)} MiB`,
      verdict(ours.peakRssMiB === null ? null : ours.peakRssMiB < TARGET_PEAK_RSS_MIB),
    ],
    anvil === undefined
      ? [`tx/s >= ${TARGET_ANVIL_RATIO}x anvil's`, 'anvil not run', verdict(null)]
      : [
          `tx/s >= ${TARGET_ANVIL_RATIO}x anvil's`,
          `${(rate / (anvil.txs / anvil.seconds)).toFixed(2)}x`,
          verdict(rate / (anvil.txs / anvil.seconds) >= TARGET_ANVIL_RATIO),
        ],
  ]
  const [quarter, , , full] = ours.rssMiB
  const growth = quarter === null || full === null ? 'n/a' : `${full - quarter >= 0 ? '+' : ''}${(full - quarter).toFixed(0)} MiB`
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)))
  process.stdout.write(`\nissue 6 targets, hindsight on ${ours.blocks} blocks:\n`)
  for (const [what, value, met] of rows) process.stdout.write(`  ${what.padEnd(widths[0])}  ${value.padStart(widths[1])}  ${met}\n`)
  process.stdout.write(`  (RSS from 25% to 100% of the blocks: ${growth})\n`)
}

/**
 * Runs a side in a child process and samples its RSS from here. The child reports its progress
 * on stderr as JSON lines with a `time` (its Date.now()): {msg: 'bench start'} when the timed
 * part begins, then runImport's own progress log ('importing' every 5 s, 'import finished') or,
 * for the bare sides, one 'importing' line a block; other log lines below warn are dropped.
 */
function runChild(side: Side, files: BenchChainFiles, datadir: string, maxBlocks: number, txs: number[]): Promise<SideResult> {
  const script = fileURLToPath(import.meta.url)
  const args = [script, '--side', side, '--genesis', files.genesisPath, '--file', files.chainPath, '--datadir', datadir]
  const child = spawn(process.execPath, [...args, '--max-blocks', String(maxBlocks)], { stdio: ['ignore', 'pipe', 'pipe'] })
  const sampler = new RssSampler(child.pid!)
  const progress: BlockProgress[] = []
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  createInterface({ input: child.stderr }).on('line', (line) => {
    const entry = parseLogLine(line)
    if (entry?.msg === 'bench start') progress.push({ time: entry.time, blocks: 0 })
    else if ((entry?.msg === 'importing' || entry?.msg === 'import finished') && entry.number !== undefined) {
      progress.push({ time: entry.time, blocks: Number(entry.number) })
    } else if (entry === null || (entry.level ?? 50) >= 40) process.stderr.write(`${line}\n`)
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      sampler.stop()
      if (code !== 0) return reject(new Error(`${side} side exited with ${code}`))
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<SideResult, 'rssMiB' | 'txRates'>
      const txRates = txRateByQuarter(progress, txs, result.blocks)
      resolve({ ...result, rssMiB: sampler.atQuarters(progress, result.blocks), txRates })
    })
  })
}

function parseLogLine(line: string): { msg?: string; time: number; number?: string; level?: number } | null {
  if (!line.startsWith('{')) return null
  try {
    return JSON.parse(line) as { msg?: string; time: number; number?: string; level?: number }
  } catch {
    return null
  }
}

/** In the child: a progress line for the parent (see runChild). */
function reportProgress(msg: 'bench start' | 'importing', number?: bigint): void {
  process.stderr.write(`${JSON.stringify({ msg, time: Date.now(), number: number?.toString() })}\n`)
}

async function runSide(side: Side, genesisPath: string, file: string, datadirPath: string, maxBlocks: number) {
  const measured =
    side === 'hindsight'
      ? await runHindsight(genesisPath, file, datadirPath)
      : await runBare(genesisPath, file, side === 'bare-cached', maxBlocks)
  return { side, ...measured, peakRssMiB: process.resourceUsage().maxRSS / 1024 }
}

/** `hindsight import` as the CLI runs it (runImport), timed from start to its last write. */
async function runHindsight(genesisPath: string, file: string, datadirPath: string) {
  const { blocks, txs, gas } = await countChain(file)
  const { retention: _, ...state } = defaultStateOptions
  const started = performance.now()
  reportProgress('bench start')
  const result = await runImport({
    genesisPath,
    datadir: datadirPath,
    files: [file],
    finalized: null,
    compat: null,
    retention: undefined,
    state,
    // its progress log lines ('importing' every 5 s) say when it had done how many blocks
    logLevel: 'info',
  })
  const seconds = (performance.now() - started) / 1000
  const datadir = await openDatadir({ path: datadirPath }, { log: createLogger({ level: 'warn' }) })
  try {
    const head = await datadir.head()
    return { blocks, txs, gas: gas.toString(), seconds, head: bytesToHex(head.hash()), timings: result?.timings }
  } finally {
    await datadir.close()
  }
}

/** Where hindsight's block time went: per phase, ms per block and share of the phases' sum. */
function printBreakdown(result: SideResult): void {
  if (result.timings === undefined) return
  const total = Object.values(result.timings).reduce((a, b) => a + b, 0)
  process.stdout.write('\nhindsight per-block breakdown (phase: ms/block, share)\n')
  for (const [phase, ms] of Object.entries(result.timings)) {
    const share = total === 0 ? 0 : (100 * ms) / total
    process.stdout.write(`  ${phase.padEnd(8)} ${(ms / result.blocks).toFixed(2).padStart(8)}  ${share.toFixed(1).padStart(5)}%\n`)
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

async function runBare(genesisPath: string, file: string, cached: boolean, maxBlocks: number) {
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
  reportProgress('bench start')
  for await (const { raw } of readRLPBlocks(file)) {
    if (blocks === maxBlocks) break
    const block = createBlockFromRLP(raw, { common, setHardfork: true })
    if (parent !== null && (block.header.number !== parent.number + 1n || !equalsBytes(block.header.parentHash, parent.hash))) {
      throw new Error(`block ${block.header.number} does not extend block ${parent.number}`)
    }
    await runBlock(vm, { block, skipHeaderValidation: true })
    parent = { number: block.header.number, hash: block.hash() }
    blocks++
    txs += block.transactions.length
    gas += block.header.gasUsed
    reportProgress('importing', block.header.number)
  }
  const seconds = (performance.now() - started) / 1000
  return { blocks, txs, gas: gas.toString(), seconds, head: parent === null ? '' : bytesToHex(parent.hash) }
}
