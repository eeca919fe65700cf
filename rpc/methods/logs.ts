import { hexToBytes } from '@ethereumjs/util'
import { invalidArgument, invalidParams } from '../errors.js'
import { formatLog } from '../format/log.js'
import { expectParams, fixedHexProblem, jsonKind, parseBlockNumber, unmarshalTypeError } from '../params.js'
import type { MethodTable } from './types.js'
import type { LogFilter, LogRangeBound } from '../../src/reader.js'

/** eth_getLogs over the log index. */
export const logMethods: MethodTable = {
  async eth_getLogs(params, { reader, options }) {
    // geth decodes [null] as the empty filter; only a missing argument is "missing"
    const args = expectParams(params, 0, 1)
    if (args.length === 0) throw invalidParams('missing value for required argument 0')
    const filter = parseLogFilter(args[0], 0)
    const logs = await reader.logs(filter, { maxRange: options.logsMaxRange, maxResults: options.logsMaxResults })
    return logs.map((entry) => formatLog(entry.log, entry))
  },
}

/** geth's limits on a filter's shape (eth/filters/api.go): topic positions, OR-set sizes. */
const MAX_TOPICS = 4
const MAX_SUB_TOPICS = 1000
const MAX_ADDRESSES = 1000

const HEX = /^[0-9a-fA-F]*$/
const LATEST: LogRangeBound = { kind: 'tag', tag: 'latest' }

/**
 * geth's FilterCriteria.UnmarshalJSON, with its error texts: the fields decode first (a bad
 * blockHash / fromBlock / toBlock at once, a wrongly typed `topics` after the others), then
 * blockHash excludes a range, then the addresses, then the topics. JSON null is the empty
 * filter (latest block, anything), as in geth.
 */
export function parseLogFilter(value: unknown, index: number): LogFilter {
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
    throw invalidArgument(index, unmarshalTypeError(jsonKind(value), 'filters.input'))
  }
  const object = (value ?? {}) as Record<string, unknown>

  let blockHash: Uint8Array | null = null
  let fromBlock: LogRangeBound | null = null
  let toBlock: LogRangeBound | null = null
  let addresses: unknown = null
  let topics: unknown[] | null = null
  // encoding/json decodes the keys in their order (names match case-insensitively, the last
  // wins); it stops at a failing Unmarshaler but only records a type mismatch and goes on
  let typeError: string | null = null
  for (const [key, field] of Object.entries(object)) {
    switch (key.toLowerCase()) {
      case 'blockhash': {
        blockHash = null
        if (field === null) break
        const problem = fixedHexProblem(field, 32, 'common.Hash', 'input.blockHash')
        if (problem !== null) throw invalidArgument(index, problem)
        blockHash = hexToBytes(`0x${(field as string).slice(2)}`)
        break
      }
      case 'fromblock':
        fromBlock = field === null ? null : parseBound(field, index)
        break
      case 'toblock':
        toBlock = field === null ? null : parseBound(field, index)
        break
      case 'address':
        addresses = field
        break
      case 'topics':
        if (field === null || Array.isArray(field)) topics = field
        else typeError ??= unmarshalTypeError(jsonKind(field), '[]interface {}', 'input.topics')
        break
    }
  }
  if (typeError !== null) throw invalidArgument(index, typeError)

  if (blockHash !== null && (fromBlock !== null || toBlock !== null)) {
    throw invalidArgument(index, 'cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other')
  }
  const blocks: LogFilter['blocks'] =
    blockHash !== null ? { kind: 'hash', hash: blockHash } : { kind: 'range', from: fromBlock ?? LATEST, to: toBlock ?? LATEST }
  return { blocks, addresses: parseAddresses(addresses, index), topics: parseTopics(topics ?? [], index) }
}

/** rpc.BlockNumber: our tags are the reader's, which a log range resolves the same way. */
function parseBound(value: unknown, index: number): LogRangeBound {
  const selector = parseBlockNumber(value, index)
  if (selector.kind === 'hash') throw new Error('unreachable: rpc.BlockNumber is never a hash')
  return selector
}

/** One address or an OR-list; an empty list is any address. */
function parseAddresses(value: unknown, index: number): Uint8Array[] | null {
  if (value === null) return null
  if (typeof value === 'string') {
    const problem = decodeProblem(value, 20, 'address')
    if (problem !== null) throw invalidArgument(index, `invalid address: ${problem}`)
    return [hexToBytes(`0x${value.slice(2)}`)]
  }
  if (!Array.isArray(value)) throw invalidArgument(index, 'invalid addresses in query')
  if (value.length > MAX_ADDRESSES) throw invalidArgument(index, 'exceed max addresses')
  const addresses = value.map((item, i) => {
    if (typeof item !== 'string') throw invalidArgument(index, `non-string address at index ${i}`)
    const problem = decodeProblem(item, 20, 'address')
    if (problem !== null) throw invalidArgument(index, `invalid address at index ${i}: ${problem}`)
    return hexToBytes(`0x${item.slice(2)}`)
  })
  return addresses.length === 0 ? null : addresses
}

/**
 * Per position: null or [] is a wildcard, a string one topic, an array an OR-set; a null inside
 * an OR-set makes the whole position a wildcard (and ends geth's reading of that set).
 */
function parseTopics(positions: unknown[], index: number): (Uint8Array[] | null)[] {
  if (positions.length > MAX_TOPICS) throw invalidArgument(index, 'exceed max topics')
  return positions.map((position) => {
    if (position === null) return null
    if (typeof position === 'string') return [parseTopic(position, index)]
    if (!Array.isArray(position)) throw invalidArgument(index, 'invalid topic(s)')
    if (position.length > MAX_SUB_TOPICS) throw invalidArgument(index, 'exceed max topics')
    const set: Uint8Array[] = []
    for (const topic of position) {
      if (topic === null) return null
      if (typeof topic !== 'string') throw invalidArgument(index, 'invalid topic(s)')
      set.push(parseTopic(topic, index))
    }
    return set.length === 0 ? null : set
  })
}

function parseTopic(value: string, index: number): Uint8Array {
  const problem = decodeProblem(value, 32, 'topic')
  if (problem !== null) throw invalidArgument(index, problem)
  return hexToBytes(`0x${value.slice(2)}`)
}

/**
 * hexutil.Decode's failure text, then the length check of geth's decodeAddress / decodeTopic;
 * null when `value` is `size` bytes of 0x-hex. Go's hex decoder reports a bad digit before an
 * odd length.
 */
function decodeProblem(value: string, size: number, what: 'address' | 'topic'): string | null {
  if (value.length === 0) return 'empty hex string'
  if (!value.startsWith('0x') && !value.startsWith('0X')) return 'hex string without 0x prefix'
  const digits = value.slice(2)
  if (!HEX.test(digits)) return 'invalid hex string'
  if (digits.length % 2 === 1) return 'hex string of odd length'
  if (digits.length !== size * 2) return `hex has invalid length ${digits.length / 2} after decoding; expected ${size} for ${what}`
  return null
}
