import { describe, expect, it } from 'vitest'
import { compareHeaders } from '../../src/compare/header-diff.js'

const header = {
  hash: `0x${'11'.repeat(32)}`,
  parentHash: `0x${'22'.repeat(32)}`,
  miner: '0x00000000000000000000000000000000000000aa',
  stateRoot: `0x${'33'.repeat(32)}`,
  number: '0x5',
  gasUsed: '0x5208',
  baseFeePerGas: '0x7',
  requestsHash: `0x${'44'.repeat(32)}`,
}

describe('compareHeaders', () => {
  it('finds nothing between equal headers', () => {
    expect(compareHeaders(5, header, { ...header })).toEqual({ number: 5, absent: null, differences: [], notes: [] })
  })

  it('reports each differing header field with both values, in header order', () => {
    const comparison = compareHeaders(5, header, { ...header, gasUsed: '0x5209', stateRoot: `0x${'34'.repeat(32)}` })
    expect(comparison.differences).toEqual([
      { field: 'stateRoot', rpc: header.stateRoot, against: `0x${'34'.repeat(32)}` },
      { field: 'gasUsed', rpc: '0x5208', against: '0x5209' },
    ])
  })

  it('counts a header field one side lacks as a mismatch', () => {
    const { requestsHash, ...older } = header
    expect(compareHeaders(5, header, older).differences).toEqual([{ field: 'requestsHash', rpc: requestsHash, against: undefined }])
  })

  it('compares hex without regard to case and quantities by value', () => {
    const other = { ...header, miner: header.miner.toUpperCase().replace('0X', '0x'), gasUsed: '0x05208', baseFeePerGas: '0x07' }
    expect(compareHeaders(5, header, other).differences).toEqual([])
  })

  it('notes fields outside the header without counting them as mismatches', () => {
    const block = { ...header, size: '0x300', totalDifficulty: '0x0', transactions: [] }
    const comparison = compareHeaders(5, { ...header, size: '0x2ff', uncles: [] }, block)
    expect(comparison.differences).toEqual([])
    expect(comparison.notes).toEqual([
      { field: 'size', kind: 'differs' },
      { field: 'totalDifficulty', kind: 'only-against' },
      { field: 'transactions', kind: 'only-against' },
      { field: 'uncles', kind: 'only-rpc' },
    ])
  })

  it('reports a block one side does not have', () => {
    expect(compareHeaders(5, null, header)).toEqual({ number: 5, absent: 'rpc', differences: [], notes: [] })
    expect(compareHeaders(5, header, null).absent).toBe('against')
    expect(compareHeaders(5, null, null).absent).toBe('both')
  })
})
