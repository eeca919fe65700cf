import type { BatchOp, Database } from '../db.js'
import { Prefix, decodeNumber, encodeNumber, key } from '../keys.js'

/** Topic position used for the "this block has at least one log" marker. */
const ANY_LOG_POSITION = 0xff
const EMPTY = new Uint8Array(0)

/** What a log filter asks for; null means wildcard. Each array is an OR-set. */
export interface LogIndexCriteria {
  addresses: Uint8Array[] | null
  topics: (Uint8Array[] | null)[]
}

export interface IndexedLog {
  address: Uint8Array
  topics: Uint8Array[]
}

/**
 * Inverted index from log address and from (topic position, topic) to the block numbers that hold
 * a matching log. Keys end in the block number, so a range of blocks is a range of keys.
 */
export class LogIndexRepository {
  constructor(private readonly db: Database) {}

  putOps(number: bigint, logs: readonly IndexedLog[]): BatchOp[] {
    return this.keysFor(number, logs).map((k) => ({ type: 'put', key: k, value: EMPTY }) as const)
  }

  delOps(number: bigint, logs: readonly IndexedLog[]): BatchOp[] {
    return this.keysFor(number, logs).map((k) => ({ type: 'del', key: k }) as const)
  }

  /**
   * Returns, in ascending order, the blocks in [from, to] that may hold a log matching the
   * criteria. Every block returned holds, for each criterion, a log matching that criterion; the
   * caller still matches each log against the whole filter.
   */
  async candidateBlocks(from: bigint, to: bigint, criteria: LogIndexCriteria): Promise<bigint[]> {
    const sets: bigint[][] = []
    if (criteria.addresses !== null) {
      sets.push(await this.union(criteria.addresses.map((address) => key(Prefix.logAddress, address)), from, to))
    }
    for (let position = 0; position < criteria.topics.length; position++) {
      const topics = criteria.topics[position]
      if (topics === null || topics === undefined) continue
      sets.push(
        await this.union(
          topics.map((topic) => key(Prefix.logTopic, Uint8Array.of(position), topic)),
          from,
          to,
        ),
      )
    }
    if (sets.length === 0) {
      return this.scan(key(Prefix.logTopic, Uint8Array.of(ANY_LOG_POSITION)), from, to)
    }
    sets.sort((a, b) => a.length - b.length)
    let result = sets[0]
    for (const other of sets.slice(1)) {
      const members = new Set(other)
      result = result.filter((n) => members.has(n))
    }
    return result
  }

  private async union(prefixes: Uint8Array[], from: bigint, to: bigint): Promise<bigint[]> {
    const all = new Set<bigint>()
    for (const prefix of prefixes) for (const n of await this.scan(prefix, from, to)) all.add(n)
    return [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  }

  private async scan(prefix: Uint8Array, from: bigint, to: bigint): Promise<bigint[]> {
    const numbers: bigint[] = []
    const offset = prefix.length
    for await (const k of this.db.keys({ gte: concat(prefix, encodeNumber(from)), lte: concat(prefix, encodeNumber(to)) })) {
      numbers.push(decodeNumber(k, offset))
    }
    return numbers
  }

  private keysFor(number: bigint, logs: readonly IndexedLog[]): Uint8Array[] {
    if (logs.length === 0) return []
    const n = encodeNumber(number)
    const unique = new Map<string, Uint8Array>()
    const add = (k: Uint8Array) => unique.set(Buffer.from(k).toString('hex'), k)
    add(key(Prefix.logTopic, Uint8Array.of(ANY_LOG_POSITION), n))
    for (const log of logs) {
      add(key(Prefix.logAddress, log.address, n))
      log.topics.forEach((topic, position) => add(key(Prefix.logTopic, Uint8Array.of(position), topic, n)))
    }
    return [...unique.values()]
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
