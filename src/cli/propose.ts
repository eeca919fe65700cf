import { type Command, InvalidArgumentError, Option } from 'commander'
import { defaultProposerOptions, startProposer } from '../finality/proposer.js'
import { createLogger } from '../log.js'
import { address } from './anchor.js'
import { readPrivateKeyFile } from './key-file.js'

/** Adds `hindsight propose` to the program. */
export function addProposeCommand(program: Command): Command {
  return program
    .command('propose')
    .description("post every N-th L2 block's hash and state root to the L1 anchor contract, until SIGINT/SIGTERM")
    .requiredOption('--l2 <url>', 'JSON-RPC URL of the L2 (the sequencer, or a Hindsight node following it)')
    .requiredOption('--l1 <url>', 'JSON-RPC URL of the L1')
    .requiredOption('--anchor <address>', 'the anchor contract on L1 (hindsight anchor deploy)', address)
    .requiredOption('--every <n>', 'anchor L2 blocks N, 2N, 3N, ...', positiveInteger)
    .requiredOption('--key-file <file>', "file holding the proposer's private key (0x-prefixed hex); it must be the contract's proposer")
    .option('--poll-interval <ms>', 'how often the L2 head is polled', positiveInteger, defaultProposerOptions.pollIntervalMs)
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
    .action(async (opts) => {
      const log = createLogger({ level: opts.logLevel })
      // listening before start-up, so a signal during it is a clean stop too
      const signalled = new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      const privateKey = await readPrivateKeyFile(opts.keyFile)
      const proposer = await startProposer(
        { l2Url: opts.l2, l1Url: opts.l1, anchor: opts.anchor, every: opts.every, privateKey, pollIntervalMs: opts.pollInterval },
        { log },
      )
      log.info({ signal: await signalled }, 'shutting down')
      await proposer.stop()
      // requests abandoned by stop() would otherwise hold the process until they time out
      process.exit(0)
    })
}

function positiveInteger(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer')
  return n
}
