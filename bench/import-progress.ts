/** When a side had finished a given number of blocks, in milliseconds on the side's clock. */
export interface BlockProgress {
  time: number
  blocks: number
}

/** The shares of a side's blocks at which bench:import reports its RSS and tx/s. */
export const QUARTERS = [0.25, 0.5, 0.75, 1] as const

/**
 * Fewer progress reports than this and the moments between them say nothing about a trend (a
 * short import reports only its start and end), so the per-quarter rates are left out.
 */
const MIN_REPORTS_FOR_RATES = 8

/** When `blocks` blocks were done, interpolated linearly between progress reports; null past the last. */
export function timeOfBlock(progress: BlockProgress[], blocks: number): number | null {
  const after = progress.findIndex((p) => p.blocks >= blocks)
  if (after === -1) return null
  if (after === 0) return progress[0].time
  const a = progress[after - 1]
  const b = progress[after]
  return a.time + ((b.time - a.time) * (blocks - a.blocks)) / (b.blocks - a.blocks)
}

/**
 * tx/s over each quarter of the first `blocks` blocks (QUARTERS), `txs[i]` being block i + 1's
 * transactions: whether a side keeps its pace as the state grows. null where the reports are too
 * few to tell.
 */
export function txRateByQuarter(progress: BlockProgress[], txs: number[], blocks: number): (number | null)[] {
  let from = 0
  return QUARTERS.map((quarter) => {
    const to = Math.round(quarter * blocks)
    const start = timeOfBlock(progress, from)
    const end = timeOfBlock(progress, to)
    let count = 0
    for (let i = from; i < to; i++) count += txs[i]
    from = to
    if (progress.length < MIN_REPORTS_FOR_RATES || start === null || end === null || end <= start) return null
    return count / ((end - start) / 1000)
  })
}
