import { describe, expect, it } from 'vitest'
import type { LogRecord } from '../../src/chain/receipts.js'
import { LATEST, type LogFilter, createLogMatcher } from '../../src/logs/filter.js'

const address = (n: number) => new Uint8Array(20).fill(n)
const topic = (n: number) => new Uint8Array(32).fill(n)
const log = (from: number, ...topics: number[]): LogRecord => ({ address: address(from), topics: topics.map(topic), data: new Uint8Array() })

function matcher(addresses: number[] | null, topics: (number[] | null)[]) {
  const filter: LogFilter = {
    blocks: { kind: 'range', from: LATEST, to: LATEST },
    addresses: addresses === null ? null : addresses.map(address),
    topics: topics.map((set) => (set === null ? null : set.map(topic))),
  }
  return createLogMatcher(filter)
}

describe('createLogMatcher', () => {
  it('matches anything without criteria, logs without topics included', () => {
    const match = matcher(null, [])
    expect(match(log(1))).toBe(true)
    expect(match(log(2, 7, 8, 9, 10))).toBe(true)
  })

  it('matches any address of an OR-set', () => {
    const match = matcher([1, 2], [])
    expect(match(log(1, 5))).toBe(true)
    expect(match(log(2))).toBe(true)
    expect(match(log(3, 5))).toBe(false)
  })

  it('matches topics by position, each position an OR-set', () => {
    const match = matcher(null, [[5, 6], [7]])
    expect(match(log(1, 5, 7))).toBe(true)
    expect(match(log(1, 6, 7, 9))).toBe(true)
    expect(match(log(1, 7, 5))).toBe(false)
    expect(match(log(1, 5, 8))).toBe(false)
  })

  it('takes a null position as a wildcard', () => {
    const match = matcher(null, [null, [7]])
    expect(match(log(1, 99, 7))).toBe(true)
    expect(match(log(1, 7, 99))).toBe(false)
  })

  it('requires at least as many topics as positions, wildcards included (geth)', () => {
    const match = matcher(null, [null, null])
    expect(match(log(1, 5))).toBe(false)
    expect(match(log(1, 5, 6))).toBe(true)
    expect(match(log(1))).toBe(false)
  })

  it('requires the address and the topics together', () => {
    const match = matcher([1], [[5]])
    expect(match(log(1, 5))).toBe(true)
    expect(match(log(2, 5))).toBe(false)
    expect(match(log(1, 6))).toBe(false)
  })
})
