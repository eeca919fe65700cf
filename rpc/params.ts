import { hexToBytes } from '@ethereumjs/util'
import type { BlockSelector, BlockTag } from '../src/reader.js'
import { invalidArgument, invalidParams } from './errors.js'

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

/** hexutil.DecodeUint64's checks, as a reason string or null when fine. */
function quantityProblem(input: string, maxBits: number): string | null {
  if (input.length === 0) return 'empty hex string'
  if (!input.startsWith('0x') && !input.startsWith('0X')) return 'hex string without 0x prefix'
  const digits = input.slice(2)
  if (digits.length === 0) return 'hex string "0x"'
  if (!HEX.test(digits)) return 'invalid hex string'
  if (digits.length > 1 && digits[0] === '0') return 'hex number with leading zero digits'
  if (BigInt(input) >= 1n << BigInt(maxBits)) return `hex number > ${maxBits} bits`
  return null
}

/** A hex quantity (hexutil.Uint64 or hexutil.Big). */
export function parseQuantity(value: unknown, index: number, maxBits = 256): bigint {
  if (typeof value !== 'string') {
    throw invalidArgument(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type hexutil.${maxBits === 64 ? 'Uint64' : 'Big'}`)
  }
  const problem = quantityProblem(value, maxBits)
  if (problem !== null) throw invalidArgument(index, problem)
  return BigInt(value)
}

/** A hex quantity that must fit a JS number (indexes, counts). */
export function parseUint(value: unknown, index: number): number {
  const n = parseQuantity(value, index, 64)
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument(index, 'hex number > 64 bits')
  return Number(n)
}

/** rpc.BlockNumber: a tag or a hex number. */
export function parseBlockNumber(value: unknown, index: number): BlockSelector {
  if (typeof value !== 'string') {
    throw invalidArgument(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type string`)
  }
  const input = value.trim()
  if ((TAGS as readonly string[]).includes(input)) return { kind: 'tag', tag: input as BlockTag }
  const problem = quantityProblem(input, 64)
  if (problem !== null) throw invalidArgument(index, problem)
  const number = BigInt(input)
  if (number > 0x7fffffffffffffffn) throw invalidArgument(index, 'block number larger than int64')
  return { kind: 'number', number }
}

/** rpc.BlockNumberOrHash: a tag, a number, a 32-byte hash, or an EIP-1898 object. */
export function parseBlockSelector(value: unknown, index: number): BlockSelector {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as { blockHash?: unknown; blockNumber?: unknown; requireCanonical?: unknown }
    const hasHash = object.blockHash !== undefined && object.blockHash !== null
    const hasNumber = object.blockNumber !== undefined && object.blockNumber !== null
    if (hasHash && hasNumber) {
      throw invalidArgument(index, 'cannot specify both BlockHash and BlockNumber, choose one or the other')
    }
    if (hasHash) {
      const requireCanonical = object.requireCanonical ?? false
      if (typeof requireCanonical !== 'boolean') {
        throw invalidArgument(index, `json: cannot unmarshal ${jsonKind(requireCanonical)} into Go struct field .requireCanonical of type bool`)
      }
      return { kind: 'hash', hash: parseFixedHex(object.blockHash, index, 32, 'common.Hash'), requireCanonical }
    }
    if (hasNumber) return parseBlockNumber(object.blockNumber, index)
    throw invalidArgument(index, 'either BlockHash or BlockNumber must be specified')
  }
  if (typeof value !== 'string') {
    throw invalidArgument(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type string`)
  }
  if (value.length === 66) return { kind: 'hash', hash: parseFixedHex(value, index, 32, 'common.Hash'), requireCanonical: false }
  return parseBlockNumber(value, index)
}

/** A 32-byte hash (common.Hash). */
export function parseHash(value: unknown, index: number): Uint8Array {
  return parseFixedHex(value, index, 32, 'common.Hash')
}

/** A 20-byte address (common.Address). */
export function parseAddress(value: unknown, index: number): Uint8Array {
  return parseFixedHex(value, index, 20, 'common.Address')
}

/** Arbitrary bytes (hexutil.Bytes). */
export function parseBytes(value: unknown, index: number): Uint8Array {
  const goType = 'hexutil.Bytes'
  if (typeof value !== 'string') throw invalidArgument(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goType}`)
  if (!value.startsWith('0x') && !value.startsWith('0X')) {
    throw invalidArgument(index, `json: cannot unmarshal hex string without 0x prefix into Go value of type ${goType}`)
  }
  const digits = value.slice(2)
  if (digits.length % 2 === 1) throw invalidArgument(index, `json: cannot unmarshal hex string of odd length into Go value of type ${goType}`)
  if (!HEX.test(digits)) throw invalidArgument(index, `json: cannot unmarshal invalid hex string into Go value of type ${goType}`)
  return hexToBytes(`0x${digits}`)
}

export function parseBool(value: unknown, index: number): boolean {
  if (typeof value !== 'boolean') throw invalidArgument(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type bool`)
  return value
}

/** geth's hexutil.UnmarshalFixedJSON errors for common.Hash / common.Address. */
export function parseFixedHex(value: unknown, index: number, size: number, goType: string): Uint8Array {
  if (typeof value !== 'string') throw invalidArgument(index, `json: cannot unmarshal non-string into Go value of type ${goType}`)
  if (!value.startsWith('0x') && !value.startsWith('0X')) {
    throw invalidArgument(index, `json: cannot unmarshal hex string without 0x prefix into Go value of type ${goType}`)
  }
  const digits = value.slice(2)
  if (!HEX.test(digits)) throw invalidArgument(index, `json: cannot unmarshal invalid hex string into Go value of type ${goType}`)
  if (digits.length !== size * 2) {
    throw invalidArgument(index, `hex string has length ${digits.length}, want ${size * 2} for ${goType}`)
  }
  return hexToBytes(`0x${digits}`)
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
