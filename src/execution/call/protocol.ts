import type { GethGenesis } from '@ethereumjs/common'
import type { CallErrorType } from './errors.js'
import type { CallInput, CallKind, CallResults } from './types.js'

/**
 * The messages between the call pool (main thread) and a call worker. A worker runs one job at
 * a time and has no store: it asks the main thread for every trie node, code blob and block hash
 * it needs, and the main thread answers from the job's state. Everything here is structured-
 * clone data (bigints and byte arrays included).
 */

/** Given to each worker at start. */
export interface CallWorkerData {
  genesis: GethGenesis
}

export interface CallJob {
  id: number
  kind: CallKind
  /** RLP of the header whose post-state and block context the call uses. */
  header: Uint8Array
  stateRoot: Uint8Array
  input: CallInput
  gasCap: bigint
}

export type JobOutcome =
  | { ok: true; value: CallResults[CallKind] }
  /** A CallError, rebuilt on the main thread. */
  | { ok: false; error: CallErrorType }
  /** Anything else that went wrong (a bug, a missing trie node): its message and stack. */
  | { ok: false; crash: string }

/** Main thread → worker. */
export type ToWorker =
  | { type: 'run'; job: CallJob }
  /** The answer to getNode; null when the node database has no such key. */
  | { type: 'node'; requestId: number; value: Uint8Array | null }
  | { type: 'blockHash'; requestId: number; hash: Uint8Array | null }

/** Worker → main thread. */
export type FromWorker =
  /** Loaded and listening: sent once, first. */
  | { type: 'ready' }
  /** A trie node or code blob by its node-database key (unprefixed hex). */
  | { type: 'getNode'; requestId: number; key: string }
  /** BLOCKHASH: the hash of the job's block's ancestor at `number`. */
  | { type: 'getBlockHash'; requestId: number; number: bigint }
  /** The job began: its time limit counts from here, not from when the worker was still loading. */
  | { type: 'started'; jobId: number }
  | { type: 'done'; jobId: number; outcome: JobOutcome }
