/**
 * Historical state (issue 3): import cost per retention mode, and historical eth_getBalance
 * latency against the anvil that made the chain, measured side by side in one run.
 *
 *   npm run bench:historical -- [--blocks 2000] [--txs-per-block 3] [--accounts 200] [--seed S]
 *                               [--cold 100] [--warm 200] [--modes archival,full-32,full-128,snap]
 *                               [--snap-interval 32] [--snap-keep 32] [--state-cache-mb M]
 *                               [--profile DIR] [--keep DIR]
 *
 * 1. Starts anvil (fixtures/anvil/anvil.ts: --init fixtures/anvil/genesis.json, --hardfork prague,
 *    evm_mine only) keeping every block's state, and drives it through a seeded, steady mix of
 *    signed transactions among `--accounts` funded accounts: ETH transfers (some to fresh
 *    addresses), ERC-20 transfers and calls that write (and clear) storage slots. The chain is
 *    rebuilt from anvil's headers and our raw transactions and checked hash by hash
 *    (fixtures/anvil/generate-chain.ts), then written as chain.rlp. Anvil keeps running.
 * 2. Imports chain.rlp with `hindsight import --compat anvil` into one datadir per mode, each in a
 *    child process of its own (under /usr/bin/time -v when present, so the peak RSS is that
 *    process's), and measures time, tx/s, peak RSS and the datadir's size on disk (du).
 * 3. Serves each datadir with `hindsight start` in a child process and sends it, one at a time,
 *    the same seeded eth_getBalance queries it sends anvil: "cold" ones at distinct random blocks
 *    (each the node's first query of that block, on a freshly started node), then "warm" ones at
 *    blocks the cold pass already asked for, each for a random account the chain touches.
 *    Every answer must equal anvil's. Snap answers "pruned" below its oldest checkpoint: those
 *    are counted, not timed, and not mismatches.
 * 4. Prints the tables and exits 1 if any answer differed from anvil's (2 on a failed run).
 *
 * --profile DIR runs each serving node under `node --cpu-prof` and leaves the profiles in DIR.
 * --keep DIR works in DIR and leaves the chain, datadirs, logs and every query's answer and
 * latency (results.json) there.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type Address, type Hex, keccak256, numberToHex, parseEther, toHex } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { type AnvilInstance, findFreePort, startAnvil } from '../fixtures/anvil/anvil.js'
import { PROBE_INIT_CODE, type ProbeCommand, TOKEN_INIT_CODE, encodeProbeCalldata } from '../fixtures/anvil/contracts.js'
import { type ChainScript, type TxRequest, freshAddress, openChainScript, transferCalldata } from '../fixtures/anvil/generate-chain.js'
import { ANVIL_GENESIS_PATH } from '../fixtures/anvil/paths.js'
import { integerFlag } from './flags.js'

const CLI = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url))
const TIME = '/usr/bin/time'
const GWEI = 10n ** 9n
/** Gas price bound of every transaction the script signs (its maxFeePerGas / gasPrice). */
const MAX_FEE = 3n * GWEI

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '2000' },
    'txs-per-block': { type: 'string', default: '3' },
    accounts: { type: 'string', default: '200' },
    seed: { type: 'string', default: 'hindsight-historical' },
    cold: { type: 'string', default: '100' },
    warm: { type: 'string', default: '200' },
    modes: { type: 'string', default: 'archival,full-32,full-128,snap' },
    'snap-interval': { type: 'string', default: '32' },
    'snap-keep': { type: 'string', default: '32' },
    'state-cache-mb': { type: 'string' },
    profile: { type: 'string' },
    keep: { type: 'string' },
  },
  strict: true,
})

const count = (flag: string, min: number) => integerFlag('bench:historical', values, flag, min)

const options = {
  blocks: count('blocks', 16),
  txsPerBlock: count('txs-per-block', 1),
  accounts: count('accounts', 2),
  seed: values.seed,
  cold: count('cold', 1),
  warm: count('warm', 0),
  snapInterval: count('snap-interval', 1),
  snapKeep: count('snap-keep', 1),
  stateCacheMb: values['state-cache-mb'] === undefined ? null : count('state-cache-mb', 0),
}

/** A retention mode under test: the import flags that make its datadir. */
interface Mode {
  name: string
  /** Blocks between persisted checkpoints (1 for archival). */
  interval: number
  args: string[]
}

function modeByName(name: string): Mode {
  const full = /^full-(\d+)$/.exec(name)
  if (name === 'archival') return { name, interval: 1, args: ['--retention', 'archival'] }
  if (full !== null) return { name, interval: Number(full[1]), args: ['--retention', 'full', '--checkpoint-interval', full[1]] }
  if (name === 'snap') {
    return {
      name: `snap-${options.snapInterval}x${options.snapKeep}`,
      interval: options.snapInterval,
      args: ['--retention', 'snap', '--checkpoint-interval', String(options.snapInterval), '--keep-checkpoints', String(options.snapKeep)],
    }
  }
  process.stderr.write(`bench:historical: unknown mode ${name} (archival, full-K, snap)\n`)
  process.exit(2)
}

const modes = values.modes.split(',').map(modeByName)

// ---------------------------------------------------------------------------------------------
// 1. The chain

/** A small deterministic PRNG (mulberry32) seeded from --seed. */
function createRandom(seed: string): { int(n: number): number; chance(p: number): boolean } {
  let state = Number.parseInt(keccak256(toHex(seed)).slice(2, 10), 16) >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { int: (n) => Math.floor(next() * n), chance: (p) => next() < p }
}

interface BenchChain {
  rlpPath: string
  blocks: number
  txs: number
  head: { number: number; hash: Hex }
  /** Blocks before the mix: deployments and funding. */
  setupBlocks: number
  /** Every address the chain's transactions send from, send to or create. */
  touched: Address[]
}

/**
 * Mines the chain on `anvil`: block 1 deploys the token and the probe, the next blocks fund the
 * accounts with ETH and tokens (up to 100 transactions a block), and every later block holds
 * `txsPerBlock` transactions of the mix. The script keeps a lower bound of each account's ETH
 * and an exact count of its tokens, so no transaction of the mix reverts (mine() checks receipts).
 */
async function generateChain(anvil: AnvilInstance, work: string): Promise<BenchChain> {
  const random = createRandom(options.seed)
  const { script, common } = await openChainScript(anvil.rpcUrl, { genesisPath: ANVIL_GENESIS_PATH })
  const [dev0, dev1] = script.dev
  const accounts = Array.from({ length: options.accounts }, (_, i) =>
    privateKeyToAccount(keccak256(toHex(`hindsight bench account ${options.seed} ${i}`))),
  )
  const touched = new Set<Address>([...script.dev.map((a) => a.address), ...accounts.map((a) => a.address)])
  const eth = new Map<Address, bigint>()
  const tokens = new Map<Address, bigint>()
  let txs = 0
  let mined = 0
  let freshCount = 0

  const send = async (from: PrivateKeyAccount, request: TxRequest) => {
    const gas = request.gas ?? 100_000n
    eth.set(from.address, (eth.get(from.address) ?? 0n) - (request.value ?? 0n) - gas * MAX_FEE)
    if (request.to !== undefined && request.to !== null) {
      eth.set(request.to, (eth.get(request.to) ?? 0n) + (request.value ?? 0n))
      touched.add(request.to)
    }
    await script.send(from, request)
    txs++
  }
  const mine = async (label: string) => {
    await script.mine(label)
    mined++
    if (process.stderr.isTTY && mined % 50 === 0) process.stderr.write(`\r  block ${mined}/${options.blocks}`)
  }

  const token = await script.deploy('token', dev0, TOKEN_INIT_CODE)
  const probe = await script.deploy('probe', dev1, PROBE_INIT_CODE)
  touched.add(token).add(probe)
  txs += 2
  await mine('deploy token and probe')

  // funding: 10 ETH from a dev account and 100 tokens from the token's holder, per account
  const funding: Array<() => Promise<void>> = accounts.flatMap((account, i) => [
    () => send(script.dev[i % script.dev.length], { to: account.address, value: parseEther('10') }),
    async () => {
      await send(dev0, { to: token, data: transferCalldata(account.address, 100n * 10n ** 18n), gas: 100_000n })
      tokens.set(account.address, 100n * 10n ** 18n)
    },
  ])
  for (let i = 0; i < funding.length; i += 100) {
    for (const fund of funding.slice(i, i + 100)) await fund()
    await mine('fund accounts')
  }
  const setupBlocks = mined
  if (mined >= options.blocks) throw new Error(`--blocks ${options.blocks} leaves no block for the mix after ${mined} setup blocks`)

  const pickSender = () => {
    for (let attempt = 0; attempt < 100_000; attempt++) {
      const account = accounts[random.int(accounts.length)]
      if ((eth.get(account.address) ?? 0n) > parseEther('0.01')) return account
    }
    throw new Error('the accounts ran out of ETH: use more --accounts')
  }
  const pickRecipient = (not: Address) => {
    for (;;) {
      const account = accounts[random.int(accounts.length)]
      if (account.address !== not) return account.address
    }
  }
  while (mined < options.blocks) {
    for (let t = 0; t < options.txsPerBlock; t++) {
      const from = pickSender()
      const kind = random.int(10)
      const held = tokens.get(from.address) ?? 0n
      if (kind < 4 && held > 0n) {
        // ERC-20 transfer: writes two balance slots, logs Transfer
        const to = pickRecipient(from.address)
        const amount = BigInt(1 + random.int(Number(held < 10n ** 18n ? held : 10n ** 18n)))
        tokens.set(from.address, held - amount)
        tokens.set(to, (tokens.get(to) ?? 0n) + amount)
        await send(from, { to: token, data: transferCalldata(to, amount), gas: 100_000n })
      } else if (kind < 6) {
        // storage writes: one to three random slots of the probe, a fifth of them cleared
        const commands: ProbeCommand[] = Array.from({ length: 1 + random.int(3) }, () => [
          'sstore',
          BigInt(random.int(4096)),
          random.chance(0.2) ? 0n : BigInt(1 + random.int(1_000_000)),
        ])
        await send(from, { to: probe, data: encodeProbeCalldata(commands), gas: 200_000n })
      } else {
        // ETH transfer, one in ten to a fresh address; some legacy ones
        const to = random.chance(0.1) ? freshAddress(1_000_000 + freshCount++) : pickRecipient(from.address)
        const value = BigInt(1 + random.int(1_000_000)) * GWEI
        await send(from, { type: random.chance(0.1) ? 'legacy' : 'eip1559', to, value, gas: 21_000n })
      }
    }
    await mine('mix')
  }
  if (process.stderr.isTTY) process.stderr.write('\n')

  const chain = script.export(common)
  const anvilHead = await rpcCall<{ number: Hex; hash: Hex }>(anvil.rpcUrl, 'eth_getBlockByNumber', ['latest', false])
  if (Number(anvilHead.number) !== chain.head.number || anvilHead.hash !== chain.head.hash) {
    throw new Error(`anvil's head ${anvilHead.number} ${anvilHead.hash} is not the exported chain's ${chain.head.number} ${chain.head.hash}`)
  }
  const rlpPath = join(work, 'chain.rlp')
  writeFileSync(rlpPath, chain.chainRlp)
  return { rlpPath, blocks: chain.blocks, txs: chain.txs, head: chain.head, setupBlocks, touched: [...touched] }
}

// ---------------------------------------------------------------------------------------------
// 2. Imports

interface ImportResult {
  seconds: number
  peakRssMiB: number
  diskMiB: number
}

async function importMode(mode: Mode, chain: BenchChain, datadir: string, logPath: string): Promise<ImportResult> {
  const args = [CLI, 'import', '--genesis', ANVIL_GENESIS_PATH, '--datadir', datadir, '--compat', 'anvil', ...mode.args, '--log-level', 'warn', chain.rlpPath]
  const started = performance.now()
  const { code, output, peakRssKiB } = await runMeasured(args)
  const seconds = (performance.now() - started) / 1000
  writeFileSync(logPath, output)
  if (code !== 0) throw new Error(`import (${mode.name}) exited with ${code}; its output ends with:\n${output.slice(-3000)}`)
  const head = /head (\d+) (0x[0-9a-f]{64})/.exec(output)
  if (head === null || Number(head[1]) !== chain.head.number || head[2] !== chain.head.hash) {
    throw new Error(`import (${mode.name}) did not end at anvil's head ${chain.head.number} ${chain.head.hash}:\n${output.slice(-3000)}`)
  }
  return { seconds, peakRssMiB: peakRssKiB / 1024, diskMiB: diskUsageKiB(datadir) / 1024 }
}

/**
 * Runs `node args` to completion and reports its peak RSS: from /usr/bin/time -v when it exists,
 * otherwise from the child's VmHWM, polled until it exits.
 */
function runMeasured(args: string[]): Promise<{ code: number | null; output: string; peakRssKiB: number }> {
  const timed = existsSync(TIME)
  const child = timed ? spawn(TIME, ['-v', process.execPath, ...args]) : spawn(process.execPath, args)
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  let polledKiB = 0
  const poll = timed ? undefined : setInterval(() => (polledKiB = Math.max(polledKiB, peakRssOf(child.pid!) ?? 0)), 50)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      clearInterval(poll)
      const measured = timed ? /Maximum resident set size \(kbytes\): (\d+)/.exec(output) : null
      resolve({ code, output, peakRssKiB: measured === null ? polledKiB : Number(measured[1]) })
    })
  })
}

/** VmHWM (peak resident set) of a live process, in KiB. */
function peakRssOf(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? null : Number(match[1])
  } catch {
    return null
  }
}

function diskUsageKiB(path: string): number {
  return Number(execFileSync('du', ['-sk', path], { encoding: 'utf8' }).split('\t')[0])
}

// ---------------------------------------------------------------------------------------------
// 3. Queries

interface Query {
  block: number
  address: Address
}

/** Cold: distinct random blocks, in random order. Warm: random blocks among the cold ones. */
function planQueries(chain: BenchChain): { cold: Query[]; warm: Query[] } {
  const random = createRandom(`${options.seed} queries`)
  const blocks = Array.from({ length: chain.head.number }, (_, i) => i + 1)
  for (let i = blocks.length - 1; i > 0; i--) {
    const j = random.int(i + 1)
    ;[blocks[i], blocks[j]] = [blocks[j], blocks[i]]
  }
  const account = () => chain.touched[random.int(chain.touched.length)]
  const cold = blocks.slice(0, Math.min(options.cold, blocks.length)).map((block) => ({ block, address: account() }))
  const warm = Array.from({ length: options.warm }, () => ({ block: cold[random.int(cold.length)].block, address: account() }))
  return { cold, warm }
}

/** One answer: the result, or the error's message; and how long the round trip took. */
interface Answer {
  result: string | null
  error: string | null
  ms: number
}

/** A JSON-RPC call over `agent`'s kept-alive connection, timed from the request to the last byte. */
function timedCall(agent: Agent, url: string, method: string, params: unknown[]): Promise<Answer> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      res.once('end', () => {
        const ms = performance.now() - started
        try {
          const parsed = JSON.parse(text) as { result?: string; error?: { message: string } }
          resolve({ result: parsed.result ?? null, error: parsed.error?.message ?? null, ms })
        } catch {
          resolve({ result: null, error: `HTTP ${res.statusCode}: ${text.slice(0, 200)}`, ms })
        }
      })
    })
    req.once('error', reject)
    req.end(body)
  })
}

async function rpcCall<T>(url: string, method: string, params: unknown[], agent = new Agent()): Promise<T> {
  const answer = await timedCall(agent, url, method, params)
  if (answer.error !== null) throw new Error(`${method}: ${answer.error}`)
  return answer.result as T
}

async function ask(agent: Agent, url: string, queries: Query[]): Promise<Answer[]> {
  const answers: Answer[] = []
  for (const q of queries) answers.push(await timedCall(agent, url, 'eth_getBalance', [q.address, numberToHex(q.block)]))
  return answers
}

interface Served {
  cold: Answer[]
  warm: Answer[]
  /** Peak and current RSS of the serving process after the queries, in MiB. */
  peakRssMiB: number
  rssMiB: number
  startSeconds: number
}

async function serveAndAsk(mode: Mode, datadir: string, plan: { cold: Query[]; warm: Query[] }, logPath: string): Promise<Served> {
  const port = await findFreePort()
  const profile = values.profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', join(values.profile, mode.name)]
  const cache = options.stateCacheMb === null ? [] : ['--state-cache-mb', String(options.stateCacheMb)]
  const args = [...profile, CLI, 'start', '--datadir', datadir, '--http.port', String(port), '--log-level', 'warn', ...cache]
  const started = performance.now()
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const url = `http://127.0.0.1:${port}`
    await waitForRpc(url, child)
    const startSeconds = (performance.now() - started) / 1000
    // the call workers load their modules after the node answers: let that finish first
    await waitUntilIdle(child.pid!)
    const cold = await ask(agent, url, plan.cold)
    const warm = await ask(agent, url, plan.warm)
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
    const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0)
    return { cold, warm, peakRssMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024, startSeconds }
  } finally {
    agent.destroy()
    child.kill('SIGTERM')
    const code = await exited
    process.removeListener('exit', killOnExit)
    writeFileSync(logPath, output)
    if (code !== 0 && code !== null) process.stderr.write(`  warning: start (${mode.name}) exited with ${code}, see ${logPath}\n`)
  }
}

/** Waits until the process has used no CPU for half a second (at most 30 s). */
async function waitUntilIdle(pid: number): Promise<void> {
  const cpuTicks = () => {
    // utime and stime, fields 14 and 15 of /proc/PID/stat, after the parenthesised command name
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return Number(fields[11]) + Number(fields[12])
  }
  const deadline = Date.now() + 30_000
  let last = cpuTicks()
  let quiet = 0
  while (quiet < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    const now = cpuTicks()
    quiet = now - last <= 1 ? quiet + 1 : 0
    last = now
  }
}

async function waitForRpc(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`start exited with ${child.exitCode}`)
    try {
      await rpcCall(url, 'eth_blockNumber', [])
      return
    } catch {
      if (Date.now() > deadline) throw new Error(`no answer from ${url} within 60 s`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Figures

interface Latency {
  p50: number
  p99: number
  max: number
  n: number
}

/** Nearest-rank percentiles of the answered queries' latencies. */
function latency(answers: Answer[]): Latency {
  const sorted = answers.filter((a) => a.result !== null).map((a) => a.ms).sort((a, b) => a - b)
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN
  return { p50: rank(0.5), p99: rank(0.99), max: sorted.at(-1) ?? Number.NaN, n: sorted.length }
}

interface Comparison {
  mismatches: Array<{ query: Query; ours: string; anvil: string }>
  pruned: number
}

function compare(queries: Query[], ours: Answer[], anvil: Answer[], comparison: Comparison): void {
  queries.forEach((query, i) => {
    const a = anvil[i]
    const o = ours[i]
    if (o.result === null && o.error !== null && /pruned/.test(o.error)) comparison.pruned++
    else if (o.result !== a.result || o.error !== a.error) {
      comparison.mismatches.push({ query, ours: o.result ?? `error: ${o.error}`, anvil: a.result ?? `error: ${a.error}` })
    }
  })
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1))
const ratio = (ours: number, theirs: number) => (Number.isNaN(ours) || Number.isNaN(theirs) ? '-' : `${(ours / theirs).toFixed(1)}x`)
const mib = (value: number) => value.toFixed(0)

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const runStarted = performance.now()
  const work = values.keep ?? mkdtempSync(join(tmpdir(), 'hindsight-historical-'))
  mkdirSync(work, { recursive: true })
  if (values.profile !== undefined) mkdirSync(values.profile, { recursive: true })
  const log = (line: string) => process.stderr.write(`${line}\n`)
  let anvil: AnvilInstance | null = null
  try {
    const anvilCache = join(work, 'anvil-cache')
    anvil = await startAnvil({
      genesisPath: ANVIL_GENESIS_PATH,
      // anvil keeps ~500 states in memory and 3,600 more on disk by default: keep them all
      extraArgs: ['--max-persisted-states', String(options.blocks + 1000), '--cache-path', anvilCache],
    })
    log(`generating ${options.blocks} blocks x ${options.txsPerBlock} txs among ${options.accounts} accounts on anvil ${anvil.rpcUrl}...`)
    const started = performance.now()
    const chain = await generateChain(anvil, work)
    const generateSeconds = (performance.now() - started) / 1000
    log(`  ${chain.blocks} blocks, ${chain.txs} txs, head ${chain.head.hash}, ${chain.touched.length} accounts touched, ${generateSeconds.toFixed(1)} s`)

    const imports = new Map<string, ImportResult>()
    for (const mode of modes) {
      log(`importing (${mode.name}: ${mode.args.join(' ')})...`)
      const result = await importMode(mode, chain, join(work, `datadir-${mode.name}`), join(work, `import-${mode.name}.log`))
      log(`  ${result.seconds.toFixed(1)} s, ${(chain.txs / result.seconds).toFixed(0)} tx/s, peak RSS ${mib(result.peakRssMiB)} MiB, ${mib(result.diskMiB)} MiB on disk`)
      imports.set(mode.name, result)
    }

    const plan = planQueries(chain)
    log(`asking anvil ${plan.cold.length} cold and ${plan.warm.length} warm eth_getBalance queries...`)
    const anvilAgent = new Agent({ keepAlive: true, maxSockets: 1 })
    const anvilCold = await ask(anvilAgent, anvil.rpcUrl, plan.cold)
    const anvilWarm = await ask(anvilAgent, anvil.rpcUrl, plan.warm)
    anvilAgent.destroy()
    const anvilFailed = [...anvilCold, ...anvilWarm].filter((a) => a.result === null)
    if (anvilFailed.length > 0) throw new Error(`anvil failed ${anvilFailed.length} queries, e.g. ${anvilFailed[0].error}`)
    const anvilRss = { peak: (peakRssOf(anvil.pid) ?? 0) / 1024, disk: existsSync(anvilCache) ? diskUsageKiB(anvilCache) / 1024 : 0 }

    const served = new Map<string, Served & Comparison>()
    for (const mode of modes) {
      log(`serving ${mode.name}...`)
      const result = await serveAndAsk(mode, join(work, `datadir-${mode.name}`), plan, join(work, `start-${mode.name}.log`))
      const comparison: Comparison = { mismatches: [], pruned: 0 }
      compare(plan.cold, result.cold, anvilCold, comparison)
      compare(plan.warm, result.warm, anvilWarm, comparison)
      const cold = latency(result.cold)
      const warm = latency(result.warm)
      log(`  cold p50 ${ms(cold.p50)} p99 ${ms(cold.p99)} ms, warm p50 ${ms(warm.p50)} p99 ${ms(warm.p99)} ms, peak RSS ${mib(result.peakRssMiB)} MiB, ${comparison.mismatches.length} mismatches`)
      served.set(mode.name, { ...result, ...comparison })
    }

    // --- tables
    const out: string[] = []
    out.push(
      `hindsight historical state vs anvil 1.7.1: ${chain.blocks} blocks, ${chain.txs} txs (${options.txsPerBlock}/block after ${chain.setupBlocks} setup blocks), ` +
        `${options.accounts} funded accounts, ${chain.touched.length} touched; generated in ${generateSeconds.toFixed(0)} s; seed ${options.seed}`,
      '',
      'import (hindsight import --compat anvil, one child process per mode)',
    )
    const archival = imports.get('archival')
    out.push(
      table(
        ['mode', 'checkpoint every', 'seconds', 'tx/s', 'blocks/s', 'peak RSS MiB', 'disk MiB', 'disk / archival'],
        [
          ...modes.map((mode) => {
            const r = imports.get(mode.name)!
            return [
              mode.name,
              String(mode.interval),
              r.seconds.toFixed(1),
              (chain.txs / r.seconds).toFixed(0),
              (chain.blocks / r.seconds).toFixed(1),
              mib(r.peakRssMiB),
              r.diskMiB.toFixed(1),
              archival === undefined ? '-' : ratio(r.diskMiB, archival.diskMiB),
            ]
          }),
          ['anvil (500 states in memory, older on disk)', '1', '-', '-', '-', mib(anvilRss.peak), anvilRss.disk.toFixed(1), archival === undefined ? '-' : ratio(anvilRss.disk, archival.diskMiB)],
        ],
      ),
    )
    const aCold = latency(anvilCold)
    const aWarm = latency(anvilWarm)
    out.push(
      '',
      `historical eth_getBalance, one query at a time over HTTP keep-alive: cold = ${plan.cold.length} distinct random blocks, each the first ` +
        `query of its block on a freshly started node; warm = ${plan.warm.length} queries at blocks the cold pass asked for. ms; ratio = ours / anvil`,
    )
    out.push(
      table(
        ['side', 'cold p50', 'x anvil', 'cold p99', 'x anvil', 'cold max', 'warm p50', 'x anvil', 'warm p99', 'x anvil', 'peak RSS MiB', 'RSS now', 'start s', 'answered', 'pruned', 'mismatches'],
        [
          ['anvil', ms(aCold.p50), '', ms(aCold.p99), '', ms(aCold.max), ms(aWarm.p50), '', ms(aWarm.p99), '', mib(anvilRss.peak), '-', '-', String(aCold.n + aWarm.n), '0', '-'],
          ...modes.map((mode) => {
            const s = served.get(mode.name)!
            const c = latency(s.cold)
            const w = latency(s.warm)
            return [
              mode.name,
              ms(c.p50),
              ratio(c.p50, aCold.p50),
              ms(c.p99),
              ratio(c.p99, aCold.p99),
              ms(c.max),
              ms(w.p50),
              ratio(w.p50, aWarm.p50),
              ms(w.p99),
              ratio(w.p99, aWarm.p99),
              mib(s.peakRssMiB),
              mib(s.rssMiB),
              s.startSeconds.toFixed(1),
              String(c.n + w.n),
              String(s.pruned),
              String(s.mismatches.length),
            ]
          }),
        ],
      ),
    )

    // --- the issue's targets, at K = 128
    const target = served.get('full-128')
    if (target !== undefined) {
      const c = latency(target.cold)
      const w = latency(target.warm)
      const rssMax = Math.max(...[...imports.values()].map((r) => r.peakRssMiB), ...[...served.values()].map((s) => s.peakRssMiB))
      const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED')
      out.push(
        '',
        'issue 3 targets (full, K = 128):',
        `  warm p50 < 5 ms:      ${ms(w.p50)} ms  ${verdict(w.p50 < 5)}${w.p50 < 5 ? '' : ` by ${(w.p50 / 5).toFixed(1)}x`}`,
        `  cold p99 < 200 ms:    ${ms(c.p99)} ms  ${verdict(c.p99 < 200)}${c.p99 < 200 ? '' : ` by ${(c.p99 / 200).toFixed(1)}x`}`,
        `  RSS < 1 GB throughout (every import and serving process): max ${mib(rssMax)} MiB  ${verdict(rssMax < 1024)}`,
      )
    }

    const mismatched = modes.flatMap((mode) => served.get(mode.name)!.mismatches.map((m) => ({ mode: mode.name, ...m })))
    if (mismatched.length > 0) {
      out.push('', `MISMATCHES with anvil (${mismatched.length}; the first 20):`)
      for (const m of mismatched.slice(0, 20)) out.push(`  ${m.mode} block ${m.query.block} ${m.query.address}: ours ${m.ours}, anvil ${m.anvil}`)
    } else {
      out.push('', `every answer equals anvil's (${modes.length} nodes x ${plan.cold.length + plan.warm.length} queries; pruned ones excepted)`)
    }
    out.push(`whole run: ${((performance.now() - runStarted) / 1000 / 60).toFixed(1)} min`)
    process.stdout.write(`${out.join('\n')}\n`)
    if (values.keep !== undefined) {
      const perQuery = (queries: Query[], answers: Answer[]) => queries.map((q, i) => ({ ...q, ...answers[i] }))
      const results = {
        options,
        chain: { blocks: chain.blocks, txs: chain.txs, head: chain.head },
        imports: Object.fromEntries(imports),
        anvil: { cold: perQuery(plan.cold, anvilCold), warm: perQuery(plan.warm, anvilWarm) },
        nodes: Object.fromEntries(
          [...served].map(([name, s]) => [name, { peakRssMiB: s.peakRssMiB, cold: perQuery(plan.cold, s.cold), warm: perQuery(plan.warm, s.warm) }]),
        ),
      }
      writeFileSync(join(work, 'results.json'), JSON.stringify(results))
      log(`chain, datadirs, logs and results.json kept in ${work}`)
    }
    return mismatched.length > 0 ? 1 : 0
  } finally {
    await anvil?.stop()
    if (values.keep === undefined) rmSync(work, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:historical failed: ${(err as Error).stack ?? String(err)}\n`)
    process.exit(2)
  },
)
