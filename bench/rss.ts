import { readFileSync } from 'node:fs'

/** When a side had finished a given number of blocks (its own clock: Date.now()). */
export interface BlockProgress {
  time: number
  blocks: number
}

/** The shares of a side's blocks at which bench:import reports its RSS. */
export const RSS_FRACTIONS = [0.25, 0.5, 0.75, 1] as const

/**
 * Samples another process's resident set size (VmRSS in /proc/PID/status) every `intervalMs`,
 * from outside, so a side busy on its main thread is sampled on time and anvil can be sampled at
 * all. Linux only; elsewhere it samples nothing and the RSS columns say "n/a".
 */
export class RssSampler {
  private readonly samples: { time: number; kiB: number }[] = []
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
    this.sample()
    this.timer = setInterval(() => this.sample(), intervalMs)
  }

  /** VmHWM: the process's peak RSS so far, in MiB, or null once it has exited. */
  peakMiB(): number | null {
    const kiB = statusField(this.pid, 'VmHWM')
    return kiB === null ? null : kiB / 1024
  }

  /** Stops sampling (call it before the process exits, or its last samples are lost). */
  stop(): void {
    this.sample()
    clearInterval(this.timer)
  }

  /**
   * RSS in MiB when the side had done each fraction of `totalBlocks` (RSS_FRACTIONS): the last
   * sample taken at or before that moment, the moment interpolated between the progress reports
   * around it (hindsight's import reports every 5 s). null where nothing was sampled by then.
   */
  atFractions(progress: BlockProgress[], totalBlocks: number): (number | null)[] {
    return RSS_FRACTIONS.map((fraction) => {
      const time = timeOfBlock(progress, fraction * totalBlocks)
      if (time === null) return null
      let kiB: number | null = null
      for (const sample of this.samples) if (sample.time <= time) kiB = sample.kiB
      return kiB === null ? null : kiB / 1024
    })
  }

  private sample(): void {
    const kiB = statusField(this.pid, 'VmRSS')
    if (kiB !== null) this.samples.push({ time: Date.now(), kiB })
  }
}

/** When `blocks` blocks were done, interpolated linearly between progress reports (sorted by time). */
function timeOfBlock(progress: BlockProgress[], blocks: number): number | null {
  const after = progress.findIndex((p) => p.blocks >= blocks)
  if (after === -1) return null
  if (after === 0) return progress[0].time
  const a = progress[after - 1]
  const b = progress[after]
  return a.time + ((b.time - a.time) * (blocks - a.blocks)) / (b.blocks - a.blocks)
}

/** A "kB" field of /proc/PID/status, or null when the process (or /proc) is not there. */
function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return null
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match === null ? null : Number(match[1])
}
