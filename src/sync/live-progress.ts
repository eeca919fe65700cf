import type { Logger } from '../log.js'
import type { SyncEvent } from './events.js'

/**
 * One log line every `intervalMs` while live sync imports blocks: our head, the upstreams',
 * the lag, and blocks / txs / Mgas per second since the last line. Reorgs and bans are logged
 * where they happen.
 */
export function createLiveProgress(options: { intervalMs: number }, deps: { log: Logger }) {
  let blocks = 0
  let txs = 0
  let gas = 0n
  let local: bigint | null = null
  let remote: bigint | null = null
  let since = Date.now()

  return {
    onEvent(event: SyncEvent) {
      if (event.type === 'tip') {
        local = event.localHead
        remote = event.remoteHead
      } else if (event.type === 'block' && event.phase === 'live') {
        blocks++
        txs += event.txs
        gas += event.gasUsed
        local = event.header.number
        if (event.remoteHead !== undefined && (remote === null || event.remoteHead > remote)) remote = event.remoteHead
      } else {
        return
      }
      const now = Date.now()
      if (now - since < options.intervalMs || blocks === 0) return
      const seconds = (now - since) / 1000
      deps.log.info(
        {
          number: local?.toString(),
          remote: remote?.toString(),
          lag: local !== null && remote !== null && remote > local ? (remote - local).toString() : '0',
          blocks,
          txs,
          bps: Number((blocks / seconds).toFixed(2)),
          tps: Number((txs / seconds).toFixed(1)),
          mgasps: Number((Number(gas) / 1e6 / seconds).toFixed(2)),
        },
        'following',
      )
      blocks = 0
      txs = 0
      gas = 0n
      since = now
    },
  }
}
