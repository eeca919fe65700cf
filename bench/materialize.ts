/**
 * Historical state rebuild speed (issues 3 and 6): the time to materialize a state K-1 blocks
 * past a persisted checkpoint, in-process, through the same state provider the RPC server uses
 * (cold: its cache holds nothing), both ways side by side: re-executing the blocks (each verified
 * again) and replaying their stored state changes (the default wherever a block has them); both
 * end by checking the rebuilt root against the header's.
 *
 *   npm run bench:materialize -- --datadir DIR [--blocks N,N,...] [--count 8] [--runs 3]
 *
 * DIR is a datadir made by `hindsight import` with --retention full (e.g. one that
 * `npm run bench:historical -- --keep DIR` leaves). Without --blocks it takes, for `--count` of the
 * datadir's checkpoints spread over the chain, the block just below the next checkpoint: the
 * farthest a query can be from persisted state. Each block is materialized `--runs` times each way
 * by a fresh provider, the two ways alternating; the fastest run counts, in wall time and in CPU
 * time (user + system, all threads), which a shared machine inflates less. Run it under
 * `node --cpu-prof` to see where the time goes.
 */
import { availableParallelism, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { openDatadir } from '../src/datadir.js'
import { createLogger } from '../src/log.js'
import { blockAt } from '../src/state/live-state.js'
import { createStateProvider } from '../src/state/state-provider.js'

const { values } = parseArgs({
  options: {
    datadir: { type: 'string' },
    blocks: { type: 'string' },
    count: { type: 'string', default: '8' },
    runs: { type: 'string', default: '3' },
  },
  strict: true,
})

if (values.datadir === undefined) {
  process.stderr.write('bench:materialize: --datadir DIR is required\n')
  process.exit(2)
}

type Way = 'execute' | 'replay'
const WAYS: Way[] = ['execute', 'replay']

const log = createLogger({ level: 'warn' })
const datadir = await openDatadir({ path: values.datadir }, { log })
try {
  const checkpoints = await datadir.store.checkpoints.all()
  const targets = values.blocks?.split(',').map(BigInt) ?? spread(belowNextCheckpoints(checkpoints.map((c) => c.number)), Number(values.count))
  if (targets.length === 0) throw new Error('no block lies between two checkpoints: is this a --retention full datadir?')
  const rows: string[][] = []
  let totalBlocks = 0
  let totalTxs = 0
  const total = { execute: { ms: 0, cpu: 0 }, replay: { ms: 0, cpu: 0 } }
  for (const number of targets) {
    const header = (await blockAt(datadir, number)).header
    const from = checkpoints.filter((c) => c.number <= number).at(-1)?.number ?? 0n
    let txs = 0
    for (let n = from + 1n; n <= number; n++) txs += (await blockAt(datadir, n)).transactions.length
    const best = { execute: { ms: Infinity, cpu: Infinity }, replay: { ms: Infinity, cpu: Infinity } }
    for (let run = 0; run < Number(values.runs); run++) {
      for (const way of WAYS) {
        const states = createStateProvider({ stateCacheBytes: 0, rebuild: way }, { datadir, log })
        const started = performance.now()
        const cpu = process.cpuUsage()
        const view = await states.stateAt(header)
        await view.getAccount(new Uint8Array(20))
        const used = process.cpuUsage(cpu)
        best[way].ms = Math.min(best[way].ms, performance.now() - started)
        best[way].cpu = Math.min(best[way].cpu, (used.user + used.system) / 1000)
      }
    }
    const blocks = Number(number - from)
    totalBlocks += blocks
    totalTxs += txs
    for (const way of WAYS) {
      total[way].ms += best[way].ms
      total[way].cpu += best[way].cpu
    }
    rows.push(row(String(number), String(from), blocks, txs, best))
  }
  rows.push(row('all', '', totalBlocks, totalTxs, total))
  printTable(
    ['block', 'from checkpoint', 'blocks', 'txs', 're-execute ms', 'cpu ms', 'tx/s', 'replay ms', 'cpu ms', 'replay / re-execute speed'],
    rows,
  )
  process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores (a busy machine inflates the wall times)\n`)
} finally {
  await datadir.close()
}

function row(block: string, from: string, blocks: number, txs: number, best: Record<Way, { ms: number; cpu: number }>): string[] {
  const { execute, replay } = best
  return [
    block,
    from,
    String(blocks),
    String(txs),
    execute.ms.toFixed(0),
    execute.cpu.toFixed(0),
    ((txs / execute.ms) * 1000).toFixed(0),
    replay.ms.toFixed(1),
    replay.cpu.toFixed(0),
    `${(execute.ms / replay.ms).toFixed(1)}x`,
  ]
}

/** For each checkpoint but the first, the block before it (if that is not a checkpoint too). */
function belowNextCheckpoints(numbers: bigint[]): bigint[] {
  const set = new Set(numbers)
  return numbers.slice(1).map((n) => n - 1n).filter((n) => n > 0n && !set.has(n))
}

function spread<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * (items.length - 1)) / Math.max(1, count - 1))])
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ')
  process.stdout.write(`${[line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')}\n`)
}
