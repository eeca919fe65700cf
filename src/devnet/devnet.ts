import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ANVIL_HARDFORK, anvilBinaryPath } from '../../fixtures/anvil/anvil.js'
import { DEV_PRIVATE_KEYS } from '../../fixtures/anvil/generate-chain.js'
import { readPrivateKeyFile } from '../cli/key-file.js'
import { type DeployedAnchor, deployAnchor } from '../finality/deploy.js'
import { type Proposer, startProposer } from '../finality/proposer.js'
import type { Logger } from '../log.js'
import { DevnetError } from './errors.js'
import { DEVNET_L1_CHAIN_ID, type DevnetOptions } from './options.js'
import { formatLogLine } from './log-format.js'
import { DEVNET_L1_KEY_PATH } from './paths.js'
import { type Service, type ServiceExit, assertPortFree, spawnService, waitUntilAnswering } from './service.js'
import { type Traffic, startTraffic } from './traffic.js'

export interface DevnetDependencies {
  log: Logger
  /** The traffic generator's logger. */
  trafficLog: Logger
  /** The proposer's logger (it runs in this process). */
  proposerLog: Logger
  /** Where forwarded output lines of the anvils and the follower go. */
  writeLine(line: string): void
}

export interface RunningDevnet {
  readonly anvilUrl: string
  readonly l1Url: string
  readonly followerUrl: string
  readonly datadir: string
  readonly genesisPath: string
  /** The L2's sequencer. */
  readonly anvil: Service
  /** The L1 the anchor lives on. */
  readonly l1: Service
  readonly follower: Service
  readonly traffic: Traffic
  readonly anchor: DeployedAnchor
  readonly proposer: Proposer
  /** Settles if an anvil or the follower exits while the devnet runs, naming which and how. */
  readonly unexpectedExit: Promise<{ service: ServiceName; exit: ServiceExit }>
  /**
   * Stops the proposer and the traffic, then the follower (SIGINT: it flushes its state), then
   * both anvils. Safe to call twice.
   */
  stop(): Promise<void>
}

export type ServiceName = 'anvil' | 'l1' | 'follower'

const HOST = '127.0.0.1'
/** The built CLI next to this module (dist/src/devnet/ -> dist/src/cli/bin.js). */
const CLI_PATH = fileURLToPath(new URL('../cli/bin.js', import.meta.url))
/** Marks a datadir the devnet created, so that it only ever wipes its own. */
const MARKER = '.hindsight-devnet'
const FOLLOWER_STOP_GRACE_MS = 30_000
const ANVIL_STOP_GRACE_MS = 5_000
/** How often the proposer polls the L2 head: well within a block, so anchors follow blocks closely. */
const PROPOSER_POLL_MS = 500

/**
 * Starts the devnet: anvil (the sequencer) on a fresh chain from `genesisPath`; a second anvil as
 * L1, with the anchor contract deployed on it; a Hindsight follower verifying the L2 live (`hindsight
 * start --upstream`, with --compat anvil because anvil 1.7.1's state roots are not canonical) and
 * reading its finality from the anchor; the traffic generator; and the proposer. Resolves once all
 * of them run; if one fails to start, stops the others and throws.
 */
export async function startDevnet(options: DevnetOptions, deps: DevnetDependencies): Promise<RunningDevnet> {
  const { log } = deps
  await assertPortFree(HOST, options.anvilPort, 'anvil', '--anvil.port')
  await assertPortFree(HOST, options.l1Port, 'L1 anvil', '--l1.port')
  await assertPortFree(HOST, options.followerPort, 'follower', '--http.port')
  const proposerKey = await readPrivateKeyFile(DEVNET_L1_KEY_PATH)
  const datadir = resolve(options.datadir)
  await prepareDatadir(datadir, log)

  const anvilUrl = `http://${HOST}:${options.anvilPort}`
  const l1Url = `http://${HOST}:${options.l1Port}`
  const followerUrl = `http://${HOST}:${options.followerPort}`
  const started = new Map<ServiceName, Service>()
  let traffic: Traffic | null = null
  let proposer: Proposer | null = null
  const stopAll = async () => {
    await proposer?.stop()
    await traffic?.stop()
    await started.get('follower')?.stop('SIGINT', FOLLOWER_STOP_GRACE_MS)
    await Promise.all([started.get('anvil')?.stop('SIGTERM', ANVIL_STOP_GRACE_MS), started.get('l1')?.stop('SIGTERM', ANVIL_STOP_GRACE_MS)])
  }
  const anvilOutput = (source: string) => (options.anvilLogs ? (line: string) => deps.writeLine(formatLogLine(source, line)) : null)

  try {
    const anvil = spawnService({
      name: 'anvil',
      command: anvilBinaryPath(),
      args: [
        '--init', options.genesisPath,
        '--hardfork', ANVIL_HARDFORK,
        '--host', HOST,
        '--port', String(options.anvilPort),
        '--block-time', String(options.blockTime),
      ],
      onLine: anvilOutput('anvil'),
    })
    started.set('anvil', anvil)
    // L1 is anvil's own dev chain (no --init: nothing verifies it). With one slot per epoch its
    // `finalized` block is two behind its head, so L1 finality moves within seconds.
    const l1 = spawnService({
      name: 'l1',
      command: anvilBinaryPath(),
      args: [
        '--chain-id', String(DEVNET_L1_CHAIN_ID),
        '--hardfork', ANVIL_HARDFORK,
        '--host', HOST,
        '--port', String(options.l1Port),
        '--block-time', String(options.l1BlockTime),
        '--slots-in-an-epoch', '1',
      ],
      onLine: anvilOutput('l1'),
    })
    started.set('l1', l1)
    await Promise.all([waitUntilAnswering(anvilUrl, anvil, 30_000), waitUntilAnswering(l1Url, l1, 30_000)])
    log.info({ url: anvilUrl, pid: anvil.pid }, 'anvil is up')
    log.info({ url: l1Url, pid: l1.pid }, 'L1 anvil is up')

    // the first transaction of a fresh key on a fresh L1: the address compose.yaml relies on
    const anchor = await deployAnchor({ l1Url, privateKey: proposerKey }, { log })

    const color = process.stderr.isTTY === true
    const follower = spawnService({
      name: 'follower',
      command: process.execPath,
      args: [
        CLI_PATH, 'start',
        '--genesis', options.genesisPath,
        '--datadir', datadir,
        '--compat', 'anvil',
        '--upstream', anvilUrl,
        '--l1', l1Url,
        '--anchor', anchor.address,
        '--l1.from-block', String(anchor.l1Block),
        // no point polling L1 faster than it mines
        '--finality.poll-interval', String(Math.max(100, Math.round(options.l1BlockTime * 1000))),
        '--http.addr', HOST,
        '--http.port', String(options.followerPort),
        '--log-level', options.logLevel,
      ],
      onLine: (line) => deps.writeLine(formatLogLine('follower', line, { color })),
    })
    started.set('follower', follower)
    await waitUntilAnswering(followerUrl, follower, 60_000)
    log.info({ url: followerUrl, pid: follower.pid }, 'follower is up')

    traffic = await startTraffic({ rpcUrl: anvilUrl, tps: options.tps }, { log: deps.trafficLog })
    // --l2 is the sequencer, not the follower: the anchors are then the sequencer's claims, which
    // the follower checks against its own re-execution. Fed by the follower, the proposer would
    // anchor the follower's roots and the check would compare them with themselves.
    proposer = await startProposer(
      { l2Url: anvilUrl, l1Url, anchor: anchor.address, every: options.every, privateKey: proposerKey, pollIntervalMs: PROPOSER_POLL_MS },
      { log: deps.proposerLog },
    )

    let stopping: Promise<void> | null = null
    // a line read just as the devnet stops would show the services going away, not their heads
    const statusTimer = setInterval(() => void logHeads({ anvilUrl, l1Url, followerUrl }, log, () => stopping === null), options.statusIntervalMs)
    const [runningTraffic, runningProposer] = [traffic, proposer]
    const unexpectedExit = Promise.race(
      [anvil, l1, follower].map((service) => service.exited.then((exit) => ({ service: service.name as ServiceName, exit }))),
    ).then((exited) => {
      if (stopping === null) return exited
      return new Promise<never>(() => {}) // stopped on purpose: not unexpected
    })
    return {
      anvilUrl,
      l1Url,
      followerUrl,
      datadir,
      genesisPath: options.genesisPath,
      anvil,
      l1,
      follower,
      traffic: runningTraffic,
      anchor,
      proposer: runningProposer,
      unexpectedExit,
      stop() {
        stopping ??= (async () => {
          clearInterval(statusTimer)
          await stopAll()
        })()
        return stopping
      },
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}

/**
 * Anvil's chain is new every run, and a follower refuses a datadir holding another chain's
 * blocks, so the datadir starts empty. Only a directory the devnet created (or an empty one) is
 * wiped: a mistyped --datadir must never delete someone's files.
 */
async function prepareDatadir(datadir: string, log: Logger): Promise<void> {
  if (existsSync(datadir)) {
    const entries = await readdir(datadir)
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new DevnetError({
        code: 'PROCESS_FAILED',
        process: 'devnet',
        reason: `${datadir} is not empty and was not made by the devnet; refusing to wipe it (pick another --datadir)`,
      })
    }
    if (entries.length > 0) {
      log.info({ datadir }, "wiping the devnet datadir of an earlier run: anvil's chain is new every run")
      await rm(datadir, { recursive: true, force: true })
    }
  }
  await mkdir(datadir, { recursive: true })
  await writeFile(join(datadir, MARKER), 'Created by `hindsight devnet`, which wipes this directory at every start.\n')
}

/**
 * The periodic status line: anvil's head, the follower's soft (verified), safe and finalized heads
 * (null until the first anchor is safe or final, or while the follower does not answer), how far
 * the follower is behind anvil, and L1's head.
 */
async function logHeads(urls: { anvilUrl: string; l1Url: string; followerUrl: string }, log: Logger, stillRunning: () => boolean): Promise<void> {
  const tagged = (tag: string) => call(urls.followerUrl, 'eth_getBlockByNumber', [tag, false]).then((block) => quantity((block as { number?: unknown } | null)?.number))
  const [anvil, soft, safe, finalized, l1] = await Promise.all([
    call(urls.anvilUrl, 'eth_blockNumber', []).then(quantity),
    tagged('latest'),
    tagged('safe'),
    tagged('finalized'),
    call(urls.l1Url, 'eth_blockNumber', []).then(quantity),
  ])
  const lag = anvil !== null && soft !== null ? anvil - soft : null
  if (stillRunning()) log.info({ anvil, soft, safe, finalized, lag, l1 }, 'heads')
}

/** A JSON-RPC call's result, or null when it fails in any way (the status line shows null). */
async function call(url: string, method: string, params: unknown[]): Promise<unknown> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(2000),
    })
    const body = (await response.json()) as { result?: unknown }
    return body.result ?? null
  } catch {
    return null
  }
}

function quantity(value: unknown): number | null {
  return typeof value === 'string' && value.startsWith('0x') ? Number(value) : null
}

/** What runs where, and what to try: printed on stdout once the devnet runs. */
export function formatBanner(devnet: RunningDevnet, options: Pick<DevnetOptions, 'blockTime' | 'l1BlockTime' | 'every' | 'tps'>): string {
  const cwd = process.cwd()
  const show = (path: string) => (path.startsWith(cwd) ? relative(cwd, path) || '.' : path)
  const url = devnet.followerUrl
  const request = (method: string, params: string) =>
    `curl -s -XPOST ${url} -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"${method}","params":${params}}'`
  const { anchor } = devnet
  return [
    '',
    'Hindsight devnet',
    `  sequencer  anvil       ${devnet.anvilUrl}  a block every ${options.blockTime} s, chain ${show(devnet.genesisPath)}  (pid ${devnet.anvil.pid})`,
    `  L1         anvil       ${devnet.l1Url}  a block every ${options.l1BlockTime} s, chain id ${DEVNET_L1_CHAIN_ID}; one slot per epoch, so L1's finalized block is 2 behind its head  (pid ${devnet.l1.pid})`,
    `  anchor     ${anchor.address}  on L1 since L1 block ${anchor.l1Block}, proposer ${anchor.proposer} (L1 dev account 9)`,
    `  proposer   in-process  anchors blocks ${options.every}, ${2 * options.every}, ${3 * options.every}, ... on L1: hash and state root as the sequencer reports them`,
    `  follower   Hindsight   ${url}  re-executes and verifies every block (--compat anvil), datadir ${show(devnet.datadir)}  (pid ${devnet.follower.pid})`,
    `             soft = verified here; safe = anchored on L1 with our hash and state root; finalized = that anchor's L1 block is final`,
    `  traffic    ${options.tps} tx/s  transfers, ERC-20 transfers, contract calls and reverts from anvil's dev accounts 1-9`,
    `             token ${devnet.traffic.token}, probe ${devnet.traffic.probe}`,
    '',
    'Ask the follower (anything eth_*), e.g.:',
    `  ${request('eth_getBlockByNumber', '["latest",false]')}`,
    `  ${request('eth_getBlockByNumber', '["finalized",false]')}`,
    `  ${request('eth_getBalance', `["${devnet.traffic.senders[0]}","latest"]`)}`,
    "With Foundry's cast:",
    `  cast block latest --rpc-url ${url}`,
    `  cast block finalized --rpc-url ${url}`,
    `  cast logs --from-block 1 --address ${devnet.traffic.token} --rpc-url ${url}`,
    `  cast call ${anchor.address} 'latestBlock()(uint256)' --rpc-url ${devnet.l1Url}`,
    "Dev account 0 is yours (the traffic never uses it); the follower forwards transactions to anvil:",
    `  cast send --private-key ${DEV_PRIVATE_KEYS[0]} --rpc-url ${url} 0x000000000000000000000000000000000000dEaD --value 1ether`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n')
}
