import type { Datadir } from '../datadir.js'
import type { Logger } from '../log.js'

/** Why finality stopped: an anchor (or the upstream's finalized block) that is not our chain. */
export interface AlarmDetails {
  source: 'anchor' | 'upstream' | 'reorg'
  /** The L2 block in question. */
  number: string
  reason: string
  ourHash?: string
  theirHash?: string
  ourStateRoot?: string
  theirStateRoot?: string
  /** Where the anchor is on L1. */
  l1Block?: string
  raisedAt: string
}

/**
 * The finality alarm: once raised, finality stays where it was, /ready fails and the metric is
 * set, across restarts, until the operator clears it (`hindsight finality clear-alarm`). A
 * verifier that found the sequencer's claims and its own re-execution disagree must not go on
 * calling anything final.
 */
export class FinalityAlarm {
  private constructor(
    private readonly datadir: Datadir,
    private readonly log: Logger,
    private details: AlarmDetails | null,
  ) {}

  static async load(datadir: Datadir, log: Logger): Promise<FinalityAlarm> {
    const details = await datadir.store.meta.getJSON<AlarmDetails>('finalityAlarm')
    if (details !== null) log.error(details, 'FINALITY ALARM (raised earlier, still set): finality is halted until an operator clears it')
    return new FinalityAlarm(datadir, log, details)
  }

  get active(): AlarmDetails | null {
    return this.details
  }

  async raise(details: Omit<AlarmDetails, 'raisedAt'>): Promise<void> {
    if (this.details !== null) return
    this.details = { ...details, raisedAt: new Date().toISOString() }
    await this.datadir.store.write([this.datadir.store.meta.putJSONOp('finalityAlarm', this.details)])
    this.log.error(this.details, 'FINALITY ALARM: finality halted until an operator clears it')
  }
}

/** Clears a raised alarm (the operator acted). Returns what was cleared. */
export async function clearFinalityAlarm(datadir: Datadir): Promise<AlarmDetails | null> {
  const details = await datadir.store.meta.getJSON<AlarmDetails>('finalityAlarm')
  if (details !== null) await datadir.store.write([datadir.store.meta.delOp('finalityAlarm')])
  return details
}
