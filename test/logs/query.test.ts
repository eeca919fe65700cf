import type { BlockHeader } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { LogRecord, StoredReceipt } from '../../src/chain/receipts.js'
import { LogQueryError } from '../../src/errors.js'
import { type LogBlocks, type LogFilter, type LogRangeBound } from '../../src/logs/filter.js'
import { type LogQueryDeps, type LogQueryLimits, type MatchedLog, queryLogs } from '../../src/logs/query.js'
import { type Store, openStore } from '../../src/storage/store.js'
import { tempDir } from '../helpers/node.js'

/**
 * queryLogs over a real LevelDB: a synthetic chain whose canonical numbers and log index are
 * written with the store's repositories; headers, receipts and transaction hashes come from
 * memory, so the test sees which blocks the query reads.
 */

const HEAD = 40
const address = (n: number) => new Uint8Array(20).fill(n)
const topic = (n: number) => new Uint8Array(32).fill(n)
const blockHash = (n: number, fork = 0) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xb0 + fork : i === 31 ? n : 0))
const txHash = (n: number, i: number) => Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? 0x70 : j === 30 ? n : j === 31 ? i : 0))

const A = 0xa1
const B = 0xb2
const C = 0xc3

/** Deterministic logs: most blocks have a few transactions with 0..4 topics from a small pool. */
function receiptsOf(n: number): StoredReceipt[] {
  if (n === 0 || n % 7 === 0) return [] // genesis and every 7th block: no transactions
  const receipts: StoredReceipt[] = []
  for (let tx = 0; tx < 1 + (n % 3); tx++) {
    const logs: LogRecord[] = []
    for (let l = 0; l < (n + tx) % 4; l++) {
      const from = [A, B, A, C][(n + tx + l) % 4]
      const count = (n * 3 + tx + l) % 5
      const topics = Array.from({ length: count }, (_, p) => topic(1 + ((n + p * 2 + l) % 4)))
      logs.push({ address: address(from), topics, data: Uint8Array.of(n, tx, l) })
    }
    receipts.push({ type: 2, status: 1, root: null, cumulativeGasUsed: 21000n, logsBloom: new Uint8Array(256), logs })
  }
  return receipts
}

const header = (number: number) => ({ number: BigInt(number), timestamp: BigInt(1000 + 12 * number) }) as BlockHeader

describe('queryLogs', () => {
  const dir = tempDir()
  let store: Store
  const headers = new Map<string, BlockHeader>()
  const receipts = new Map<string, StoredReceipt[]>()
  const txHashes = new Map<string, Uint8Array[]>()
  let receiptReads: number[] = []
  let safe: bigint | null = null
  let deps: LogQueryDeps

  beforeAll(async () => {
    store = await openStore(dir.path)
    for (let n = 0; n <= HEAD; n++) {
      const hash = blockHash(n)
      const blockReceipts = receiptsOf(n)
      headers.set(bytesToHex(hash), header(n))
      receipts.set(bytesToHex(hash), blockReceipts)
      txHashes.set(bytesToHex(hash), blockReceipts.map((_, i) => txHash(n, i)))
      const logs = blockReceipts.flatMap((r) => r.logs.map(({ address, topics }) => ({ address, topics })))
      await store.write([store.canonical.putOp(BigInt(n), hash), ...store.logIndex.putOps(BigInt(n), logs)])
    }
    // a stored block that lost its place in the chain: reachable by hash only
    const side = blockHash(5, 1)
    headers.set(bytesToHex(side), header(5))
    receipts.set(bytesToHex(side), [{ ...receiptsOf(5)[0], logs: [{ address: address(C), topics: [topic(9)], data: new Uint8Array() }] }])
    txHashes.set(bytesToHex(side), [txHash(99, 0)])

    deps = {
      canonical: store.canonical,
      logIndex: store.logIndex,
      head: async () => header(HEAD),
      taggedNumber: async () => safe,
      headerByHash: async (hash) => headers.get(bytesToHex(hash)) ?? null,
      receipts: async (hash) => {
        const h = headers.get(bytesToHex(hash))
        if (h !== undefined) receiptReads.push(Number(h.number))
        return receipts.get(bytesToHex(hash)) ?? null
      },
      transactionHashes: async (hash) => txHashes.get(bytesToHex(hash)) ?? null,
    }
  })

  beforeEach(() => {
    receiptReads = []
    safe = null
  })

  afterAll(async () => {
    await store?.close()
    dir.remove()
  })

  const NO_LIMITS: LogQueryLimits = { maxRange: 0, maxResults: 0 }
  const num = (n: number): LogRangeBound => ({ kind: 'number', number: BigInt(n) })
  const tag = (t: 'earliest' | 'latest' | 'pending' | 'safe' | 'finalized' | 'soft'): LogRangeBound => ({ kind: 'tag', tag: t })
  const range = (from: LogRangeBound, to: LogRangeBound): LogBlocks => ({ kind: 'range', from, to })

  function filter(blocks: LogBlocks, addresses: number[] | null = null, topics: (number[] | null)[] = []): LogFilter {
    return {
      blocks,
      addresses: addresses === null ? null : addresses.map(address),
      topics: topics.map((set) => (set === null ? null : set.map(topic))),
    }
  }

  /** What the query must return, by walking every block: the reference the index must agree with. */
  function reference(from: number, to: number, addresses: number[] | null, topics: (number[] | null)[]) {
    const out: string[] = []
    for (let n = from; n <= to; n++) {
      let logIndex = 0
      receiptsOf(n).forEach((receipt, tx) => {
        for (const log of receipt.logs) {
          const addressOk = addresses === null || addresses.some((a) => log.address[0] === a)
          const topicsOk =
            topics.length <= log.topics.length && topics.every((set, p) => set === null || set.some((t) => log.topics[p][0] === t))
          if (addressOk && topicsOk) out.push(describeLog(n, tx, logIndex, log))
          logIndex++
        }
      })
    }
    return out
  }

  const describeLog = (n: number, tx: number, logIndex: number, log: LogRecord) =>
    `${n}/${tx}/${logIndex} ${log.address[0]} [${log.topics.map((t) => t[0]).join(',')}]`
  const describeMatches = (logs: MatchedLog[]) => logs.map((m) => describeLog(Number(m.blockNumber), m.transactionIndex, m.logIndex, m.log))

  const cases: [string, number[] | null, (number[] | null)[]][] = [
    ['anything', null, []],
    ['one address', [A], []],
    ['several addresses', [B, C], []],
    ['one topic in position 0', null, [[1]]],
    ['a wildcard, then a topic', null, [null, [2]]],
    ['OR-sets in two positions', null, [[1, 3], [2, 4]]],
    ['two wildcards: logs with at least two topics', null, [null, null]],
    ['four wildcards', null, [null, null, null, null]],
    ['address and topics together', [A, C], [[2, 3], null, [4]]],
    ['a topic no log has', null, [[42]]],
  ]

  for (const [name, addresses, topics] of cases) {
    it(`agrees with a walk over every block: ${name}`, async () => {
      for (const [from, to] of [
        [0, HEAD],
        [3, 17],
        [9, 9],
      ]) {
        const logs = await queryLogs(filter(range(num(from), num(to)), addresses, topics), NO_LIMITS, deps)
        expect(describeMatches(logs), `${from}..${to}`).toEqual(reference(from, to, addresses, topics))
      }
    })
  }

  it('reads only the receipts of the blocks the index names', async () => {
    const logs = await queryLogs(filter(range(num(0), num(HEAD)), [C], [[3]]), NO_LIMITS, deps)
    const withMatch = new Set(logs.map((m) => Number(m.blockNumber)))
    expect(withMatch.size).toBeGreaterThan(0)
    expect(receiptReads.length).toBeLessThan(HEAD / 2)
    for (const n of withMatch) expect(receiptReads).toContain(n)
    // blocks without any log are never read, even for the widest query
    receiptReads = []
    await queryLogs(filter(range(num(0), num(HEAD))), NO_LIMITS, deps)
    expect(receiptReads.filter((n) => n % 7 === 0)).toEqual([])
  })

  it('reports positions: block hash, number, timestamp, transaction hash and index, log index per block', async () => {
    const [first, ...rest] = await queryLogs(filter(range(num(10), num(10))), NO_LIMITS, deps)
    expect(rest.length).toBeGreaterThan(0)
    expect({ ...first, log: undefined, blockHash: bytesToHex(first.blockHash), transactionHash: bytesToHex(first.transactionHash) }).toEqual({
      log: undefined,
      blockHash: bytesToHex(blockHash(10)),
      blockNumber: 10n,
      blockTimestamp: 1120n,
      transactionHash: bytesToHex(txHash(10, first.transactionIndex)),
      transactionIndex: first.transactionIndex,
      logIndex: 0,
    })
    expect([first, ...rest].map((m) => m.logIndex)).toEqual([first, ...rest].map((_, i) => i))
  })

  it('answers a block-hash query from that block alone, canonical or not', async () => {
    const logs = await queryLogs(filter({ kind: 'hash', hash: blockHash(10) }, null, [null]), NO_LIMITS, deps)
    expect(describeMatches(logs)).toEqual(reference(10, 10, null, [null]))
    expect(receiptReads).toEqual([10])

    const side = await queryLogs(filter({ kind: 'hash', hash: blockHash(5, 1) }), NO_LIMITS, deps)
    expect(side.map((m) => [m.blockNumber, bytesToHex(m.transactionHash)])).toEqual([[5n, bytesToHex(txHash(99, 0))]])
  })

  it('refuses an unknown block hash', async () => {
    await expectRefusal(filter({ kind: 'hash', hash: blockHash(200) }), 'UNKNOWN_BLOCK', 'unknown block')
  })

  it('resolves tags: latest and soft to the head, earliest to 0, safe / finalized to their block', async () => {
    const at = async (from: LogRangeBound, to: LogRangeBound) =>
      [...new Set((await queryLogs(filter(range(from, to)), NO_LIMITS, deps)).map((m) => Number(m.blockNumber)))]
    expect(await at(tag('latest'), tag('latest'))).toEqual([HEAD])
    expect(await at(tag('soft'), tag('soft'))).toEqual([HEAD])
    expect(await at(tag('earliest'), num(2))).toEqual([1, 2])
    safe = 38n
    expect(await at(tag('safe'), tag('latest'))).toEqual([38, 39, 40].filter((n) => receiptsOf(n).some((r) => r.logs.length > 0)))
    expect(await at(num(37), tag('finalized'))).toEqual([37, 38].filter((n) => receiptsOf(n).some((r) => r.logs.length > 0)))
  })

  it('refuses a safe or finalized end before one is set', async () => {
    await expectRefusal(filter(range(tag('safe'), tag('latest'))), 'TAG_NOT_FOUND', 'safe header not found')
    await expectRefusal(filter(range(num(1), tag('finalized'))), 'TAG_NOT_FOUND', 'finalized header not found')
  })

  it('refuses reversed, future and pending ranges with geth texts', async () => {
    await expectRefusal(filter(range(num(9), num(3))), 'INVALID_BLOCK_RANGE', 'invalid block range params')
    // reversed wins over "beyond head", as in geth, which checks the numbers first
    await expectRefusal(filter(range(num(HEAD + 9), num(HEAD + 3))), 'INVALID_BLOCK_RANGE', 'invalid block range params')
    await expectRefusal(filter(range(num(HEAD - 1), num(HEAD + 1))), 'BEYOND_HEAD', 'block range extends beyond current head block')
    await expectRefusal(filter(range(num(HEAD + 1), num(HEAD + 2))), 'BEYOND_HEAD', 'block range extends beyond current head block')
    await expectRefusal(filter(range(num(HEAD + 1), tag('latest'))), 'INVALID_BLOCK_RANGE', 'invalid block range params')
    await expectRefusal(filter(range(tag('latest'), num(3))), 'INVALID_BLOCK_RANGE', 'invalid block range params')
    await expectRefusal(filter(range(tag('pending'), tag('latest'))), 'PENDING_UNSUPPORTED', 'pending logs are not supported')
    await expectRefusal(filter(range(num(1), tag('pending'))), 'PENDING_UNSUPPORTED', 'pending logs are not supported')
  })

  it('limits the range width, both ends counted', async () => {
    const limits = { maxRange: 10, maxResults: 0 }
    await queryLogs(filter(range(num(1), num(10))), limits, deps)
    await expectRefusal(filter(range(num(1), num(11))), 'RANGE_TOO_WIDE', 'query exceeds max block range 10; narrow fromBlock/toBlock', limits)
    await expectRefusal(filter(range(tag('earliest'), tag('latest'))), 'RANGE_TOO_WIDE', undefined, limits)
    // a block-hash query is one block, whatever the limit
    await queryLogs(filter({ kind: 'hash', hash: blockHash(3) }), { maxRange: 1, maxResults: 0 }, deps)
  })

  it('limits the results, and stops reading once past the limit', async () => {
    const all = reference(0, HEAD, null, []).length
    expect((await queryLogs(filter(range(num(0), num(HEAD))), { maxRange: 0, maxResults: all }, deps)).length).toBe(all)
    receiptReads = []
    await expectRefusal(
      filter(range(num(0), num(HEAD))),
      'TOO_MANY_RESULTS',
      'query returned more than 5 results; narrow the block range or add address/topic filters',
      { maxRange: 0, maxResults: 5 },
    )
    expect(Math.max(...receiptReads)).toBeLessThan(10)
  })

  async function expectRefusal(query: LogFilter, code: string, message?: string, limits: LogQueryLimits = NO_LIMITS) {
    const err = await queryLogs(query, limits, deps).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(LogQueryError)
    expect((err as LogQueryError).code).toBe(code)
    if (message !== undefined) expect((err as LogQueryError).message).toBe(message)
  }
})
