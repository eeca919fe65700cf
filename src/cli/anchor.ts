import { type Command, InvalidArgumentError, Option } from 'commander'
import { type Address, getAddress, isAddress } from 'viem'
import { deployAnchor } from '../finality/deploy.js'
import { createLogger } from '../log.js'
import { readPrivateKeyFile } from './key-file.js'

/** Adds `hindsight anchor deploy` to the program. */
export function addAnchorCommand(program: Command): Command {
  const anchor = program.command('anchor').description('the L1 anchor contract that finality is read from (contracts/Anchor.sol)')
  anchor
    .command('deploy')
    .description("deploy the anchor contract on L1; prints its address on stdout")
    .requiredOption('--l1 <url>', 'JSON-RPC URL of the L1')
    .requiredOption('--key-file <file>', 'file holding the deployer\'s private key (0x-prefixed hex)')
    .option('--proposer <address>', "the only address allowed to anchor (default: the deployer's)", address)
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
    .action(async (opts) => {
      const log = createLogger({ level: opts.logLevel })
      const privateKey = await readPrivateKeyFile(opts.keyFile)
      const deployed = await deployAnchor({ l1Url: opts.l1, privateKey, proposer: opts.proposer }, { log })
      // the address alone, so scripts can capture it: ANCHOR=$(hindsight anchor deploy ...)
      process.stdout.write(`${deployed.address}\n`)
    })
  return anchor
}

export function address(value: string): Address {
  if (!isAddress(value, { strict: false })) throw new InvalidArgumentError('expected a 0x-prefixed 20-byte address')
  return getAddress(value)
}
