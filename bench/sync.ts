/**
 * Live sync (issue 4): catch-up throughput from an upstream's JSON-RPC against an import of a
 * file of the same blocks, and the lag behind a sequencer mining one block a second, in one run.
 *
 *   npm run bench:sync -- [--blocks 300] [--txs-per-block 30] [--runs 1]
 *                         [--lag-seconds 30] [--tps 100] [--sample-ms 100] [--poll-interval MS]
 *                         [--parts catchup,lag] [--keep DIR]
 *
 * 1. Catch-up. Starts anvil (fixtures/anvil/anvil.ts: --init fixtures/anvil/genesis.json,
 *    --hardfork prague, evm_mine only) and mines `--blocks` blocks on it with the ChainScript
 *    (fixtures/anvil/generate-chain.ts): a token and a probe deployed in block 1, then
 *    `--txs-per-block` signed transactions a block in the devnet traffic's mix (ETH transfers, a
 *    third to fresh addresses and half of those zero-valued, ERC-20 transfers, probe calls that
 *    write and clear storage and log, and calls that revert), each receipt's status checked. The
 *    chain is exported from our raw transactions and anvil's headers (hash by hash) to chain.rlp.
 *    Anvil keeps running, idle, holding the same blocks. Then, each in a fresh child process of
 *    this script, one after the other (--runs N: they take turns N times, the fastest run of each
 *    counts):
 *      file  the import pipeline of `hindsight import` (openDatadir, openLiveState, Importer
 *            .importFiles, liveState.flush: what runImport does, minus its progress bar) reads
 *            chain.rlp into a fresh datadir;
 *      rpc   startNode, what `hindsight start --upstream` runs (JSON-RPC server, call workers,
 *            peer manager, follower with the default window and batch size), follows the idle
 *            anvil from a fresh datadir until its head is anvil's, then closes (flushing the
 *            state like the import does).
 *    Both: --compat anvil, the default retention and checkpoint interval (full, every 128
 *    blocks), log level warn. "total" runs from the first line of the side's work (opening the
 *    datadir) to the datadir closed; "steady" from block 1 stored to the last block stored, so
 *    start-up costs (the server, the call workers' module loading) are left out. In-process
 *    children rather than the CLI so the side itself can time those moments without polling
 *    over HTTP, and each side has a process (and peak RSS) of its own.
 * 2. Lag. Starts anvil on the devnet genesis (fixtures/devnet/genesis.json) with --block-time 1,
 *    a follower as `hindsight start --compat anvil --upstream ANVIL` in a child process (the
 *    devnet's command line), and the devnet traffic generator (src/devnet/traffic.ts) at --tps in
 *    this process. After a warm-up it asks both for their head (eth_blockNumber, two samplers on
 *    their own schedules) every --sample-ms for --lag-seconds and reports the lag in blocks
 *    (median, p90, max) and, per block, the time between the answers that first had it on anvil
 *    and on the follower (so within about one sample interval). The follower's final block must have
 *    anvil's hash.
 *
 * Anvil, the traffic generator and the follower share the machine's cores; the output says how
 * many there are, the load average, and the CPU each process used.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { RLP } from '@ethereumjs/rlp'
import { bytesToBigInt, bytesToHex } from '@ethereumjs/util'
import type { Hex } from 'viem'
import { type AnvilInstance, findFreePort, startAnvil } from '../fixtures/anvil/anvil.js'
import { PROBE_INIT_CODE, TOKEN_INIT_CODE, TOKEN_SUPPLY, encodeProbeCalldata } from '../fixtures/anvil/contracts.js'
import { type TxRequest, freshAddress, openChainScript, transferCalldata } from '../fixtures/anvil/generate-chain.js'
import { ANVIL_GENESIS_PATH } from '../fixtures/anvil/paths.js'
import { readRLPBlocks } from '../src/chain/rlp-file.js'
import { loadChainConfig } from '../src/chain/genesis.js'
import { defaultRpcOptions, defaultSyncOptions } from '../src/config.js'
import { openDatadir } from '../src/datadir.js'
import { DEVNET_GENESIS_PATH } from '../src/devnet/paths.js'
import { startTraffic } from '../src/devnet/traffic.js'
import { createLogger } from '../src/log.js'
import { openLiveState, startNode } from '../src/main.js'
import { Importer } from '../src/sync/importer.js'
import { defaultStateOptions } from '../src/state/retention.js'
import { integerFlag } from './flags.js'

const CLI = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url))
const PARTS = ['catchup', 'lag'] as const
type Part = (typeof PARTS)[number]
type Side = 'file' | 'rpc'
/** Before sampling the lag: traffic at full rate, the follower past the setup blocks. */
const WARMUP_MS = 5_000
/** A catch-up side whose head has not moved for this long has failed. */
const STALL_MS = 120_000

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '300' },
    'txs-per-block': { type: 'string', default: '30' },
    runs: { type: 'string', default: '1' },
    'lag-seconds': { type: 'string', default: '30' },
    tps: { type: 'string', default: '100' },
    'sample-ms': { type: 'string', default: '100' },
    'poll-interval': { type: 'string', default: String(defaultSyncOptions.pollIntervalMs) },
    parts: { type: 'string', default: PARTS.join(',') },
    keep: { type: 'string' },
    // Internal: run one catch-up side (in the child process).
    side: { type: 'string' },
    datadir: { type: 'string' },
    file: { type: 'string' },
    upstream: { type: 'string' },
    target: { type: 'string' },
  },
  strict: true,
})

const count = (flag: string, min: number) => integerFlag('bench:sync', values, flag, min)

const log = (line: string) => process.stderr.write(`${line}\n`)

// ---------------------------------------------------------------------------------------------
// 1. Catch-up: the chain

interface BenchChain {
  rlpPath: string
  head: { number: number; hash: Hex }
  /** Per block 1..N: transactions and gas used, from the exported RLP. */
  txs: number[]
  gas: bigint[]
}

/** The devnet traffic's mix (src/devnet/traffic.ts), one entry per transaction in turn. */
const MIX = ['transfer', 'erc20', 'call', 'transfer', 'erc20', 'call', 'revert'] as const

/**
 * Mines the chain on a fresh --no-mining anvil: block 1 deploys the token and the probe and
 * grants every dev account tokens; each later block holds `txsPerBlock` transactions of the mix,
 * the n-th sent by dev account n mod 10. Every token transfer moves at most 5 tokens to the next
 * dev account, far less than any grant, so only the transactions meant to revert do.
 */
async function generateChain(anvil: AnvilInstance, work: string, blocks: number, txsPerBlock: number): Promise<BenchChain> {
  const { script, common } = await openChainScript(anvil.rpcUrl, { genesisPath: ANVIL_GENESIS_PATH })
  const dev = script.dev
  const token = await script.deploy('token', dev[0], TOKEN_INIT_CODE)
  const probe = await script.deploy('probe', dev[0], PROBE_INIT_CODE)
  for (const account of dev.slice(1)) {
    await script.send(dev[0], { to: token, data: transferCalldata(account.address, TOKEN_SUPPLY / 20n), gas: 100_000n })
  }
  await script.mine('deploy token and probe, grant tokens')
  let n = 0
  for (let number = 2; number <= blocks; number++) {
    for (let t = 0; t < txsPerBlock; t++, n++) {
      const from = dev[n % dev.length]
      const neighbour = dev[(n + 1) % dev.length].address
      const { request, expect } = mixTransaction(MIX[n % MIX.length], n, neighbour, token, probe)
      await script.send(from, request, expect)
    }
    await script.mine('mix')
    if (process.stderr.isTTY && number % 10 === 0) process.stderr.write(`\r  block ${number}/${blocks}`)
  }
  if (process.stderr.isTTY) process.stderr.write('\n')
  const chain = script.export(common)
  const rlpPath = join(work, 'chain.rlp')
  writeFileSync(rlpPath, chain.chainRlp)
  const txs: number[] = []
  const gas: bigint[] = []
  for await (const { raw } of readRLPBlocks(rlpPath)) {
    const [header, transactions] = RLP.decode(raw) as [Uint8Array[], unknown[]]
    txs.push(transactions.length)
    gas.push(bytesToBigInt(header[10]))
  }
  return { rlpPath, head: chain.head, txs, gas }
}

function mixTransaction(
  kind: (typeof MIX)[number],
  n: number,
  neighbour: Hex,
  token: Hex,
  probe: Hex,
): { request: TxRequest; expect: 'success' | 'revert' } {
  switch (kind) {
    case 'transfer': {
      const fresh = n % 3 === 0
      const to = fresh ? freshAddress(100_000 + n) : neighbour
      const value = fresh && n % 2 === 0 ? 0n : BigInt(n % 1000) * 10n ** 9n + 1n
      const type = (['legacy', 'eip2930', 'eip1559'] as const)[n % 3]
      return { request: { type, to, value, gas: 21_000n }, expect: 'success' }
    }
    case 'erc20':
      return { request: { to: token, data: transferCalldata(neighbour, BigInt((n % 5) + 1) * 10n ** 18n), gas: 100_000n }, expect: 'success' }
    case 'call': {
      const slot = BigInt(n % 64)
      const data = encodeProbeCalldata([['sstore', slot, n % 5 === 0 ? 0n : BigInt(n)], ['log2', BigInt(n), slot]])
      return { request: { type: n % 2 === 0 ? 'eip1559' : 'eip2930', to: probe, data, gas: 150_000n }, expect: 'success' }
    }
    case 'revert':
      return n % 2 === 0
        ? { request: { to: token, data: transferCalldata(neighbour, TOKEN_SUPPLY + 1n), gas: 100_000n }, expect: 'revert' }
        : { request: { to: probe, data: encodeProbeCalldata([['sstore', 200n, BigInt(n)], ['revert', BigInt(n)]]), gas: 150_000n }, expect: 'revert' }
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Catch-up: the sides (each runs in a child process of its own)

/** What a side reports on stdout, as its last line. */
interface SideResult {
  side: Side
  /** Opening the datadir to closing it. */
  totalSeconds: number
  /** Opening the datadir to ready to take blocks (file: the state open; rpc: startNode returned, serving). */
  startSeconds: number
  /** Opening the datadir to block 1 stored. */
  firstBlockSeconds: number
  /** Block 1 stored to the last block stored. */
  steadySeconds: number
  /** User + system CPU of the side's process (all its threads). */
  cpuSeconds: number
  peakRssMiB: number
  head: { number: string; hash: string }
}

const sideState = () => {
  const { retention: _, ...state } = defaultStateOptions
  return state
}

type SideTiming = ReturnType<typeof timing>

async function runFileSide(datadirPath: string, file: string): Promise<SideTiming> {
  const logger = createLogger({ level: 'warn' })
  const started = performance.now()
  let ready = 0
  let first = 0
  let last = 0
  const chain = await loadChainConfig(ANVIL_GENESIS_PATH)
  const datadir = await openDatadir({ path: datadirPath, genesis: chain.genesis, compat: 'anvil', retention: undefined }, { log: logger })
  try {
    const { executor, liveState } = await openLiveState(datadir, sideState(), { log: logger })
    ready = performance.now()
    const importer = await Importer.create({
      datadir,
      executor,
      liveState,
      onEvent: (event) => {
        if (event.type !== 'block') return
        last = performance.now()
        if (event.header.number === 1n) first = last
      },
    })
    await importer.importFiles([file])
    await liveState.flush()
  } finally {
    await datadir.close()
  }
  const ended = performance.now()
  return timing(started, ready, first, last, ended)
}

async function runRpcSide(datadirPath: string, upstream: string, target: bigint): Promise<SideTiming> {
  const logger = createLogger({ level: 'warn' })
  const started = performance.now()
  const node = await startNode(
    {
      datadir: datadirPath,
      genesisPath: ANVIL_GENESIS_PATH,
      compat: 'anvil',
      retention: undefined,
      state: sideState(),
      rpc: { ...defaultRpcOptions, port: 0 },
      sync: { ...defaultSyncOptions, upstreams: [upstream] },
      importFiles: [],
      // sync alone is measured
      finality: { source: 'none' },
    },
    { log: logger },
  )
  const ready = performance.now()
  let first = 0
  let last = 0
  try {
    // the follower yields to the event loop after every block, so a 1 ms timer sees each head
    await new Promise<void>((resolve, reject) => {
      let seen = 0n
      let movedAt = performance.now()
      const timer = setInterval(() => {
        const head = node.status.localHead ?? 0n
        const now = performance.now()
        if (head !== seen) {
          seen = head
          movedAt = now
          if (first === 0 && head >= 1n) first = now
        }
        if (head >= target) {
          last = now
          clearInterval(timer)
          resolve()
        } else if (now - movedAt > STALL_MS) {
          clearInterval(timer)
          reject(new Error(`the follower's head stayed at ${head} for ${STALL_MS / 1000} s (target ${target})`))
        }
      }, 1)
    })
  } finally {
    await node.close()
  }
  const ended = performance.now()
  return timing(started, ready, first, last, ended)
}

function timing(started: number, ready: number, first: number, last: number, ended: number) {
  const seconds = (from: number, to: number) => (to - from) / 1000
  return { totalSeconds: seconds(started, ended), startSeconds: seconds(started, ready), firstBlockSeconds: seconds(started, first), steadySeconds: seconds(first, last) }
}

async function runSide(side: Side): Promise<SideResult> {
  const datadirPath = values.datadir!
  const cpu = process.cpuUsage()
  const timing = side === 'file' ? await runFileSide(datadirPath, values.file!) : await runRpcSide(datadirPath, values.upstream!, BigInt(values.target!))
  const used = process.cpuUsage(cpu)
  const peakRssMiB = process.resourceUsage().maxRSS / 1024
  const datadir = await openDatadir({ path: datadirPath }, { log: createLogger({ level: 'warn' }) })
  try {
    const head = await datadir.head()
    return { side, ...timing, cpuSeconds: (used.user + used.system) / 1e6, peakRssMiB, head: { number: head.number.toString(), hash: bytesToHex(head.hash()) } }
  } finally {
    await datadir.close()
  }
}

function runChild(args: string[], logPath: string): Promise<SideResult> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      writeFileSync(logPath, stderr)
      if (code !== 0) reject(new Error(`${args.join(' ')} exited with ${code}; its output ends with:\n${stderr.slice(-3000)}`))
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as SideResult)
    })
  })
}

interface CatchupResult {
  chain: BenchChain
  generateSeconds: number
  sides: Map<Side, SideResult & { anvilCpuSeconds: number }>
  runs: number
}

async function catchup(work: string): Promise<CatchupResult> {
  const blocks = count('blocks', 2)
  const txsPerBlock = count('txs-per-block', 1)
  const runs = count('runs', 1)
  const anvil = await startAnvil({ genesisPath: ANVIL_GENESIS_PATH })
  try {
    log(`catch-up: mining ${blocks} blocks x ${txsPerBlock} txs on anvil ${anvil.rpcUrl}...`)
    const started = performance.now()
    const chain = await generateChain(anvil, work, blocks, txsPerBlock)
    const generateSeconds = (performance.now() - started) / 1000
    log(`  ${chain.txs.length} blocks, ${sum(chain.txs)} txs, ${(Number(sum(chain.gas)) / 1e6).toFixed(1)} Mgas, head ${chain.head.hash}, ${generateSeconds.toFixed(0)} s`)

    const sides = new Map<Side, SideResult & { anvilCpuSeconds: number }>()
    for (let run = 1; run <= runs; run++) {
      for (const side of ['file', 'rpc'] as const) {
        const datadir = join(work, `datadir-${side}-${run}`)
        const args = ['--side', side, '--datadir', datadir, '--file', chain.rlpPath, '--upstream', anvil.rpcUrl, '--target', String(chain.head.number)]
        log(`run ${run}: ${side}... (load average ${loadavg()[0].toFixed(1)})`)
        const anvilCpu = cpuSecondsOf(anvil.pid)
        const result = await runChild(args, join(work, `${side}-${run}.log`))
        const anvilCpuSeconds = cpuSecondsOf(anvil.pid) - anvilCpu
        if (result.head.number !== String(chain.head.number) || result.head.hash !== chain.head.hash) {
          throw new Error(`${side} ended at ${result.head.number} ${result.head.hash}, not anvil's head ${chain.head.number} ${chain.head.hash}`)
        }
        log(`  total ${result.totalSeconds.toFixed(1)} s, steady ${result.steadySeconds.toFixed(1)} s`)
        if (values.keep === undefined) rmSync(datadir, { recursive: true, force: true })
        const previous = sides.get(side)
        if (previous === undefined || result.totalSeconds < previous.totalSeconds) sides.set(side, { ...result, anvilCpuSeconds })
      }
    }
    return { chain, generateSeconds, sides, runs }
  } finally {
    await anvil.stop()
  }
}

function reportCatchup(result: CatchupResult): string[] {
  const { chain, sides } = result
  const blocks = chain.txs.length
  const txs = sum(chain.txs)
  const gas = Number(sum(chain.gas)) / 1e6
  // steady: blocks 2..N, the ones stored after block 1
  const steadyTxs = txs - chain.txs[0]
  const steadyGas = gas - Number(chain.gas[0]) / 1e6
  const rate = (amount: number, seconds: number, digits: number) => (amount / seconds).toFixed(digits)
  const rows = [...sides.values()].map((r) => [
    r.side === 'file' ? 'file (import of chain.rlp)' : 'rpc (follower of anvil)',
    r.totalSeconds.toFixed(2),
    r.startSeconds.toFixed(2),
    rate(blocks, r.totalSeconds, 1),
    rate(txs, r.totalSeconds, 0),
    rate(gas, r.totalSeconds, 2),
    r.firstBlockSeconds.toFixed(2),
    r.steadySeconds.toFixed(2),
    rate(blocks - 1, r.steadySeconds, 1),
    rate(steadyTxs, r.steadySeconds, 0),
    rate(steadyGas, r.steadySeconds, 2),
    r.cpuSeconds.toFixed(1),
    r.anvilCpuSeconds.toFixed(1),
    r.peakRssMiB.toFixed(0),
  ])
  const out = [
    `1. catch-up: ${blocks} blocks, ${txs} txs, ${gas.toFixed(1)} Mgas (${(txs / blocks).toFixed(0)} txs/block) mined on anvil 1.7.1 in ${result.generateSeconds.toFixed(0)} s; ` +
      `both sides --compat anvil, retention full, checkpoint every ${defaultStateOptions.checkpointInterval} blocks, each in a child process of its own` +
      (result.runs > 1 ? `, fastest of ${result.runs} runs` : ''),
    table(
      ['side', 'total s', 'start s', 'blocks/s', 'tx/s', 'Mgas/s', 'to block 1 s', 'steady s', 'blocks/s', 'tx/s', 'Mgas/s', 'CPU s', 'anvil CPU s', 'peak RSS MiB'],
      rows,
    ),
    '  total: opening the datadir to closing it (state flushed), rates over all blocks; start: until ready to take blocks (rpc: serving JSON-RPC, call workers started);',
    '  to block 1: until block 1 is stored (rpc: the first window fetched and decoded); steady: block 1 stored to the last block stored, rates over blocks 2..N',
  ]
  const file = sides.get('file')
  const rpc = sides.get('rpc')
  if (file !== undefined && rpc !== undefined) {
    out.push(
      `  rpc / file throughput: total ${(file.totalSeconds / rpc.totalSeconds).toFixed(2)}x, steady ${(file.steadySeconds / rpc.steadySeconds).toFixed(2)}x` +
        ` (CPU: the follower ${(rpc.cpuSeconds / file.cpuSeconds).toFixed(2)}x the import's, plus anvil's ${rpc.anvilCpuSeconds.toFixed(1)} s serving the blocks)`,
    )
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// 2. Lag behind anvil --block-time 1

/** One answer to eth_blockNumber. */
interface HeadSample {
  /** ms since sampling began, when the answer arrived */
  at: number
  head: number
  /** round trip: on the follower, how long its event loop kept the request waiting */
  ms: number
}

interface LagResult {
  seconds: number
  anvilSamples: HeadSample[] & { failed: number }
  followerSamples: HeadSample[] & { failed: number }
  /** Per follower answer: anvil's head at the latest anvil answer before it, minus the follower's. */
  lags: Array<{ at: number; lag: number }>
  /** Per block first seen on anvil during sampling and later on the follower: ms between the two sightings. */
  blockDelays: number[]
  /** Blocks that appeared on anvil while sampling, and those the follower stored while sampling. */
  produced: BlockStat[]
  verified: BlockStat[]
  traffic: { sent: number; errors: number }
  cpu: { anvil: number; follower: number; bench: number }
  followerPeakRssMiB: number
  final: { number: number; hash: string }
  pollIntervalMs: number
  tps: number
  sampleMs: number
}

interface BlockStat {
  number: number
  txs: number
  gas: bigint
}

async function lag(work: string): Promise<LagResult> {
  const seconds = count('lag-seconds', 1)
  const tps = count('tps', 1)
  const sampleMs = count('sample-ms', 10)
  const pollIntervalMs = count('poll-interval', 1)
  const anvil = await startAnvil({ genesisPath: DEVNET_GENESIS_PATH, blockTime: 1 })
  let follower: Follower | null = null
  let traffic: Awaited<ReturnType<typeof startTraffic>> | null = null
  try {
    follower = await startFollowerProcess(anvil.rpcUrl, join(work, 'datadir-lag'), pollIntervalMs, join(work, 'follower-lag.log'))
    log(`lag: anvil ${anvil.rpcUrl} (a block a second), follower ${follower.url} (poll ${pollIntervalMs} ms), traffic ${tps} tx/s; warming up...`)
    traffic = await startTraffic({ rpcUrl: anvil.rpcUrl, tps, logIntervalMs: 5_000 }, { log: createLogger({ level: 'warn' }) })
    await sleep(WARMUP_MS)
    const sentBefore = totalSent(traffic.stats())
    const errorsBefore = traffic.stats().errors

    log(`  sampling both heads every ${sampleMs} ms for ${seconds} s (load average ${loadavg()[0].toFixed(1)})...`)
    const cpuBefore = { anvil: cpuSecondsOf(anvil.pid), follower: cpuSecondsOf(follower.pid), bench: ownCpuSeconds() }
    // two samplers on their own schedules, so a follower busy executing a block (its answer
    // waits for that) does not delay the view of anvil's head
    const started = performance.now()
    const endAt = started + seconds * 1000
    const [anvilSamples, followerSamples] = await Promise.all([
      sampleHeads(anvil.rpcUrl, sampleMs, started, endAt),
      sampleHeads(follower.url, sampleMs, started, endAt),
    ])
    const cpu = {
      anvil: cpuSecondsOf(anvil.pid) - cpuBefore.anvil,
      follower: cpuSecondsOf(follower.pid) - cpuBefore.follower,
      bench: ownCpuSeconds() - cpuBefore.bench,
    }
    const elapsed = (performance.now() - started) / 1000
    const stats = traffic.stats()
    await traffic.stop()
    traffic = null
    if (anvilSamples.length < 2 || followerSamples.length < 2) throw new Error(`too few answers in ${seconds} s: anvil ${anvilSamples.length}, follower ${followerSamples.length}`)
    const anvilSeen = firstSeen(anvilSamples)
    const followerSeen = firstSeen(followerSamples)
    const blockDelays = [...anvilSeen].filter(([n]) => followerSeen.has(n)).map(([n, at]) => followerSeen.get(n)! - at)
    const range = (samples: HeadSample[]) => ({ from: samples[0].head + 1, to: samples.at(-1)!.head })
    const [a, f] = [range(anvilSamples), range(followerSamples)]
    const blocks = await blockStats(anvil.rpcUrl, Math.min(a.from, f.from), Math.max(a.to, f.to))
    const within = (r: { from: number; to: number }) => blocks.filter((b) => b.number >= r.from && b.number <= r.to)
    // the follower must end on anvil's chain: wait until it holds anvil's block at some height
    const final = await sameBlock(anvil.rpcUrl, follower.url)
    const followerPeakRssMiB = (peakRssKiBOf(follower.pid) ?? 0) / 1024
    return {
      seconds: elapsed,
      anvilSamples,
      followerSamples,
      lags: lagsInBlocks(anvilSamples, followerSamples),
      blockDelays,
      produced: within(a),
      verified: within(f),
      traffic: { sent: totalSent(stats) - sentBefore, errors: stats.errors - errorsBefore },
      cpu,
      followerPeakRssMiB,
      final,
      pollIntervalMs,
      tps,
      sampleMs,
    }
  } finally {
    await traffic?.stop()
    await follower?.stop()
    await anvil.stop()
  }
}

function reportLag(result: LagResult): string[] {
  const lags = result.lags.map((l) => l.lag)
  const histogram = new Map<number, number>()
  for (const l of lags) histogram.set(l, (histogram.get(l) ?? 0) + 1)
  const share = [...histogram].sort(([a], [b]) => a - b).map(([l, n]) => `${l}: ${((100 * n) / lags.length).toFixed(0)}%`).join(', ')
  const core = (s: number) => `${((100 * s) / result.seconds).toFixed(0)}%`
  const row = (what: string, values: number[]) => {
    if (values.length === 0) return [what, '-', '-', '-', '-', '0']
    const sorted = [...values].sort((a, b) => a - b)
    return [what, ...[percentile(sorted, 0.5), percentile(sorted, 0.9), sorted.at(-1)!].map((v) => v.toFixed(0)), mean(sorted).toFixed(1), String(sorted.length)]
  }
  const flow = (what: string, blocks: BlockStat[]) => {
    const txs = blocks.reduce((t, b) => t + b.txs, 0)
    const gas = Number(blocks.reduce((t, b) => t + b.gas, 0n)) / 1e6
    const perBlock = blocks.length === 0 ? '-' : (txs / blocks.length).toFixed(0)
    return [what, String(blocks.length), (blocks.length / result.seconds).toFixed(2), perBlock, (txs / result.seconds).toFixed(0), (gas / result.seconds).toFixed(2)]
  }
  const failed = result.anvilSamples.failed + result.followerSamples.failed
  return [
    `2. lag: anvil --block-time 1 on the devnet genesis, the devnet traffic at ${result.tps} tx/s from this process (${result.traffic.sent} sent while sampling, ${result.traffic.errors} failed sends), ` +
      `a follower (hindsight start --compat anvil --sync.poll-interval ${result.pollIntervalMs}) in a child process; both heads asked every ${result.sampleMs} ms for ${result.seconds.toFixed(0)} s ` +
      `(${result.anvilSamples.length} anvil, ${result.followerSamples.length} follower answers${failed === 0 ? '' : `, ${failed} failed requests`})`,
    table(['while sampling', 'blocks', 'blocks/s', 'txs/block', 'tx/s', 'Mgas/s'], [flow('anvil mined', result.produced), flow('the follower verified and stored', result.verified)]),
    '',
    table(
      ['', 'median', 'p90', 'max', 'mean', 'n'],
      [
        row('lag in blocks (anvil head - follower head, per follower answer)', lags),
        row(`lag in ms (a block first seen on anvil -> on the follower, +-${result.sampleMs} ms)`, result.blockDelays),
        row("follower's eth_blockNumber round trip, ms (waits for the block it executes)", result.followerSamples.map((s) => s.ms)),
      ],
    ),
    `  lag in blocks, share of follower answers: ${share}; trend ${lagTrend(result.lags) >= 0 ? '+' : ''}${lagTrend(result.lags).toFixed(1)} blocks/min (about 0 when the follower keeps up)`,
    `  lag in ms: ${result.blockDelays.length} of the ${result.produced.length} blocks anvil mined while sampling reached the follower before sampling ended`,
    `  CPU while sampling, in % of one core: anvil ${core(result.cpu.anvil)}, follower ${core(result.cpu.follower)}, traffic generator + samplers (this process) ${core(result.cpu.bench)}; follower peak RSS ${result.followerPeakRssMiB.toFixed(0)} MiB`,
    `  the follower's block ${result.final.number} is anvil's (${result.final.hash})`,
  ]
}

interface Follower {
  url: string
  pid: number
  stop(): Promise<void>
}

/** `hindsight start --upstream` as the devnet runs it, in a child process, once it answers. */
async function startFollowerProcess(upstream: string, datadir: string, pollIntervalMs: number, logPath: string): Promise<Follower> {
  const port = await findFreePort()
  const args = [
    CLI, 'start',
    '--genesis', DEVNET_GENESIS_PATH,
    '--datadir', datadir,
    '--compat', 'anvil',
    '--upstream', upstream,
    '--sync.poll-interval', String(pollIntervalMs),
    '--http.port', String(port),
    '--log-level', 'warn',
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const stop = async () => {
    process.removeListener('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
    writeFileSync(logPath, output)
  }
  const url = `http://127.0.0.1:${port}`
  try {
    await waitForRpc(url, child)
  } catch (err) {
    await stop()
    throw new Error(`${(err as Error).message}; the follower's output ends with:\n${output.slice(-3000)}`)
  }
  return { url, pid: child.pid!, stop }
}

async function waitForRpc(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the follower exited with ${child.exitCode}`)
    try {
      await blockNumber(url)
      return
    } catch {
      if (Date.now() > deadline) throw new Error(`no answer from ${url} within 60 s`)
      await sleep(100)
    }
  }
}

/** Waits (up to a minute) until the follower's head block is anvil's block at that height. */
async function sameBlock(anvilUrl: string, followerUrl: string): Promise<{ number: number; hash: string }> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const ours = await rpcCall<{ number: Hex; hash: Hex }>(followerUrl, 'eth_getBlockByNumber', ['latest', false])
    const theirs = await rpcCall<{ hash: Hex } | null>(anvilUrl, 'eth_getBlockByNumber', [ours.number, false])
    if (theirs !== null && theirs.hash === ours.hash && Number(ours.number) > 0) return { number: Number(ours.number), hash: ours.hash }
    if (Date.now() > deadline) throw new Error(`the follower's block ${Number(ours.number)} ${ours.hash} is not anvil's ${theirs?.hash}`)
    await sleep(200)
  }
}

/**
 * eth_blockNumber every `sampleMs` until `endAt`; one that falls behind samples at once, never in
 * a burst. A failed request is counted and skipped (a keep-alive connection the server closed
 * while its event loop was busy fails once).
 */
async function sampleHeads(url: string, sampleMs: number, started: number, endAt: number): Promise<HeadSample[] & { failed: number }> {
  const samples = Object.assign([] as HeadSample[], { failed: 0 })
  let next = performance.now()
  for (;;) {
    await sleep(next - performance.now())
    const sent = performance.now()
    if (sent >= endAt) return samples
    try {
      const head = await blockNumber(url)
      const now = performance.now()
      samples.push({ at: now - started, head, ms: now - sent })
    } catch {
      samples.failed++
    }
    next = Math.max(next + sampleMs, performance.now())
  }
}

/** The blocks that appeared while sampling, each with the time of the first answer that had it. */
function firstSeen(samples: HeadSample[]): Map<number, number> {
  const seen = new Map<number, number>()
  for (let i = 1; i < samples.length; i++) {
    for (let n = samples[i - 1].head + 1; n <= samples[i].head; n++) seen.set(n, samples[i].at)
  }
  return seen
}

/**
 * For each follower answer, anvil's head as the last anvil answer before it saw it, minus the
 * follower's head. The follower answers after the block it is executing, so its head can only be
 * newer than when the request arrived: if anything, this errs towards a smaller lag by up to one block.
 */
function lagsInBlocks(anvil: HeadSample[], follower: HeadSample[]): Array<{ at: number; lag: number }> {
  const lags: Array<{ at: number; lag: number }> = []
  let i = -1
  for (const sample of follower) {
    while (i + 1 < anvil.length && anvil[i + 1].at <= sample.at) i++
    if (i >= 0) lags.push({ at: sample.at, lag: Math.max(0, anvil[i].head - sample.head) })
  }
  return lags
}

/** Least-squares slope of lag over time, in blocks per minute: about 0 for a follower that keeps up. */
function lagTrend(lags: Array<{ at: number; lag: number }>): number {
  const n = lags.length
  const mx = lags.reduce((t, l) => t + l.at, 0) / n
  const my = lags.reduce((t, l) => t + l.lag, 0) / n
  const sxy = lags.reduce((t, l) => t + (l.at - mx) * (l.lag - my), 0)
  const sxx = lags.reduce((t, l) => t + (l.at - mx) ** 2, 0)
  return sxx === 0 ? 0 : (sxy / sxx) * 60_000
}

async function blockStats(url: string, from: number, to: number): Promise<BlockStat[]> {
  const blocks: BlockStat[] = []
  for (let n = from; n <= to; n++) {
    const block = await rpcCall<{ transactions: unknown[]; gasUsed: Hex }>(url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false])
    blocks.push({ number: n, txs: block.transactions.length, gas: BigInt(block.gasUsed) })
  }
  return blocks
}

const totalSent = (stats: { sent: Record<string, number> }) => Object.values(stats.sent).reduce((a, b) => a + b, 0)

// ---------------------------------------------------------------------------------------------
// helpers

async function rpcCall<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  })
  const body = (await response.json()) as { result?: T; error?: { code: number; message: string } }
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message} (${body.error.code})`)
  return body.result as T
}

async function blockNumber(url: string): Promise<number> {
  return Number(await rpcCall<Hex>(url, 'eth_blockNumber', []))
}

/** utime + stime of a live process, all its threads, from /proc/PID/stat. */
function cpuSecondsOf(pid: number): number {
  // fields 14 and 15, after the parenthesised command name
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

/** VmHWM (peak resident set) of a live process, in KiB. */
function peakRssKiBOf(pid: number): number | null {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? null : Number(match[1])
}

function sum<T extends number | bigint>(values: T[]): T {
  return values.reduce((a, b) => ((a as number) + (b as number)) as T)
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const parts = values.parts.split(',') as Part[]
  for (const part of parts) if (!PARTS.includes(part)) throw new Error(`--parts: unknown part ${part} (${PARTS.join(', ')})`)
  const work = values.keep ?? mkdtempSync(join(tmpdir(), 'hindsight-bench-sync-'))
  mkdirSync(work, { recursive: true })
  const runStarted = performance.now()
  const loadAtStart = loadavg()
  try {
    // each part's figures as soon as it is done: a failure in the next one does not lose them
    const print = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n\n`)
    print([
      `hindsight live sync, ${availableParallelism()} cores shared by anvil, the traffic generator and the node under test ` +
        `(load average at start ${loadAtStart.map((l) => l.toFixed(1)).join(' ')}; other work on the machine counts too)`,
    ])
    if (parts.includes('catchup')) print(reportCatchup(await catchup(work)))
    if (parts.includes('lag')) print(reportLag(await lag(work)))
    process.stdout.write(`whole run: ${((performance.now() - runStarted) / 1000 / 60).toFixed(1)} min, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`)
    if (values.keep !== undefined) log(`chain, datadirs and logs kept in ${work}`)
  } finally {
    if (values.keep === undefined) rmSync(work, { recursive: true, force: true })
  }
}

if (values.side !== undefined) {
  if (values.side !== 'file' && values.side !== 'rpc') throw new Error(`--side: file or rpc, got ${values.side}`)
  const result = await runSide(values.side)
  process.stdout.write(`${JSON.stringify(result)}\n`)
  // the node's HTTP keep-alive sockets and call workers are closed; exit without waiting for timers
  process.exit(0)
} else {
  await main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench:sync failed: ${(err as Error).stack ?? String(err)}\n`)
      process.exit(2)
    },
  )
}
