import { bytesToHex } from '@ethereumjs/util'
import type { LogRecord } from '../chain/receipts.js'
import type { LogIndexCriteria } from '../storage/repositories/log-index.js'

/** A tag a client may name as a range end; the query resolves it against the stored chain. */
export type LogRangeTag = 'earliest' | 'latest' | 'pending' | 'safe' | 'finalized' | 'soft'

/** One end of a block range, as the client named it. */
export type LogRangeBound = { kind: 'number'; number: bigint } | { kind: 'tag'; tag: LogRangeTag }

/** Which blocks a log query reads: an inclusive range, or one block by hash (canonical or not). */
export type LogBlocks = { kind: 'range'; from: LogRangeBound; to: LogRangeBound } | { kind: 'hash'; hash: Uint8Array }

/**
 * What eth_getLogs asks for, after parsing. Sets are OR-sets; `null` is a wildcard. As in geth,
 * a log matches only if it has at least as many topics as the filter has positions, even when
 * the trailing positions are wildcards.
 */
export interface LogFilter {
  blocks: LogBlocks
  /** Emitting contracts, or null for any. Never an empty array: that would match nothing. */
  addresses: Uint8Array[] | null
  /** Per topic position, the accepted topics, or null for any topic there. */
  topics: (Uint8Array[] | null)[]
}

export const LATEST: LogRangeBound = { kind: 'tag', tag: 'latest' }

/** The index criteria for a filter: the same sets, which the index turns into candidate blocks. */
export function indexCriteria(filter: LogFilter): LogIndexCriteria {
  return { addresses: filter.addresses, topics: filter.topics }
}

/** Compiles a filter into a predicate over one log (address and topics; blocks are chosen elsewhere). */
export function createLogMatcher(filter: LogFilter): (log: LogRecord) => boolean {
  const addresses = filter.addresses === null ? null : new Set(filter.addresses.map(bytesToHex))
  const topics = filter.topics.map((set) => (set === null ? null : new Set(set.map(bytesToHex))))
  return (log) => {
    if (addresses !== null && !addresses.has(bytesToHex(log.address))) return false
    if (topics.length > log.topics.length) return false
    for (let i = 0; i < topics.length; i++) {
      const set = topics[i]
      if (set !== null && !set.has(bytesToHex(log.topics[i]))) return false
    }
    return true
  }
}
