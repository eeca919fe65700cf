import type { Logger } from '../log.js'

export interface CompareProgressOptions {
  /** Redraw one line on this terminal; otherwise log a line every `intervalMs`. */
  tty: NodeJS.WriteStream | null
  intervalMs: number
  totalBlocks: number
}

/**
 * Progress of a long comparison, on stderr so stdout stays the report: a line redrawn in place
 * on a terminal, else a structured log line every few seconds. A run shorter than one
 * interval shows nothing.
 */
export function createCompareProgress(options: CompareProgressOptions, deps: { log: Logger }) {
  const started = Date.now()
  let lastReport = started
  let drawn = false

  const render = (blocks: number, differing: number) => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001)
    const rate = blocks / seconds
    const eta = rate > 0 ? Math.round((options.totalBlocks - blocks) / rate) : undefined
    if (options.tty !== null) {
      const percent = ((blocks / options.totalBlocks) * 100).toFixed(1)
      const line = `compared ${blocks}/${options.totalBlocks} blocks (${percent}%), ${differing} differing, ${rate.toFixed(0)} blocks/s${eta !== undefined ? `, ETA ${eta}s` : ''}`
      options.tty.write(`\r${line.padEnd(90)}`)
      drawn = true
    } else {
      deps.log.info({ blocks, total: options.totalBlocks, differing, blocksPerSecond: Math.round(rate), etaSeconds: eta }, 'comparing')
    }
  }

  return {
    update(blocks: number, differing: number) {
      const now = Date.now()
      if (now - lastReport < (options.tty !== null ? 200 : options.intervalMs)) return
      lastReport = now
      render(blocks, differing)
    },
    /** Clears the terminal line, so a report line printed next starts clean. */
    clear() {
      if (!drawn) return
      options.tty?.write(`\r${' '.repeat(90)}\r`)
      drawn = false
    },
  }
}
