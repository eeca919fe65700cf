import { type Command, InvalidArgumentError, Option } from 'commander'
import { createLogger } from '../log.js'
import { defaultDevnetOptions } from './options.js'

/**
 * `hindsight traffic` and `hindsight devnet`. Their modules load only when one of them runs, so
 * the node's other commands neither pay for them nor need what they need (anvil, a
 * devDependency; the repository's fixtures/).
 */
export function registerDevnetCommands(program: Command): void {
  program
    .command('traffic')
    .description("send a steady mix of signed transactions (transfers, ERC-20 transfers, calls, reverts) from anvil's dev accounts")
    .requiredOption('--rpc <url>', "the sequencer's JSON-RPC endpoint")
    .option('--tps <n>', 'transactions per second', positiveNumber, 10)
    .addOption(logLevelOption())
    .action(async (opts) => {
      const { startTraffic } = await import('./traffic.js')
      const log = createLogger({ level: opts.logLevel })
      const traffic = await startTraffic({ rpcUrl: opts.rpc, tps: opts.tps }, { log })
      await untilSignal(log)
      log.info(await traffic.stop(), 'traffic stopped')
      process.exit(0)
    })

  program
    .command('devnet')
    .description('run anvil, a traffic generator, an L1 anvil with the anchor and a proposer, and a Hindsight follower verifying them, until Ctrl-C')
    .option('--genesis <file>', 'genesis of the devnet chain (default: fixtures/devnet/genesis.json)')
    .option('--datadir <dir>', "the follower's datadir, wiped at every start", defaultDevnetOptions.datadir)
    .option('--http.port <port>', "the follower's JSON-RPC port", port, defaultDevnetOptions.followerPort)
    .option('--anvil.port <port>', "anvil's JSON-RPC port", port, defaultDevnetOptions.anvilPort)
    .option('--l1.port <port>', "the L1 anvil's JSON-RPC port", port, defaultDevnetOptions.l1Port)
    .option('--block-time <seconds>', "seconds between anvil's blocks", positiveNumber, defaultDevnetOptions.blockTime)
    .option('--l1.block-time <seconds>', "seconds between the L1's blocks (fractions allowed)", positiveNumber, defaultDevnetOptions.l1BlockTime)
    .option('--every <n>', 'the proposer anchors L2 blocks N, 2N, 3N, ...', positiveInteger, defaultDevnetOptions.every)
    .option('--tps <n>', 'transactions per second of the traffic generator', positiveNumber, defaultDevnetOptions.tps)
    .option('--anvil.logs', "show the anvils' own output (lines per transaction)", false)
    .option('--status-interval <seconds>', 'seconds between the "heads" status lines', positiveNumber, defaultDevnetOptions.statusIntervalMs / 1000)
    .addOption(logLevelOption())
    .action(async (opts) => {
      const { runDevnet } = await import('./run.js')
      const { DEVNET_GENESIS_PATH } = await import('./paths.js')
      await runDevnet({
        genesisPath: opts.genesis ?? DEVNET_GENESIS_PATH,
        datadir: opts.datadir,
        followerPort: opts['http.port'] ?? opts.httpPort,
        anvilPort: opts['anvil.port'] ?? opts.anvilPort,
        l1Port: opts['l1.port'] ?? opts.l1Port,
        blockTime: opts.blockTime,
        l1BlockTime: opts['l1.blockTime'] ?? opts.l1BlockTime,
        every: opts.every,
        tps: opts.tps,
        anvilLogs: opts['anvil.logs'] ?? opts.anvilLogs,
        logLevel: opts.logLevel,
        statusIntervalMs: Math.round(opts.statusInterval * 1000),
      })
    })
}

/** Resolves at the first SIGINT or SIGTERM. */
function untilSignal(log: { info(obj: object, msg: string): void }): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'shutting down')
      resolve()
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
}

const logLevelOption = () =>
  new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info')

function positiveNumber(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number')
  return n
}

function positiveInteger(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer')
  return n
}

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port number (1-65535)')
  return n
}
