import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ANVIL_HARDFORK, anvilBinaryPath } from '../../fixtures/anvil/anvil.js'
import { DEV_PRIVATE_KEYS } from '../../fixtures/anvil/generate-chain.js'
import type { Logger } from '../log.js'
import { DevnetError } from './errors.js'
import type { DevnetOptions } from './options.js'
import { formatLogLine } from './log-format.js'
import { type Service, type ServiceExit, assertPortFree, spawnService, waitUntilAnswering } from './service.js'
import { type Traffic, startTraffic } from './traffic.js'

export interface DevnetDependencies {
  log: Logger
  /** The traffic generator's logger. */
  trafficLog: Logger
  /** Where forwarded output lines of anvil and the follower go. */
  writeLine(line: string): void
}

export interface RunningDevnet {
  readonly anvilUrl: string
  readonly followerUrl: string
  readonly datadir: string
  readonly genesisPath: string
  readonly anvil: Service
  readonly follower: Service
  readonly traffic: Traffic
  /** Settles if anvil or the follower exits while the devnet runs, naming which and how. */
  readonly unexpectedExit: Promise<{ service: string; exit: ServiceExit }>
  /** Stops the traffic, then the follower (SIGINT: it flushes its state), then anvil. Safe to call twice. */
  stop(): Promise<void>
}

const HOST = '127.0.0.1'
/** The built CLI next to this module (dist/src/devnet/ -> dist/src/cli/bin.js). */
const CLI_PATH = fileURLToPath(new URL('../cli/bin.js', import.meta.url))
/** Marks a datadir the devnet created, so that it only ever wipes its own. */
const MARKER = '.hindsight-devnet'
const FOLLOWER_STOP_GRACE_MS = 30_000
const ANVIL_STOP_GRACE_MS = 5_000

/**
 * Starts the devnet: anvil (the sequencer) on a fresh chain from `genesisPath`, a Hindsight
 * follower verifying it live (`hindsight start --upstream`, with --compat anvil because anvil
 * 1.7.1's state roots are not canonical) and the traffic generator. Resolves once all three run;
 * if one of them fails to start, stops the others and throws.
 */
export async function startDevnet(options: DevnetOptions, deps: DevnetDependencies): Promise<RunningDevnet> {
  const { log } = deps
  await assertPortFree(HOST, options.anvilPort, 'anvil', '--anvil.port')
  await assertPortFree(HOST, options.followerPort, 'follower', '--http.port')
  const datadir = resolve(options.datadir)
  await prepareDatadir(datadir, log)

  const anvilUrl = `http://${HOST}:${options.anvilPort}`
  const followerUrl = `http://${HOST}:${options.followerPort}`
  const started: Service[] = []
  let traffic: Traffic | null = null
  const stopAll = async () => {
    await traffic?.stop()
    const [follower, anvil] = [started.find((s) => s.name === 'follower'), started.find((s) => s.name === 'anvil')]
    await follower?.stop('SIGINT', FOLLOWER_STOP_GRACE_MS)
    await anvil?.stop('SIGTERM', ANVIL_STOP_GRACE_MS)
  }

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
      onLine: options.anvilLogs ? (line) => deps.writeLine(formatLogLine('anvil', line)) : null,
    })
    started.push(anvil)
    await waitUntilAnswering(anvilUrl, anvil, 30_000)
    log.info({ url: anvilUrl, pid: anvil.pid }, 'anvil is up')

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
        '--http.addr', HOST,
        '--http.port', String(options.followerPort),
        '--log-level', options.logLevel,
      ],
      onLine: (line) => deps.writeLine(formatLogLine('follower', line, { color })),
    })
    started.push(follower)
    await waitUntilAnswering(followerUrl, follower, 60_000)
    log.info({ url: followerUrl, pid: follower.pid }, 'follower is up')

    traffic = await startTraffic({ rpcUrl: anvilUrl, tps: options.tps }, { log: deps.trafficLog })

    const statusTimer = setInterval(() => void logHeads(anvilUrl, followerUrl, log), options.statusIntervalMs)
    let stopping: Promise<void> | null = null
    const running = traffic
    const unexpectedExit = Promise.race(
      [anvil, follower].map((service) => service.exited.then((exit) => ({ service: service.name, exit }))),
    ).then((exited) => {
      if (stopping === null) return exited
      return new Promise<never>(() => {}) // stopped on purpose: not unexpected
    })
    return {
      anvilUrl,
      followerUrl,
      datadir,
      genesisPath: options.genesisPath,
      anvil,
      follower,
      traffic: running,
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

async function logHeads(anvilUrl: string, followerUrl: string, log: Logger): Promise<void> {
  const [anvil, follower] = await Promise.all([blockNumber(anvilUrl), blockNumber(followerUrl)])
  const lag = anvil !== null && follower !== null ? anvil - follower : null
  log.info({ anvil, follower, lag }, 'heads')
}

async function blockNumber(url: string): Promise<number | null> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
      signal: AbortSignal.timeout(2000),
    })
    const body = (await response.json()) as { result?: string }
    return body.result === undefined ? null : Number(body.result)
  } catch {
    return null
  }
}

/** What runs where, and what to try: printed on stdout once the devnet runs. */
export function formatBanner(devnet: RunningDevnet, options: Pick<DevnetOptions, 'blockTime' | 'tps'>): string {
  const cwd = process.cwd()
  const show = (path: string) => (path.startsWith(cwd) ? relative(cwd, path) || '.' : path)
  const url = devnet.followerUrl
  const request = (method: string, params: string) =>
    `curl -s -XPOST ${url} -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"${method}","params":${params}}'`
  return [
    '',
    'Hindsight devnet',
    `  sequencer  anvil       ${devnet.anvilUrl}  a block every ${options.blockTime} s, chain ${show(devnet.genesisPath)}  (pid ${devnet.anvil.pid})`,
    `  follower   Hindsight   ${url}  re-executes and verifies every block (--compat anvil), datadir ${show(devnet.datadir)}  (pid ${devnet.follower.pid})`,
    `  traffic    ${options.tps} tx/s  transfers, ERC-20 transfers, contract calls and reverts from anvil's dev accounts 1-9`,
    `             token ${devnet.traffic.token}, probe ${devnet.traffic.probe}`,
    '',
    'Ask the follower (anything eth_*), e.g.:',
    `  ${request('eth_getBlockByNumber', '["latest",false]')}`,
    `  ${request('eth_getBalance', `["${devnet.traffic.senders[0]}","latest"]`)}`,
    "With Foundry's cast:",
    `  cast block latest --rpc-url ${url}`,
    `  cast logs --from-block 1 --address ${devnet.traffic.token} --rpc-url ${url}`,
    "Dev account 0 is yours (the traffic never uses it); the follower forwards transactions to anvil:",
    `  cast send --private-key ${DEV_PRIVATE_KEYS[0]} --rpc-url ${url} 0x000000000000000000000000000000000000dEaD --value 1ether`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n')
}
