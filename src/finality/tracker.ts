import type { Datadir } from '../datadir.js'
import { pointerNumber } from '../storage/store.js'
import { Sleeper } from '../util/sleeper.js'
import type { Logger } from '../log.js'
import type { SyncEvent } from '../sync/events.js'
import type { FinalityAlarm } from './alarm.js'
import type { FinalityHeads, FinalitySource } from './source.js'

export interface FinalityTrackerOptions {
  /** --finality.poll-interval */
  pollIntervalMs: number
}

/**
 * Moves the datadir's `safe` and `finalized` pointers (the block tags every method resolves) as
 * the finality source vouches for more blocks: forward only, never past our verified head, and
 * finalized never above safe. Halts while the alarm is raised.
 */
export class FinalityTracker {
  private running: Promise<void> | null = null
  private stopped = false
  private readonly sleeper = new Sleeper()
  private heads: FinalityHeads = { safe: null, finalized: null }

  constructor(
    private readonly options: FinalityTrackerOptions,
    private readonly deps: { datadir: Datadir; source: FinalitySource; alarm: FinalityAlarm; log: Logger; onEvent?: (event: SyncEvent) => void },
  ) {}

  async start(): Promise<void> {
    const { store } = this.deps.datadir
    this.heads = { safe: await pointerNumber(store, 'safe'), finalized: await pointerNumber(store, 'finalized') }
    this.running ??= this.run()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.sleeper.interrupt()
    await this.running
  }

  /** One round now (tests, and the loop). */
  async pollOnce(): Promise<FinalityHeads> {
    const { datadir, source, log } = this.deps
    const polled = await source.poll(this.heads)
    const head = (await datadir.head()).number
    const cap = (n: bigint | null) => (n === null ? null : n > head ? head : n)
    let safe = maxOf(this.heads.safe, cap(polled.safe))
    const finalized = maxOf(this.heads.finalized, cap(polled.finalized))
    if (finalized !== null && (safe === null || safe < finalized)) safe = finalized
    const ops = []
    for (const [name, number] of [['safe', safe], ['finalized', finalized]] as const) {
      if (number === null || number === this.heads[name]) continue
      const hash = await datadir.store.canonical.get(number)
      if (hash === null) continue
      ops.push(datadir.store.meta.putOp(name, hash))
    }
    if (ops.length > 0) {
      await datadir.store.write(ops)
      log.info({ safe: safe?.toString(), finalized: finalized?.toString(), source: source.name, l1Head: polled.l1Head?.toString(), l1Finalized: polled.l1Finalized?.toString() }, 'finality advanced')
    }
    this.heads = { safe, finalized }
    this.deps.onEvent?.({ type: 'finality', safe, finalized, source: source.name, ...(polled.l1Head === undefined ? {} : { l1Head: polled.l1Head }), ...(polled.l1Finalized == null ? {} : { l1Finalized: polled.l1Finalized }) })
    return this.heads
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pollOnce()
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message, source: this.deps.source.name }, 'finality poll failed')
      }
      if (!this.stopped) await this.sleeper.sleep(this.options.pollIntervalMs)
    }
  }
}

function maxOf(a: bigint | null, b: bigint | null): bigint | null {
  if (a === null) return b
  if (b === null) return a
  return a > b ? a : b
}
