import type { BlockHeader } from '@ethereumjs/block'

/** What the import and sync pipelines report, as a tagged union. */
export type SyncEvent =
  | { type: 'block'; phase: 'import'; header: BlockHeader; txs: number; gasUsed: bigint }
  | { type: 'skipped'; phase: 'import'; number: bigint }
  | { type: 'done'; phase: 'import'; head: BlockHeader; imported: number; skipped: number }
