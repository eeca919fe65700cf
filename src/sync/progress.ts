import type { Logger } from '../log.js'
import type { SyncEvent } from './events.js'

export interface ProgressOptions {
  /** Draw a bar on this stream (a TTY); otherwise log a line every `intervalMs`. */
  tty: NodeJS.WriteStream | null
  intervalMs: number
  /** Total blocks expected, for the ETA, when known. */
  totalBlocks?: number
}

/** Reports import progress: blocks, txs, Mgas/s and ETA. */
export function createProgressReporter(options: ProgressOptions, deps: { log: Logger }) {
  const started = Date.now()
  let blocks = 0
  let skipped = 0
  let txs = 0
  let gas = 0n
  let head = 0n
  let lastReport = 0

  const render = (final: boolean) => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001)
    const mgasps = Number(gas) / 1e6 / seconds
    const done = blocks + skipped
    const eta =
      options.totalBlocks !== undefined && blocks > 0
        ? Math.max(0, ((options.totalBlocks - done) * seconds) / Math.max(blocks, 1))
        : undefined
    if (options.tty !== null) {
      const total = options.totalBlocks
      const width = 30
      const filled = total ? Math.min(width, Math.round((done / total) * width)) : 0
      const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : ''
      const line = `${bar}block ${head}  ${blocks} imported${skipped ? `, ${skipped} known` : ''}  ${txs} txs  ${mgasps.toFixed(2)} Mgas/s${eta !== undefined ? `  ETA ${eta.toFixed(0)}s` : ''}`
      options.tty.write(`\r${line.padEnd(100)}${final ? '\n' : ''}`)
    } else {
      deps.log.info(
        { number: head.toString(), blocks, skipped, txs, mgasps: Number(mgasps.toFixed(2)), etaSeconds: eta !== undefined ? Math.round(eta) : undefined },
        final ? 'import finished' : 'importing',
      )
    }
  }

  return {
    onEvent(event: SyncEvent) {
      switch (event.type) {
        case 'block':
          blocks++
          txs += event.txs
          gas += event.gasUsed
          head = event.header.number
          break
        case 'skipped':
          skipped++
          head = event.number
          break
        case 'done':
          head = event.head.number
          render(true)
          return
      }
      const now = Date.now()
      const interval = options.tty !== null ? 200 : options.intervalMs
      // the first block imported after known ones were skipped is reported at once: the moment a
      // resumed import gets past what it had
      const firstImported = event.type === 'block' && blocks === 1 && skipped > 0
      if (now - lastReport >= interval || firstImported) {
        lastReport = now
        render(false)
      }
    },
  }
}
