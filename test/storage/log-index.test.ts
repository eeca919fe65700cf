import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IndexedLog } from '../../src/storage/repositories/log-index.js'
import { type Store, openStore } from '../../src/storage/store.js'
import { tempDir } from '../helpers/node.js'

const address = (n: number) => new Uint8Array(20).fill(n)
const topic = (n: number) => new Uint8Array(32).fill(n)

const A = address(0xaa)
const B = address(0xbb)
const C = address(0xcc)
const T1 = topic(0x01)
const T2 = topic(0x02)
const T3 = topic(0x03)

/** Block number -> its logs; blocks not listed have none. */
const CHAIN: Record<number, IndexedLog[]> = {
  1: [{ address: A, topics: [T1] }],
  2: [{ address: B, topics: [T2, T1] }],
  3: [
    { address: A, topics: [T1, T2] },
    { address: A, topics: [T1, T2] },
  ],
  5: [{ address: C, topics: [] }],
  7: [
    { address: A, topics: [T3] },
    { address: B, topics: [T1, T3] },
  ],
  300: [{ address: A, topics: [T1] }],
}

describe('LogIndexRepository', () => {
  const dir = tempDir()
  let store: Store

  beforeAll(async () => {
    store = await openStore(dir.path)
    for (const [number, logs] of Object.entries(CHAIN)) await store.write(store.logIndex.putOps(BigInt(number), logs))
  })

  afterAll(async () => {
    await store?.close()
    dir.remove()
  })

  const candidates = (from: number, to: number, addresses: Uint8Array[] | null, topics: (Uint8Array[] | null)[] = []) =>
    store.logIndex.candidateBlocks(BigInt(from), BigInt(to), { addresses, topics })

  it('marks every block with a log, and only those, for a query without criteria', async () => {
    expect(await candidates(0, 1000, null)).toEqual([1n, 2n, 3n, 5n, 7n, 300n])
  })

  it('counts a log without topics as a log', async () => {
    expect(await candidates(4, 6, null, [])).toEqual([5n])
  })

  it('scans only the requested range, both ends included', async () => {
    expect(await candidates(2, 7, null)).toEqual([2n, 3n, 5n, 7n])
    expect(await candidates(3, 3, null)).toEqual([3n])
    expect(await candidates(8, 299, null)).toEqual([])
  })

  it('orders numbers numerically across byte boundaries (8-byte big-endian keys)', async () => {
    expect(await candidates(0, 1000, [A])).toEqual([1n, 3n, 7n, 300n])
  })

  it('unions an OR-set of addresses', async () => {
    expect(await candidates(0, 100, [B, C])).toEqual([2n, 5n, 7n])
  })

  it('keys topics by position', async () => {
    expect(await candidates(0, 100, null, [[T1]])).toEqual([1n, 3n, 7n])
    expect(await candidates(0, 100, null, [null, [T1]])).toEqual([2n])
    expect(await candidates(0, 100, null, [null, null, [T1]])).toEqual([])
  })

  it('unions an OR-set of topics in one position', async () => {
    expect(await candidates(0, 100, null, [[T2, T3]])).toEqual([2n, 7n])
  })

  it('intersects the criteria: every block holds a match for each of them', async () => {
    expect(await candidates(0, 100, [A], [[T1], [T2]])).toEqual([3n])
    // block 7 has a log from A and a log with T1 at position 1, not the same log: still a candidate
    expect(await candidates(0, 100, [A], [null, [T3]])).toEqual([7n])
    expect(await candidates(0, 100, [C], [[T1]])).toEqual([])
  })

  it('treats an empty OR-set as matching nothing (callers pass null for "any")', async () => {
    expect(await candidates(0, 100, [])).toEqual([])
  })

  it('writes one key per distinct (address | topic position, block) and removes them with delOps', async () => {
    const logs = CHAIN[3]
    // the two logs of block 3 are equal: one marker, one address key, two topic keys
    expect(store.logIndex.putOps(3n, logs)).toHaveLength(4)
    expect(store.logIndex.putOps(4n, [])).toEqual([])

    await store.write(store.logIndex.delOps(7n, CHAIN[7]))
    expect(await candidates(0, 100, null)).toEqual([1n, 2n, 3n, 5n])
    expect(await candidates(0, 100, null, [[T3]])).toEqual([])
    await store.write(store.logIndex.putOps(7n, CHAIN[7]))
    expect(await candidates(0, 100, null, [[T3]])).toEqual([7n])
  })
})
