import { hexToBytes } from '@ethereumjs/util'
import type { BlockSelector, BlockTag } from '../src/reader.js'
import { RpcError, invalidArgument, invalidParams } from './errors.js'

/**
 * Parameter parsing with geth's error texts (go-ethereum's hexutil and rpc packages), so
 * clients that match on messages behave the same against us.
 */

const TAGS: readonly BlockTag[] = ['latest', 'earliest', 'pending', 'safe', 'finalized', 'soft']
const HEX = /^[0-9a-fA-F]*$/

/** Checks the argument count: geth's "missing value for required argument N" / "too many arguments". */
export function expectParams(params: unknown, min: number, max: number): unknown[] {
  const list = params === undefined || params === null ? [] : params
  if (!Array.isArray(list)) throw invalidParams('non-array args')
  if (list.length > max) throw invalidParams(`too many arguments, want at most ${max}`)
  for (let i = list.length; i < min; i++) throw invalidParams(`missing value for required argument ${i}`)
  // geth treats trailing nulls like missing optional arguments
  for (let i = 0; i < min; i++) if (list[i] === null || list[i] === undefined) throw invalidParams(`missing value for required argument ${i}`)
  return list
}

/**
 * The argument list, for methods that follow geth's decoding order exactly: "non-array args" /
 * "too many arguments" up front, then each argument is decoded in turn (JSON null included: it
 * reaches the type's own decoder, as in Go), and a missing required one is reported only when
 * reached (`required`).
 */
export function argumentList(params: unknown, max: number): unknown[] {
  const list = params === undefined || params === null ? [] : params
  if (!Array.isArray(list)) throw invalidParams('non-array args')
  if (list.length > max) throw invalidParams(`too many arguments, want at most ${max}`)
  return list
}

/** Argument `index` of a list from argumentList, or geth's "missing value for required argument N". */
export function required(args: unknown[], index: number): unknown {
  if (index >= args.length) throw invalidParams(`missing value for required argument ${index}`)
  return args[index]
}

/** hexutil.DecodeUint64's checks, as a reason string or null when fine. */
function quantityProblem(input: string, maxBits: number): string | null {
  if (input.length === 0) return 'empty hex string'
  if (!input.startsWith('0x') && !input.startsWith('0X')) return 'hex string without 0x prefix'
  const digits = input.slice(2)
  if (digits.length === 0) return 'hex string "0x"'
  if (digits.length > 1 && digits[0] === '0') return 'hex number with leading zero digits'
  if (!HEX.test(digits)) return 'invalid hex string'
  if (BigInt(input) >= 1n << BigInt(maxBits)) return `hex number > ${maxBits} bits`
  return null
}

/** The hexutil types a quantity argument may be declared as in geth. */
export type HexutilType = 'hexutil.Big' | 'hexutil.Uint64' | 'hexutil.Uint'

/**
 * A hex quantity declared as a hexutil type. Unlike rpc.BlockNumber, these wrap the decode
 * error in encoding/json's text ("json: cannot unmarshal hex string without 0x prefix into Go
 * value of type hexutil.Uint"), and reject the length before the digits, like hexutil does.
 */
export function parseQuantity(value: unknown, index: number, goType: HexutilType = 'hexutil.Big'): bigint {
  if (typeof value !== 'string') throw invalidArgument(index, `json: cannot unmarshal non-string into Go value of type ${goType}`)
  const problem = hexutilProblem(value, goType === 'hexutil.Big' ? 256 : 64)
  if (problem !== null) throw invalidArgument(index, `json: cannot unmarshal ${problem} into Go value of type ${goType}`)
  return BigInt(value)
}

/** hexutil's checkNumberText, then its range check, then the digits: the reason, or null when fine. */
export function hexutilProblem(input: string, maxBits: number): string | null {
  if (input.length === 0) return 'empty hex string'
  if (!input.startsWith('0x') && !input.startsWith('0X')) return 'hex string without 0x prefix'
  const digits = input.slice(2)
  if (digits.length === 0) return 'hex string "0x"'
  if (digits.length > 1 && digits[0] === '0') return 'hex number with leading zero digits'
  if (digits.length > maxBits / 4) return `hex number > ${maxBits} bits`
  if (!HEX.test(digits)) return 'invalid hex string'
  return null
}

/** A hexutil.Uint argument (indexes, counts) as a JS number. */
export function parseUint(value: unknown, index: number): number {
  const n = parseQuantity(value, index, 'hexutil.Uint')
  // hexutil.Uint is 64 bits; anything past 2^53 is no index we can hold anyway
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n)
}

/**
 * math.HexOrDecimal64 (eth_feeHistory's block count): a JSON number or a string, decimal or
 * 0x-hex, leading zeros allowed; "" is 0.
 */
export function parseHexOrDecimal64(value: unknown, index: number): bigint {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  const hex = /^0[xX]/.test(text)
  const digits = hex ? text.slice(2) : text
  const valid = text === '' || (hex ? /^[0-9a-fA-F]+$/.test(digits) : /^[0-9]+$/.test(digits))
  const n = text === '' ? 0n : valid ? BigInt(hex ? `0x${digits}` : digits) : -1n
  if (n < 0n || n >= 1n << 64n) throw invalidArgument(index, `invalid hex or decimal integer ${JSON.stringify(text)}`)
  return n
}

/** A []float64 argument (eth_feeHistory's reward percentiles); null is an empty list, as in Go. */
export function parseFloatList(value: unknown, index: number): number[] {
  if (value === null || value === undefined) return []
  if (!Array.isArray(value)) throw invalidArgument(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type []float64`)
  return value.map((item) => {
    if (typeof item !== 'number') throw invalidArgument(index, `json: cannot unmarshal ${jsonKind(item)} into Go value of type float64`)
    return item
  })
}

/** rpc.BlockNumber: a tag or a hex number. */
export function parseBlockNumber(value: unknown, index: number): BlockSelector {
  // geth strips the quotes of a string and decodes the rest as hex, so a JSON number (2) or
  // bool fails the same way as the string "2"
  if (typeof value !== 'string') throw invalidArgument(index, 'hex string without 0x prefix')
  // geth trims the raw JSON text around the quotes, never inside them: " latest" is no tag
  const input = value
  if ((TAGS as readonly string[]).includes(input)) return { kind: 'tag', tag: input as BlockTag }
  const problem = quantityProblem(input, 64)
  if (problem !== null) throw invalidArgument(index, problem)
  const number = BigInt(input)
  if (number > 0x7fffffffffffffffn) throw invalidArgument(index, 'block number larger than int64')
  return { kind: 'number', number }
}

/**
 * rpc.BlockNumberOrHash: a tag, a number, a 32-byte hash, or an EIP-1898 object. geth first
 * decodes the value as the object; when that fails for any reason it decodes it as a string, so
 * an object with a malformed field is reported as "cannot unmarshal object into ... string".
 * An object naming neither passes the decoder in geth and fails in the API with a -32000.
 */
export function parseBlockSelector(value: unknown, index: number): BlockSelector {
  if (value === null || (typeof value === 'object' && !Array.isArray(value))) {
    const object = (value ?? {}) as Record<string, unknown>
    const blockHash = goField(object, 'blockHash') ?? null
    const blockNumber = goField(object, 'blockNumber') ?? null
    const requireCanonical = goField(object, 'requireCanonical') ?? false
    const malformed = () => invalidArgument(index, 'json: cannot unmarshal object into Go value of type string')
    if (typeof requireCanonical !== 'boolean') throw malformed()
    let hash: Uint8Array | null = null
    let number: BlockSelector | null = null
    try {
      if (blockHash !== null) hash = parseFixedHex(blockHash, index, 32, 'common.Hash')
      if (blockNumber !== null) number = parseBlockNumber(blockNumber, index)
    } catch {
      throw malformed()
    }
    if (hash !== null && number !== null) {
      throw invalidArgument(index, 'cannot specify both BlockHash and BlockNumber, choose one or the other')
    }
    if (hash !== null) return { kind: 'hash', hash, requireCanonical }
    if (number !== null) return number
    throw new RpcError({ code: 'SERVER', message: 'invalid arguments; neither block nor hash specified' })
  }
  if (typeof value !== 'string') {
    throw invalidArgument(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type string`)
  }
  if ((TAGS as readonly string[]).includes(value)) return { kind: 'tag', tag: value as BlockTag }
  if (value.length === 66) {
    // common.Hash.UnmarshalText: the bare hexutil reason, no json wrapping
    if (!value.startsWith('0x') && !value.startsWith('0X')) throw invalidArgument(index, 'hex string without 0x prefix')
    if (!HEX.test(value.slice(2))) throw invalidArgument(index, 'invalid hex string')
    return { kind: 'hash', hash: hexToBytes(`0x${value.slice(2)}`), requireCanonical: false }
  }
  const problem = quantityProblem(value, 64)
  if (problem !== null) throw invalidArgument(index, problem)
  const number = BigInt(value)
  if (number > 0x7fffffffffffffffn) throw invalidArgument(index, 'blocknumber too high')
  return { kind: 'number', number }
}

/**
 * The value of a struct field as encoding/json finds it: keys match case-insensitively and the
 * last matching key wins. undefined when absent.
 */
export function goField(object: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase()
  let found: unknown
  for (const [key, value] of Object.entries(object)) if (key.toLowerCase() === wanted) found = value
  return found
}

/** A 32-byte hash (common.Hash). */
export function parseHash(value: unknown, index: number): Uint8Array {
  return parseFixedHex(value, index, 32, 'common.Hash')
}

/** A 20-byte address (common.Address). */
export function parseAddress(value: unknown, index: number): Uint8Array {
  return parseFixedHex(value, index, 20, 'common.Address')
}

/** Arbitrary bytes (hexutil.Bytes); "" is empty bytes, as in hexutil. */
export function parseBytes(value: unknown, index: number): Uint8Array {
  const goType = 'hexutil.Bytes'
  if (typeof value !== 'string') throw invalidArgument(index, `json: cannot unmarshal non-string into Go value of type ${goType}`)
  if (value === '') return new Uint8Array(0)
  if (!value.startsWith('0x') && !value.startsWith('0X')) {
    throw invalidArgument(index, `json: cannot unmarshal hex string without 0x prefix into Go value of type ${goType}`)
  }
  const digits = value.slice(2)
  if (digits.length % 2 === 1) throw invalidArgument(index, `json: cannot unmarshal hex string of odd length into Go value of type ${goType}`)
  if (!HEX.test(digits)) throw invalidArgument(index, `json: cannot unmarshal invalid hex string into Go value of type ${goType}`)
  return hexToBytes(`0x${digits}`)
}

/** A Go bool: JSON null leaves it false, as encoding/json does. */
export function parseBool(value: unknown, index: number): boolean {
  if (value === null) return false
  if (typeof value !== 'boolean') throw invalidArgument(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type bool`)
  return value
}

/** geth's hexutil.UnmarshalFixedJSON errors for common.Hash / common.Address. */
export function parseFixedHex(value: unknown, index: number, size: number, goType: string): Uint8Array {
  const problem = fixedHexProblem(value, size, goType)
  if (problem !== null) throw invalidArgument(index, problem)
  return hexToBytes(`0x${(value as string).slice(2)}`)
}

/**
 * hexutil.UnmarshalFixedJSON's failure text, or null when `value` is `size` bytes of 0x-hex.
 * Its checks run in this order: string, prefix ("" skips it), odd length, length, digits; all but
 * the length are json.UnmarshalTypeErrors, whose text names `field` ("input.blockHash") when
 * the value sat in a struct.
 */
export function fixedHexProblem(value: unknown, size: number, goType: string, field?: string): string | null {
  const typeError = (what: string) => unmarshalTypeError(what, goType, field)
  if (typeof value !== 'string') return typeError('non-string')
  let digits = value
  if (value.startsWith('0x') || value.startsWith('0X')) digits = value.slice(2)
  else if (value !== '') return typeError('hex string without 0x prefix')
  if (digits.length % 2 === 1) return typeError('hex string of odd length')
  if (digits.length !== size * 2) return `hex string has length ${digits.length}, want ${size * 2} for ${goType}`
  if (!HEX.test(digits)) return typeError('invalid hex string')
  return null
}

/** encoding/json's UnmarshalTypeError text, with the struct field when there is one. */
export function unmarshalTypeError(what: string, goType: string, field?: string): string {
  return field === undefined
    ? `json: cannot unmarshal ${what} into Go value of type ${goType}`
    : `json: cannot unmarshal ${what} into Go struct field ${field} of type ${goType}`
}

/** The JSON kind of a value as Go's encoding/json names it in errors. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  switch (typeof value) {
    case 'string':
      return 'string'
    case 'number':
      return 'number'
    case 'boolean':
      return 'bool'
    default:
      return 'object'
  }
}
