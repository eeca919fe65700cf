import { type BatchOp, type Database, openDatabase } from './db.js'
import { Prefix } from './keys.js'
import { AnchorRepository } from './repositories/anchors.js'
import { BlockNumberRepository } from './repositories/block-numbers.js'
import { ByBlockHashRepository } from './repositories/by-block-hash.js'
import { CanonicalRepository } from './repositories/canonical.js'
import { CheckpointRepository } from './repositories/checkpoints.js'
import { LogIndexRepository } from './repositories/log-index.js'
import { MetaRepository } from './repositories/meta.js'
import { StateChangesRepository } from './repositories/state-changes.js'
import { TrieNodeRepository } from './repositories/trie-nodes.js'
import { TxLookupRepository } from './repositories/tx-lookup.js'

/** The embedded store: one LevelDB, one repository per key prefix (see keys.ts). */
export interface Store {
  readonly db: Database
  readonly meta: MetaRepository
  readonly canonical: CanonicalRepository
  readonly blockNumbers: BlockNumberRepository
  readonly headers: ByBlockHashRepository
  readonly bodies: ByBlockHashRepository
  readonly senders: ByBlockHashRepository
  readonly receipts: ByBlockHashRepository
  readonly stateChanges: StateChangesRepository
  readonly txLookup: TxLookupRepository
  readonly logIndex: LogIndexRepository
  readonly trieNodes: TrieNodeRepository
  readonly checkpoints: CheckpointRepository
  readonly anchors: AnchorRepository
  /** Applies the operations in one atomic LevelDB batch. */
  write(ops: BatchOp[]): Promise<void>
  close(): Promise<void>
}

/** The block number a meta pointer (`safe`, `finalized`) names, or null while it is unset. */
export async function pointerNumber(store: Store, name: 'safe' | 'finalized'): Promise<bigint | null> {
  const hash = await store.meta.get(name)
  return hash === null ? null : await store.blockNumbers.get(hash)
}

export async function openStore(path: string): Promise<Store> {
  const db = await openDatabase(path)
  return {
    db,
    meta: new MetaRepository(db),
    canonical: new CanonicalRepository(db),
    blockNumbers: new BlockNumberRepository(db),
    headers: new ByBlockHashRepository(db, Prefix.header),
    bodies: new ByBlockHashRepository(db, Prefix.body),
    senders: new ByBlockHashRepository(db, Prefix.senders),
    receipts: new ByBlockHashRepository(db, Prefix.receipts),
    stateChanges: new StateChangesRepository(db),
    txLookup: new TxLookupRepository(db),
    logIndex: new LogIndexRepository(db),
    trieNodes: new TrieNodeRepository(db),
    checkpoints: new CheckpointRepository(db),
    anchors: new AnchorRepository(db),
    write: (ops) => db.batch(ops),
    close: () => db.close(),
  }
}
