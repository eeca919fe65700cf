import type { BlockHeader } from '@ethereumjs/block'
import type { PeerStatus } from './upstream/peers.js'

/** Where a block came from: a chain file (`import`) or an upstream sequencer (`live`). */
export type SyncPhase = 'import' | 'live'

/** What the import and sync pipelines report, as a tagged union. */
export type SyncEvent =
  | { type: 'block'; phase: SyncPhase; header: BlockHeader; txs: number; gasUsed: bigint; remoteHead?: bigint }
  | { type: 'skipped'; phase: 'import'; number: bigint }
  | { type: 'done'; phase: 'import'; head: BlockHeader; imported: number; skipped: number }
  /** Our head moved back to `ancestor`; `dropped` are the hashes of the blocks unwound, newest first. */
  | { type: 'reorg'; phase: 'live'; ancestor: bigint; depth: number; dropped: Uint8Array[]; oldHead: bigint; url: string }
  | ({ type: 'peer' } & PeerStatus)
  /** The head we know the upstreams have, and ours. */
  | { type: 'tip'; phase: 'live'; localHead: bigint; remoteHead: bigint | null }
  | { type: 'error'; phase: SyncPhase; reason: string; code: string; url?: string; number?: bigint }
  /** The safe and finalized heads after a finality poll (and L1's heads, for the anchor source). */
  | { type: 'finality'; safe: bigint | null; finalized: bigint | null; source: string; l1Head?: bigint; l1Finalized?: bigint }
