import { type Command, InvalidArgumentError, Option } from 'commander'
import { compareRange } from '../compare/compare-range.js'
import { type HeaderSource, openHeaderSource } from '../compare/header-source.js'
import { CompareReport, type EndpointSummary, blockLines, endpointLine, noteLine, summaryLine } from '../compare/report.js'
import { createCompareProgress } from '../compare/progress.js'
import { ArgumentError, NodeError } from '../errors.js'
import { parseDuration } from '../execution/call/duration.js'
import { createLogger } from '../log.js'
import { JsonRpcClient } from '../rpc-client/json-rpc-client.js'

export interface CompareOptions {
  rpcUrl: string
  againstUrl: string
  from: number
  /** null: the lower of the two heads. */
  to: number | null
  batchSize: number
  concurrency: number
  timeoutMs: number
  json: boolean
}

/**
 * `hindsight compare`'s exit status, as diff and cmp have it: 0 the same, 1 a difference, 2 no
 * answer (usage, connection or RPC errors). A NodeError is 1 elsewhere in the CLI (exit.ts),
 * but here 1 must mean only "they differ", so scripts can tell a mismatch from an outage.
 */
const EXIT = { same: 0, differ: 1, trouble: 2 } as const

const HELP = `
Compares every block's header between two JSON-RPC endpoints: eth_getHeaderByNumber, or
eth_getBlockByNumber(n, false) on a server that answers -32601 for it (anvil, most providers).

Mismatches are the header fields, the ones hashed into the block hash, plus hash itself:
  parentHash sha3Uncles miner stateRoot transactionsRoot receiptsRoot logsBloom difficulty
  number gasLimit gasUsed timestamp extraData mixHash nonce baseFeePerGas withdrawalsRoot
  blobGasUsed excessBlobGas parentBeaconBlockRoot requestsHash
A header field one side returns and the other does not is a mismatch too. Every other field
(anvil's totalDifficulty, or size, transactions, uncles, withdrawals when one side answered a
whole block) is printed as a note, never a mismatch. A block one side does not have (null) is
a mismatch. Hex is compared without regard to case, quantities by value.

Prints one line per differing field (block, field, both values), notes, then a summary line.
Exit status: 0 no mismatch, 1 a mismatch, 2 usage, connection or RPC errors.`

/** Adds `hindsight compare` to the program. */
export function addCompareCommand(program: Command): Command {
  return program
    .command('compare')
    .description("compare two nodes' block headers over a range of blocks")
    .requiredOption('--rpc <url>', 'JSON-RPC endpoint of one node (e.g. Hindsight)')
    .requiredOption('--against <url>', 'JSON-RPC endpoint of the node to compare it with (e.g. the sequencer)')
    .option('--from <block>', 'first block', blockNumber, 0)
    .option('--to <block>', 'last block (default: the lower of the two heads)', blockNumber)
    .option('--batch-size <n>', 'blocks per JSON-RPC batch', positive, 100)
    .option('--concurrency <n>', 'batches in flight to each endpoint at once', positive, 4)
    .addOption(new Option('--timeout <duration>', 'per HTTP request: a Go duration (30s, 500ms) or milliseconds').argParser(duration).default(30_000, '30s'))
    .option('--json', 'print one JSON object (mismatches, notes, counts) instead of text')
    .addHelpText('after', HELP)
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.same : EXIT.trouble))
    .action(async (opts) => {
      const options: CompareOptions = {
        rpcUrl: opts.rpc,
        againstUrl: opts.against,
        from: opts.from,
        to: opts.to ?? null,
        batchSize: opts.batchSize,
        concurrency: opts.concurrency,
        timeoutMs: opts.timeout,
        json: opts.json === true,
      }
      try {
        process.exitCode = (await runCompare(options)) ? EXIT.differ : EXIT.same
      } catch (err) {
        // exit.ts's wording, with compare's status
        const text = err instanceof NodeError ? `error [${err.code}]: ${err.message}` : `unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`
        process.stderr.write(`hindsight: ${text}\n`)
        process.exitCode = EXIT.trouble
      }
    })
}

/** Runs the comparison and prints the report; returns whether anything differs. */
export async function runCompare(options: CompareOptions): Promise<boolean> {
  const log = createLogger({ level: 'info' })
  const rpc = new JsonRpcClient({ url: options.rpcUrl, timeoutMs: options.timeoutMs })
  const against = new JsonRpcClient({ url: options.againstUrl, timeoutMs: options.timeoutMs })
  const [rpcSource, againstSource] = await Promise.all([openHeaderSource(rpc), openHeaderSource(against)])
  const sources = { rpc: rpcSource, against: againstSource }
  const { from, to } = blockRange(options, sources)
  const endpoints = { rpc: endpoint(sources.rpc), against: endpoint(sources.against) }
  const out = (line: string) => process.stdout.write(`${line}\n`)

  const report = new CompareReport()
  const progress = createCompareProgress(
    { tty: process.stderr.isTTY ? process.stderr : null, intervalMs: 5000, totalBlocks: to - from + 1 },
    { log },
  )
  if (!options.json) {
    out(`comparing blocks ${from}..${to}`)
    out(endpointLine('rpc', endpoints.rpc))
    out(endpointLine('against', endpoints.against))
  }
  try {
    await compareRange(
      { from, to, batchSize: options.batchSize, concurrency: options.concurrency },
      {
        ...sources,
        onBlock(comparison) {
          report.add(comparison)
          const lines = blockLines(comparison)
          if (!options.json && lines.length > 0) {
            progress.clear()
            for (const line of lines) out(line)
          }
          progress.update(report.blocksCompared, report.blocksDiffering)
        },
      },
    )
  } finally {
    progress.clear()
  }

  if (options.json) out(JSON.stringify(report.toJSON({ from, to, ...endpoints })))
  else {
    for (const note of report.noteSummaries()) out(noteLine(note))
    out(summaryLine(report, from, to))
  }
  return report.differs
}

/** --from..--to, --to defaulting to the lower head; a range past either head is refused. */
function blockRange(options: CompareOptions, sources: { rpc: HeaderSource; against: HeaderSource }): { from: number; to: number } {
  const lowest = Math.min(sources.rpc.head, sources.against.head)
  const to = options.to ?? lowest
  for (const side of ['rpc', 'against'] as const) {
    if (to > sources[side].head) {
      throw new ArgumentError({
        code: 'INVALID_ARGUMENT',
        argument: '--to',
        reason: `block ${to} is past the head of --${side} (${sources[side].client.url}), block ${sources[side].head}`,
      })
    }
  }
  if (options.from > to) {
    throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument: '--from', reason: `block ${options.from} is after the last block to compare, ${to}` })
  }
  return { from: options.from, to }
}

function endpoint(source: HeaderSource): EndpointSummary {
  return { url: source.client.url, method: source.method, head: source.head }
}

function blockNumber(value: string): number {
  const n = /^0x[0-9a-fA-F]+$/.test(value) ? Number.parseInt(value, 16) : /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a block number (decimal or 0x hex)')
  return n
}

function positive(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer')
  return n
}

function duration(value: string): number {
  const ms = parseDuration(value)
  if (ms === null || ms <= 0) throw new InvalidArgumentError('expected a duration such as 30s or 500ms, or milliseconds')
  return ms
}
