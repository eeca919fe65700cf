/**
 * How much historical state a datadir keeps. Blocks, receipts and logs stay in every mode.
 * - archival: a persisted checkpoint at every block; historical reads never re-execute.
 * - full: a persisted checkpoint every `checkpointInterval` blocks, all kept; other blocks' state
 *   is re-executed from the nearest one.
 * - snap: like full, but only the newest `keepCheckpoints` checkpoints are kept and older state
 *   is deleted from disk.
 */
export type RetentionMode = 'archival' | 'full' | 'snap'

export const RETENTION_MODES: readonly RetentionMode[] = ['archival', 'full', 'snap']

export interface StateOptions {
  retention: RetentionMode
  /** --checkpoint-interval: blocks between persisted checkpoints (full, snap). */
  checkpointInterval: number
  /** --keep-checkpoints: how many persisted checkpoints snap keeps. */
  keepCheckpoints: number
  /** Persist a checkpoint early when unpersisted trie nodes exceed this many bytes. */
  maxPendingBytes: number
  /** --state-cache-mb: budget of the cache of re-executed historical states, in bytes. */
  stateCacheBytes: number
  /**
   * With a finality source: snap keeps `keepCheckpoints` *verified* checkpoints (at or below the
   * finalized block) and every checkpoint above them, so state is never pruned back past what is
   * final. Without one, every checkpoint counts.
   */
  countVerifiedOnly?: boolean
}

export const defaultStateOptions: StateOptions = {
  retention: 'full',
  checkpointInterval: 128,
  keepCheckpoints: 32,
  maxPendingBytes: 256 * 1024 * 1024,
  stateCacheBytes: 256 * 1024 * 1024,
}

/** Whether the block at `number` becomes a persisted checkpoint when it is stored. */
export function isCheckpointDue(options: StateOptions, number: bigint, pendingBytes: number): boolean {
  if (options.retention === 'archival') return true
  return number % BigInt(options.checkpointInterval) === 0n || pendingBytes > options.maxPendingBytes
}
