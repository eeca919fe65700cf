import { type BlockComparison, compareHeaders } from './header-diff.js'
import { type HeaderSource, fetchHeaders } from './header-source.js'

export interface CompareRangeOptions {
  from: number
  to: number
  /** Blocks per JSON-RPC batch (one batch to each side per chunk). */
  batchSize: number
  /** Chunks in flight at once. */
  concurrency: number
}

export interface CompareRangeDependencies {
  rpc: HeaderSource
  against: HeaderSource
  /** Called once per block, in block order, whatever order the answers arrive in. */
  onBlock(comparison: BlockComparison): void
}

/**
 * Compares blocks `from..to` of the two sources. Chunks of `batchSize` blocks are fetched from
 * both sides at once, `concurrency` chunks at a time; results are handed on in block order as
 * soon as every block before them is done. The first failed fetch stops the run: workers take no
 * new chunk, and the error is thrown once the ones in flight have settled.
 */
export async function compareRange(options: CompareRangeOptions, deps: CompareRangeDependencies): Promise<void> {
  const chunks = Math.ceil((options.to - options.from + 1) / options.batchSize)
  const done = new Map<number, BlockComparison[]>()
  let nextChunk = 0
  let nextToEmit = 0
  let failure: { error: unknown } | null = null

  const emitReady = () => {
    for (let ready = done.get(nextToEmit); ready !== undefined; ready = done.get(nextToEmit)) {
      done.delete(nextToEmit)
      nextToEmit++
      for (const comparison of ready) deps.onBlock(comparison)
    }
  }

  const worker = async () => {
    while (failure === null && nextChunk < chunks) {
      const chunk = nextChunk++
      const from = options.from + chunk * options.batchSize
      const to = Math.min(options.to, from + options.batchSize - 1)
      try {
        const [ours, theirs] = await Promise.all([fetchHeaders(deps.rpc, from, to), fetchHeaders(deps.against, from, to)])
        done.set(
          chunk,
          ours.map((header, i) => compareHeaders(from + i, header, theirs[i])),
        )
        emitReady()
      } catch (error) {
        failure ??= { error }
      }
    }
  }

  await Promise.all(Array.from({ length: Math.min(options.concurrency, chunks) }, worker))
  if (failure !== null) throw (failure as { error: unknown }).error
}
