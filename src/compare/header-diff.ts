/** A block or header as a JSON-RPC server returned it. */
export type JsonHeader = Record<string, unknown>

/** The two endpoints of a comparison, named after their flags. */
export type Side = 'rpc' | 'against'

/**
 * The fields hashed into the block hash (the header's RLP list, every fork up to Prague), as
 * eth_getHeaderByNumber names them, plus `hash` itself. Two nodes on the same chain agree on
 * each of these; any difference, or one side lacking one, is a mismatch.
 */
export const HEADER_FIELDS = [
  'hash',
  'parentHash',
  'sha3Uncles',
  'miner',
  'stateRoot',
  'transactionsRoot',
  'receiptsRoot',
  'logsBloom',
  'difficulty',
  'number',
  'gasLimit',
  'gasUsed',
  'timestamp',
  'extraData',
  'mixHash',
  'nonce',
  'baseFeePerGas',
  'withdrawalsRoot',
  'blobGasUsed',
  'excessBlobGas',
  'parentBeaconBlockRoot',
  'requestsHash',
] as const

const HEADER_FIELD_SET: ReadonlySet<string> = new Set(HEADER_FIELDS)

/** Header fields that are numbers: `0x0` and `0x00` are the same value. */
const QUANTITY_FIELDS: ReadonlySet<string> = new Set([
  'difficulty',
  'number',
  'gasLimit',
  'gasUsed',
  'timestamp',
  'baseFeePerGas',
  'blobGasUsed',
  'excessBlobGas',
])

export function isHeaderField(field: string): boolean {
  return HEADER_FIELD_SET.has(field)
}

/** A header field whose values differ; `undefined` is a field that side did not return. */
export interface FieldDifference {
  field: string
  rpc: unknown
  against: unknown
}

/**
 * A field outside the header: present on one side only (anvil's `totalDifficulty`, or `size`,
 * `transactions`, ... when one side answered eth_getBlockByNumber), or on both with different
 * values (`size` differs between clients that count the empty withdrawals list and those that
 * do not). Worth knowing, never a mismatch: it is not part of what the block hash commits to.
 */
export interface FieldNote {
  field: string
  kind: 'only-rpc' | 'only-against' | 'differs'
}

export interface BlockComparison {
  number: number
  /** The side(s) that answered null: the block is not there. */
  absent: Side | 'both' | null
  differences: FieldDifference[]
  notes: FieldNote[]
}

/** Compares block `number` as the two sides returned it (null = the side does not have it). */
export function compareHeaders(number: number, rpc: JsonHeader | null, against: JsonHeader | null): BlockComparison {
  if (rpc === null || against === null) {
    const absent = rpc === null && against === null ? 'both' : rpc === null ? 'rpc' : 'against'
    return { number, absent, differences: [], notes: [] }
  }
  const differences: FieldDifference[] = []
  const notes: FieldNote[] = []
  for (const field of HEADER_FIELDS) {
    if (!sameValue(field, rpc[field], against[field])) differences.push({ field, rpc: rpc[field], against: against[field] })
  }
  const others = new Set([...Object.keys(rpc), ...Object.keys(against)].filter((field) => !isHeaderField(field)))
  for (const field of [...others].sort()) {
    const inRpc = rpc[field] !== undefined
    const inAgainst = against[field] !== undefined
    if (inRpc && !inAgainst) notes.push({ field, kind: 'only-rpc' })
    else if (!inRpc && inAgainst) notes.push({ field, kind: 'only-against' })
    else if (!sameValue(field, rpc[field], against[field])) notes.push({ field, kind: 'differs' })
  }
  return { number, absent: null, differences, notes }
}

/** Hex is compared without regard to case (checksummed addresses), quantities by value. */
function sameValue(field: string, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    if (QUANTITY_FIELDS.has(field)) {
      const x = quantityValue(a)
      const y = quantityValue(b)
      if (x !== null && y !== null) return x === y
    }
    return a.toLowerCase() === b.toLowerCase()
  }
  return JSON.stringify(a) === JSON.stringify(b)
}

function quantityValue(value: string): bigint | null {
  if (!/^0x[0-9a-fA-F]+$/.test(value)) return null
  return BigInt(value)
}
