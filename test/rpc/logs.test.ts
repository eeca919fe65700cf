import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningNode } from '../../src/main.js'
import { CONFORMANCE_DIR, conformanceAvailable, conformanceMissingMessage } from '../helpers/conformance.js'
import { copyConformanceDatadir } from '../helpers/conformance-node.js'
import { rpcRequest, startTestNode } from '../helpers/node.js'

/**
 * eth_getLogs over real HTTP against the imported rpc-compat chain (head 0x36, logs in most
 * blocks): filter semantics, geth's error texts and codes, and the limits as node options.
 */

type Log = { address: string; topics: string[]; blockNumber: string; blockHash: string; logIndex: string; transactionIndex: string }

const EMITTER = '0x7dcd17433742f4c0ca53122ab541d0ba67fc27df'
const EMIT = '0x00000000000000000000000000000000000000000000000000000000656d6974'
const BLOCK_4 = '0x98f797a6af91ea770ab3a99d89c17a3a46d14c76db6bb711b18156a3493d2c94'
const UNKNOWN_HASH = `0x${'11'.repeat(32)}`

if (!conformanceAvailable()) {
  describe('eth_getLogs', () => {
    it('needs the conformance chain', () => {
      throw new Error(conformanceMissingMessage())
    })
  })
} else {
  let dir: { path: string; remove(): void }

  beforeAll(async () => {
    dir = await copyConformanceDatadir({ finalized: 'head' })
  })

  afterAll(() => dir?.remove())

  describe('eth_getLogs', () => {
    let node: RunningNode
    beforeAll(async () => {
      node = await startTestNode(dir.path)
    })
    afterAll(async () => {
      await node?.close()
    })

    const getLogs = async (...params: unknown[]) => {
      const response = await rpcRequest(node.url, 'eth_getLogs', params)
      if (response.error !== undefined) throw new Error(`${response.error.code} ${response.error.message}`)
      return response.result as Log[]
    }
    const refusal = async (...params: unknown[]) => (await rpcRequest(node.url, 'eth_getLogs', params)).error
    const where = (logs: Log[]) => logs.map((log) => `${Number(log.blockNumber)}/${Number(log.logIndex)}`)

    it('matches an address given alone or in a list, and ORs several', async () => {
      const range = { fromBlock: '0x3', toBlock: '0x10' }
      const one = await getLogs({ ...range, address: EMITTER })
      expect(one.length).toBeGreaterThan(1)
      expect(one.every((log) => log.address === EMITTER)).toBe(true)
      expect(await getLogs({ ...range, address: [EMITTER] })).toEqual(one)

      const all = await getLogs(range)
      const other = all.find((log) => log.address !== EMITTER)!.address
      const both = await getLogs({ ...range, address: [other, EMITTER] })
      expect(where(both)).toEqual(where(all.filter((log) => log.address === EMITTER || log.address === other)))
    })

    it('takes null, [] and no topics alike, and [] in a position as a wildcard there', async () => {
      const range = { fromBlock: '0x3', toBlock: '0x8' }
      const all = await getLogs(range)
      expect(await getLogs({ ...range, topics: null })).toEqual(all)
      expect(await getLogs({ ...range, topics: [] })).toEqual(all)
      expect(await getLogs({ ...range, address: null })).toEqual(all)
      expect(await getLogs({ ...range, address: [] })).toEqual(all)
      // a wildcard position still needs a topic there
      expect(where(await getLogs({ ...range, topics: [[], []] }))).toEqual(where(all.filter((log) => log.topics.length >= 2)))
      expect(where(await getLogs({ ...range, topics: [null, null] }))).toEqual(where(all.filter((log) => log.topics.length >= 2)))
    })

    it('matches a topic by position, a string or an OR-list, a null in the list making it a wildcard', async () => {
      const range = { fromBlock: '0x3', toBlock: '0x10' }
      const all = await getLogs(range)
      const emitted = all.filter((log) => log.topics[0] === EMIT && log.topics.length >= 2)
      const [a, b] = [emitted[0].topics[1], emitted[emitted.length - 1].topics[1]]
      expect(a).not.toBe(b)

      expect(await getLogs({ ...range, topics: [EMIT] })).toEqual(await getLogs({ ...range, topics: [[EMIT]] }))
      expect(where(await getLogs({ ...range, topics: [null, [a, b]] }))).toEqual(
        where(all.filter((log) => log.topics[1] === a || log.topics[1] === b)),
      )
      expect(where(await getLogs({ ...range, topics: [[EMIT], [b]] }))).toEqual(where(all.filter((log) => log.topics[0] === EMIT && log.topics[1] === b)))
      expect(await getLogs({ ...range, topics: [null, [a, null]] })).toEqual(await getLogs({ ...range, topics: [null, null] }))
    })

    it('answers a blockHash query like the range of that one block', async () => {
      expect(await getLogs({ blockHash: BLOCK_4 })).toEqual(await getLogs({ fromBlock: '0x4', toBlock: '0x4' }))
      expect(await getLogs({ blockHash: BLOCK_4, fromBlock: null, toBlock: null })).toEqual(await getLogs({ blockHash: BLOCK_4 }))
    })

    it('defaults both ends to latest, and reads tags', async () => {
      const head = (await rpcRequest(node.url, 'eth_blockNumber')).result as string
      const latest = await getLogs({ fromBlock: head, toBlock: head })
      expect(await getLogs({})).toEqual(latest)
      expect(await getLogs(null)).toEqual(latest)
      expect(await getLogs({ fromBlock: 'latest' })).toEqual(latest)
      expect(await getLogs({ fromBlock: 'finalized', toBlock: 'safe' })).toEqual(latest)
      expect(await getLogs({ fromBlock: 'earliest', toBlock: '0x2' })).toEqual(await getLogs({ fromBlock: '0x0', toBlock: '0x2' }))
    })

    it('refuses ranges as geth does', async () => {
      expect(await refusal({ fromBlock: '0x5', toBlock: '0x3' })).toEqual({ code: -32602, message: 'invalid block range params' })
      expect(await refusal({ fromBlock: '0x30', toBlock: '0x40' })).toEqual({ code: -32602, message: 'block range extends beyond current head block' })
      expect(await refusal({ fromBlock: '0x40' })).toEqual({ code: -32602, message: 'invalid block range params' })
      expect(await refusal({ fromBlock: 'pending' })).toEqual({ code: -32602, message: 'pending logs are not supported' })
      expect(await refusal({ blockHash: UNKNOWN_HASH })).toEqual({ code: -32000, message: 'unknown block' })
    })

    it('refuses malformed filters with geth texts', async () => {
      const invalid = (reason: string) => ({ code: -32602, message: `invalid argument 0: ${reason}` })
      expect(await refusal({ blockHash: BLOCK_4, toBlock: 'latest' })).toEqual(
        invalid('cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other'),
      )
      expect(await refusal({ blockHash: '0x12' })).toEqual(invalid('hex string has length 2, want 64 for common.Hash'))
      expect(await refusal({ blockHash: BLOCK_4.slice(2) })).toEqual(
        invalid('json: cannot unmarshal hex string without 0x prefix into Go struct field input.blockHash of type common.Hash'),
      )
      expect(await refusal({ fromBlock: '1' })).toEqual(invalid('hex string without 0x prefix'))
      expect(await refusal({ toBlock: 2 })).toEqual(invalid('hex string without 0x prefix'))
      expect(await refusal({ topics: [null, null, null, null, null] })).toEqual(invalid('exceed max topics'))
      expect(await refusal({ topics: EMIT })).toEqual(invalid('json: cannot unmarshal string into Go struct field input.topics of type []interface {}'))
      expect(await refusal({ topics: ['0x12'] })).toEqual(invalid('hex has invalid length 1 after decoding; expected 32 for topic'))
      expect(await refusal({ topics: [[EMIT, 5]] })).toEqual(invalid('invalid topic(s)'))
      expect(await refusal({ topics: [7] })).toEqual(invalid('invalid topic(s)'))
      expect(await refusal({ address: '0x12' })).toEqual(invalid('invalid address: hex has invalid length 1 after decoding; expected 20 for address'))
      expect(await refusal({ address: [EMITTER, 5] })).toEqual(invalid('non-string address at index 1'))
      expect(await refusal({ address: [EMITTER.slice(2)] })).toEqual(invalid('invalid address at index 0: hex string without 0x prefix'))
      expect(await refusal({ address: 5 })).toEqual(invalid('invalid addresses in query'))
      expect(await refusal('latest')).toEqual(invalid('json: cannot unmarshal string into Go value of type filters.input'))
      expect(await refusal()).toEqual({ code: -32602, message: 'missing value for required argument 0' })
      expect(await refusal({}, {})).toEqual({ code: -32602, message: 'too many arguments, want at most 1' })
    })
  })

  describe('eth_getLogs limits (--rpc.logs-max-range 2, --rpc.logs-max-results 3)', () => {
    let node: RunningNode
    beforeAll(async () => {
      node = await startTestNode(dir.path, { logsMaxRange: 2, logsMaxResults: 3 })
    })
    afterAll(async () => {
      await node?.close()
    })

    const getLogs = (filter: unknown) => rpcRequest(node.url, 'eth_getLogs', [filter])

    it('serves a range of the maximum width and refuses a wider one with -32005', async () => {
      expect((await getLogs({ fromBlock: '0x3', toBlock: '0x4', address: EMITTER })).result).toBeInstanceOf(Array)
      expect((await getLogs({ fromBlock: '0x3', toBlock: '0x5', address: EMITTER })).error).toEqual({
        code: -32005,
        message: 'query exceeds max block range 2; narrow fromBlock/toBlock',
      })
    })

    it('refuses more results than the limit with -32005, for a range and for a block hash', async () => {
      const tooMany = { code: -32005, message: 'query returned more than 3 results; narrow the block range or add address/topic filters' }
      expect((await getLogs({ fromBlock: '0x2', toBlock: '0x2' })).error).toEqual(tooMany)
      const block2 = ((await getLogs({ fromBlock: '0x2', toBlock: '0x2', address: EMITTER })).result as Log[])[0].blockHash
      expect((await getLogs({ blockHash: block2 })).error).toEqual(tooMany)
      expect(((await getLogs({ blockHash: BLOCK_4 })).result as Log[]).length).toBeLessThanOrEqual(3)
    })
  })
}
