import { readFileSync } from 'node:fs'
import { type BlockProgress, QUARTERS, timeOfBlock } from './import-progress.js'

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
   * RSS in MiB when the side had done each quarter of `totalBlocks` (QUARTERS): the last sample
   * taken at or before that moment, the moment interpolated between the progress reports around
   * it (hindsight's import reports every 5 s). `progress` is on Date.now()'s clock. null where
   * nothing was sampled by then.
   */
  atQuarters(progress: BlockProgress[], totalBlocks: number): (number | null)[] {
    return QUARTERS.map((quarter) => {
      const time = timeOfBlock(progress, Math.round(quarter * totalBlocks))
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
