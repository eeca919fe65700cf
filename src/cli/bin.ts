#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander'
import { ArgumentError } from '../errors.js'
import { type FinalityOptions, defaultRpcOptions, defaultSyncOptions } from '../config.js'
import { COMPAT_MODE_NAMES } from '../execution/compat-modes.js'
import { RETENTION_MODES, type RetentionMode, defaultStateOptions } from '../state/retention.js'
import { formatGoDuration, parseDuration } from '../execution/call/duration.js'
import { runImport } from './import.js'
import { runStart } from './start.js'
import { addCompareCommand } from './compare.js'
import { addFinalityCommand } from './finality.js'
import { addAnchorCommand } from './anchor.js'
import { addProposeCommand } from './propose.js'
import { exitWithError } from './exit.js'
import { registerDevnetCommands } from '../devnet/commands.js'

const program = new Command()
  .name('hindsight')
  .description('A verifying follower node for EVM chains: re-executes every block, serves eth_* JSON-RPC over history')
  .version('0.1.0')
  .showHelpAfterError()

const compatOption = () =>
  new Option('--compat <mode>', "follow a sequencer's documented non-canonical state roots (anvil 1.7.1)").choices([
    ...COMPAT_MODE_NAMES,
    'none',
  ])
/** The state flags of both import and start (state/retention.ts). */
function addStateOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--retention <mode>', 'historical state kept: archival (every block), full (checkpoints), snap (newest checkpoints only); fixed when the datadir is created').choices([...RETENTION_MODES]),
    )
    .option('--checkpoint-interval <blocks>', 'blocks between persisted state checkpoints (full, snap)', positiveInteger, defaultStateOptions.checkpointInterval)
    .option('--keep-checkpoints <n>', 'persisted checkpoints snap retention keeps', positiveInteger, defaultStateOptions.keepCheckpoints)
    .option('--state-cache-mb <mb>', 'memory for re-executed historical states', integer, defaultStateOptions.stateCacheBytes / 1024 / 1024)
}

function stateOptions(opts: Record<string, unknown>) {
  return {
    retention: opts.retention as RetentionMode | undefined,
    state: {
      checkpointInterval: opts.checkpointInterval as number,
      keepCheckpoints: opts.keepCheckpoints as number,
      stateCacheBytes: (opts.stateCacheMb as number) * 1024 * 1024,
      maxPendingBytes: defaultStateOptions.maxPendingBytes,
    },
  }
}

const logLevelOption = () =>
  new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info')

const importCommand = program
  .command('import')
  .description("import and verify blocks from geth export files (RLP blocks back to back)")
  .requiredOption('--genesis <file>', 'geth-style genesis.json of the chain')
  .requiredOption('--datadir <dir>', 'data directory')
  .option('--finalized <block>', "mark this block safe and finalized after the import: 'head', a number or a hash")
  .addOption(compatOption())
  .addOption(logLevelOption())
  .argument('<files...>', 'chain files (e.g. chain.rlp)')
  .action(async (files: string[], opts) => {
    await runImport({
      genesisPath: opts.genesis,
      datadir: opts.datadir,
      files,
      finalized: opts.finalized ?? null,
      compat: parseCompat(opts.compat),
      logLevel: opts.logLevel,
      ...stateOptions(opts),
    })
  })
addStateOptions(importCommand)

const startCommand = program
  .command('start')
  .description('serve JSON-RPC over the datadir; with --upstream, follow sequencers live and verify every block')
  .requiredOption('--datadir <dir>', 'data directory')
  .option('--genesis <file>', 'genesis.json (needed only if the datadir is new)')
  .addOption(compatOption())
  .option('--http.addr <addr>', 'HTTP listen address', defaultRpcOptions.host)
  .option('--http.port <port>', 'HTTP listen port', integer, defaultRpcOptions.port)
  .option('--rpc.max-body-bytes <n>', 'largest request body (HTTP 413 above)', integer, defaultRpcOptions.maxBodyBytes)
  .option('--rpc.max-batch <n>', 'most requests in one batch (-32600 above)', integer, defaultRpcOptions.maxBatchItems)
  .option('--rpc.logs-max-range <n>', 'widest eth_getLogs block range', integer, defaultRpcOptions.logsMaxRange)
  .option('--rpc.logs-max-results <n>', 'most logs one eth_getLogs returns', integer, defaultRpcOptions.logsMaxResults)
  .option('--rpc.gascap <gas>', 'gas of an eth_call / eth_estimateGas / eth_createAccessList that names none, and the most one may use (0 = no cap)', integer, defaultRpcOptions.gasCap)
  .addOption(
    new Option('--rpc.evmtimeout <duration>', 'abort such a call after this long: a Go duration (5s, 500ms, 1m30s) or milliseconds (0 = never)')
      .argParser(duration)
      .default(defaultRpcOptions.evmTimeoutMs, formatGoDuration(defaultRpcOptions.evmTimeoutMs)),
  )
  .option('--rpc.call-workers <n>', 'threads running those calls', positiveInteger, defaultRpcOptions.callWorkers)
  .option('--upstream <url>', 'JSON-RPC URL of a sequencer to follow (repeat for failover); none: serve the datadir as it is', collect, [])
  .option('--import <file>', 'chain file (geth export format) to import before live sync takes over (repeatable)', collect, [])
  .option('--sync.poll-interval <ms>', "how often the upstreams' heads are probed", positiveInteger, defaultSyncOptions.pollIntervalMs)
  .option('--sync.window <blocks>', 'blocks fetched ahead from an upstream', positiveInteger, defaultSyncOptions.window)
  .option('--sync.max-failures <n>', 'consecutive failures before an upstream is dropped (it is probed again later)', positiveInteger, defaultSyncOptions.maxFailures)
  .option('--sync.timeout <ms>', 'timeout of a request to an upstream', positiveInteger, defaultSyncOptions.timeoutMs)
  .option('--sync.reprobe-after <ms>', 'rest of a dropped upstream before it is probed again', positiveInteger, defaultSyncOptions.reprobeMs)
  .option('--sync.ban-duration <ms>', 'how long an upstream that served a block failing verification is not used', positiveInteger, defaultSyncOptions.banMs)
  .option('--finality <source>', "where safe/finalized come from: anchor (needs --l1 and --anchor), upstream (the upstream's own finalized block, checked against ours), depth:N, none")
  .option('--l1 <url>', 'JSON-RPC URL of the L1 holding the anchor contract')
  .option('--anchor <address>', 'the L1 anchor contract (Anchored events)')
  .option('--l1.from-block <n>', 'L1 block to start reading anchors from when the datadir has no position yet', integer, 0)
  .option('--finality.poll-interval <ms>', 'how often finality is polled', positiveInteger, 2000)
  .option('--ready.max-lag <blocks>', 'GET /ready answers 503 when more blocks than this behind the upstreams', integer, defaultSyncOptions.readyMaxLag)
  .addOption(logLevelOption())
  .action(async (opts) => {
    await runStart({
      datadir: opts.datadir,
      genesisPath: opts.genesis ?? null,
      compat: parseCompat(opts.compat),
      logLevel: opts.logLevel,
      ...stateOptions(opts),
      rpc: {
        host: opts['http.addr'] ?? opts.httpAddr,
        port: opts['http.port'] ?? opts.httpPort,
        maxBodyBytes: opts['rpc.maxBodyBytes'] ?? opts.rpcMaxBodyBytes,
        maxBatchItems: opts['rpc.maxBatch'] ?? opts.rpcMaxBatch,
        logsMaxRange: opts['rpc.logsMaxRange'] ?? opts.rpcLogsMaxRange,
        logsMaxResults: opts['rpc.logsMaxResults'] ?? opts.rpcLogsMaxResults,
        gasCap: opts['rpc.gascap'] ?? opts.rpcGascap,
        evmTimeoutMs: opts['rpc.evmtimeout'] ?? opts.rpcEvmtimeout,
        callWorkers: opts['rpc.callWorkers'] ?? opts.rpcCallWorkers,
      },
      importFiles: opts.import,
      finality: parseFinality(opts),
      sync: {
        ...defaultSyncOptions,
        upstreams: opts.upstream,
        pollIntervalMs: opts['sync.pollInterval'],
        window: opts['sync.window'],
        maxFailures: opts['sync.maxFailures'],
        timeoutMs: opts['sync.timeout'],
        reprobeMs: opts['sync.reprobeAfter'],
        banMs: opts['sync.banDuration'],
        readyMaxLag: opts['ready.maxLag'],
      },
    })
  })

function parseFinality(opts: Record<string, unknown>): FinalityOptions {
  const pollIntervalMs = opts['finality.pollInterval'] as number
  const source = (opts.finality as string | undefined) ?? (opts.l1 !== undefined || opts.anchor !== undefined ? 'anchor' : 'none')
  if (source === 'none') return { source }
  if (source === 'upstream') return { source, pollIntervalMs }
  const depth = /^depth:(\d+)$/.exec(source)
  if (depth !== null) return { source: 'depth', depth: BigInt(depth[1]), pollIntervalMs }
  if (source !== 'anchor') throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument: '--finality', reason: `expected anchor, upstream, depth:N or none, got ${source}` })
  const l1 = opts.l1 as string | undefined
  const anchor = opts.anchor as string | undefined
  if (l1 === undefined || anchor === undefined) throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument: '--finality', reason: 'anchor finality needs --l1 URL and --anchor ADDRESS' })
  if (!/^0x[0-9a-fA-F]{40}$/.test(anchor)) throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument: '--anchor', reason: `expected a 20-byte hex address, got ${anchor}` })
  return { source: 'anchor', l1Url: l1, anchor: anchor as `0x${string}`, fromBlock: BigInt(opts['l1.fromBlock'] as number), pollIntervalMs }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

function integer(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer')
  return n
}

function positiveInteger(value: string): number {
  const n = integer(value)
  if (n === 0) throw new InvalidArgumentError('expected a positive integer')
  return n
}

function duration(value: string): number {
  const ms = parseDuration(value)
  if (ms === null) throw new InvalidArgumentError('expected a duration such as 5s, 500ms or 1m30s, or milliseconds')
  return ms
}

function parseCompat(value: string | undefined) {
  if (value === undefined) return undefined
  return value === 'none' ? null : (value as (typeof COMPAT_MODE_NAMES)[number])
}

addStateOptions(startCommand)

addCompareCommand(program)
addFinalityCommand(program)
addAnchorCommand(program)
addProposeCommand(program)
registerDevnetCommands(program)

program.parseAsync(process.argv).catch(exitWithError)
