import type { BlockHeader } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import type { LogRecord, StoredReceipt } from '../chain/receipts.js'
import { DatadirError, LogQueryError } from '../errors.js'
import type { LogIndexRepository } from '../storage/repositories/log-index.js'
import type { CanonicalRepository } from '../storage/repositories/canonical.js'
import { type LogFilter, type LogRangeBound, createLogMatcher, indexCriteria } from './filter.js'

/** The limits one query runs under; 0 turns a limit off. */
export interface LogQueryLimits {
  /** Most blocks a range may span, both ends included. */
  maxRange: number
  /** Most logs one answer may hold. */
  maxResults: number
}

/** Where a log sits: its block, transaction, and index within the block. */
export interface LogPosition {
  blockHash: Uint8Array
  blockNumber: bigint
  blockTimestamp: bigint
  transactionHash: Uint8Array
  transactionIndex: number
  /** Counted across the whole block, as geth does. */
  logIndex: number
}

/** A matching log with where it sits, as eth_getLogs reports it. */
export interface MatchedLog extends LogPosition {
  log: LogRecord
}

export interface LogQueryDeps {
  canonical: CanonicalRepository
  logIndex: LogIndexRepository
  head(): Promise<BlockHeader>
  /** The number of the safe / finalized block, or null while none is set. */
  taggedNumber(tag: 'safe' | 'finalized'): Promise<bigint | null>
  headerByHash(hash: Uint8Array): Promise<BlockHeader | null>
  receipts(hash: Uint8Array): Promise<StoredReceipt[] | null>
  transactionHashes(hash: Uint8Array): Promise<Uint8Array[] | null>
}

/**
 * Runs a log query over the stored chain: the log index names the candidate blocks of a range
 * (no block outside it is read), then each candidate's receipts are matched log by log against
 * the whole filter. Returns the logs in chain order. Throws LogQueryError for the refusals geth
 * makes (unknown block, reversed or future range, pending) and for the limits.
 */
export async function queryLogs(filter: LogFilter, limits: LogQueryLimits, deps: LogQueryDeps): Promise<MatchedLog[]> {
  const collector = createCollector(filter, limits, deps)
  if (filter.blocks.kind === 'hash') {
    const header = await deps.headerByHash(filter.blocks.hash)
    if (header === null) throw new LogQueryError({ code: 'UNKNOWN_BLOCK', hash: bytesToHex(filter.blocks.hash) })
    await collector.block(filter.blocks.hash, header)
    return collector.logs
  }
  const { from, to } = await resolveRange(filter.blocks.from, filter.blocks.to, deps)
  const blocks = to - from + 1n
  if (limits.maxRange > 0 && blocks > BigInt(limits.maxRange)) {
    throw new LogQueryError({ code: 'RANGE_TOO_WIDE', blocks, max: limits.maxRange })
  }
  for (const number of await deps.logIndex.candidateBlocks(from, to, indexCriteria(filter))) {
    // The index is keyed by number; a block it names that is no longer canonical is skipped.
    const hash = await deps.canonical.get(number)
    if (hash === null) continue
    const header = await deps.headerByHash(hash)
    if (header === null) throw new DatadirError({ code: 'CORRUPT', reason: `canonical block ${number} has no header` })
    await collector.block(hash, header)
  }
  return collector.logs
}

/**
 * Resolves a range's ends to block numbers, refusing as geth does: a reversed pair of numbers,
 * `pending`, an explicit end past the head, then a start past the resolved end.
 */
async function resolveRange(from: LogRangeBound, to: LogRangeBound, deps: LogQueryDeps): Promise<{ from: bigint; to: bigint }> {
  if (from.kind === 'number' && to.kind === 'number' && from.number > to.number) {
    throw new LogQueryError({ code: 'INVALID_BLOCK_RANGE', from: from.number, to: to.number })
  }
  if (isPending(from) || isPending(to)) throw new LogQueryError({ code: 'PENDING_UNSUPPORTED' })
  const head = (await deps.head()).number
  const first = await resolveBound(from, head, deps)
  const last = await resolveBound(to, head, deps)
  if (last > head) throw new LogQueryError({ code: 'BEYOND_HEAD', to: last, head })
  if (first > last) throw new LogQueryError({ code: 'INVALID_BLOCK_RANGE', from: first, to: last })
  return { from: first, to: last }
}

function isPending(bound: LogRangeBound): boolean {
  return bound.kind === 'tag' && bound.tag === 'pending'
}

async function resolveBound(bound: LogRangeBound, head: bigint, deps: LogQueryDeps): Promise<bigint> {
  if (bound.kind === 'number') return bound.number
  switch (bound.tag) {
    case 'earliest':
      return 0n
    case 'latest':
    case 'soft':
    case 'pending':
      return head
    case 'safe':
    case 'finalized': {
      const number = await deps.taggedNumber(bound.tag)
      if (number === null) throw new LogQueryError({ code: 'TAG_NOT_FOUND', tag: bound.tag })
      return number
    }
  }
}

/** Accumulates the matching logs of one block after another, enforcing the result limit as it goes. */
function createCollector(filter: LogFilter, limits: LogQueryLimits, deps: LogQueryDeps) {
  const matches = createLogMatcher(filter)
  const logs: MatchedLog[] = []
  return {
    logs,
    async block(hash: Uint8Array, header: BlockHeader): Promise<void> {
      const receipts = await deps.receipts(hash)
      if (receipts === null) throw new DatadirError({ code: 'CORRUPT', reason: `block ${bytesToHex(hash)} has no receipts` })
      let txHashes: Uint8Array[] | null = null
      let logIndex = 0
      for (let transactionIndex = 0; transactionIndex < receipts.length; transactionIndex++) {
        for (const log of receipts[transactionIndex].logs) {
          if (matches(log)) {
            txHashes ??= await deps.transactionHashes(hash)
            if (txHashes === null || txHashes.length !== receipts.length) {
              throw new DatadirError({ code: 'CORRUPT', reason: `block ${bytesToHex(hash)}: body and receipts disagree` })
            }
            logs.push({
              log,
              blockHash: hash,
              blockNumber: header.number,
              blockTimestamp: header.timestamp,
              transactionHash: txHashes[transactionIndex],
              transactionIndex,
              logIndex,
            })
            if (limits.maxResults > 0 && logs.length > limits.maxResults) {
              throw new LogQueryError({ code: 'TOO_MANY_RESULTS', max: limits.maxResults })
            }
          }
          logIndex++
        }
      }
    },
  }
}
