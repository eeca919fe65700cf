import { hexToBytes } from '@ethereumjs/util'
import type { AccessListEntry, AccountOverride, Authorization, BlockOverrides, CallRequest } from '../src/execution/call/types.js'
import { invalidArgument } from './errors.js'
import { fixedHexProblem, hexutilProblem, jsonKind, unmarshalTypeError } from './params.js'

/**
 * The call family's parameters as geth's encoding/json decodes them: TransactionArgs,
 * StateOverride and BlockOverrides. Keys match case-insensitively, null is an absent field,
 * unknown keys (such as "type") are ignored, and a malformed field fails with encoding/json's
 * text naming the struct field ("json: cannot unmarshal hex string without 0x prefix into Go
 * struct field TransactionArgs.gas of type hexutil.Uint64"), reported for the first bad key in
 * the order sent.
 */

/** `field` is the struct field being decoded ("TransactionArgs.gas"); undefined at the top. */
type Decoder<T> = (value: unknown, field?: string) => T

/** A struct of named fields: decodes each present, non-null key with its decoder, in the order sent. */
function decodeStruct(object: Record<string, unknown>, struct: string, decoders: Record<string, Decoder<unknown>>): Record<string, unknown> {
  const byLowerName = new Map(Object.keys(decoders).map((name) => [name.toLowerCase(), name]))
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(object)) {
    const name = byLowerName.get(key.toLowerCase())
    if (name === undefined) continue
    if (value === null) {
      delete out[name]
      continue
    }
    out[name] = decoders[name](value, `${struct}.${name}`)
  }
  return out
}

/** Decoders of the Go types these structs use; they throw "invalid argument N: …". */
function decoders(index: number) {
  const fail = (reason: string) => invalidArgument(index, reason)
  const quantity =
    (goType: 'hexutil.Big' | 'hexutil.Uint64' | 'hexutil.U256', bits: number): Decoder<bigint> =>
    (value, field) => {
      if (typeof value !== 'string') throw fail(unmarshalTypeError('non-string', goType, field))
      const problem = hexutilProblem(value, bits)
      if (problem !== null) throw fail(unmarshalTypeError(problem, goType, field))
      return BigInt(value)
    }
  const fixed =
    (size: number, goType: string): Decoder<Uint8Array> =>
    (value, field) => {
      const problem = fixedHexProblem(value, size, goType, field)
      if (problem !== null) throw fail(problem)
      return hexToBytes(`0x${(value as string).slice(2)}`)
    }
  const bytes: Decoder<Uint8Array> = (value, field) => {
    const goType = 'hexutil.Bytes'
    if (typeof value !== 'string') throw fail(unmarshalTypeError('non-string', goType, field))
    if (value === '') return new Uint8Array(0)
    if (!value.startsWith('0x') && !value.startsWith('0X')) throw fail(unmarshalTypeError('hex string without 0x prefix', goType, field))
    const digits = value.slice(2)
    if (digits.length % 2 === 1) throw fail(unmarshalTypeError('hex string of odd length', goType, field))
    if (!/^[0-9a-fA-F]*$/.test(digits)) throw fail(unmarshalTypeError('invalid hex string', goType, field))
    return hexToBytes(`0x${digits}`)
  }
  const list =
    <T>(goType: string, item: Decoder<T>): Decoder<T[]> =>
    (value, field) => {
      if (!Array.isArray(value)) throw fail(unmarshalTypeError(jsonKind(value), goType, field))
      return value.map((element) => item(element, field))
    }
  const object = (value: unknown, goType: string, field?: string): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(unmarshalTypeError(jsonKind(value), goType, field))
    return value as Record<string, unknown>
  }
  /** A gencodec struct: its own decoding, then "missing required field 'x' for T". */
  const required = (decoded: Record<string, unknown>, fields: string[], struct: string) => {
    for (const name of fields) if (decoded[name] === undefined) throw fail(`missing required field '${name}' for ${struct}`)
  }
  const address = fixed(20, 'common.Address')
  const hash = fixed(32, 'common.Hash')
  const big = quantity('hexutil.Big', 256)
  const uint64 = quantity('hexutil.Uint64', 64)
  const u256 = quantity('hexutil.U256', 256)
  const accessTuple: Decoder<AccessListEntry> = (value, field) => {
    const decoded = decodeStruct(object(value, 'types.AccessTuple', field), 'AccessTuple', {
      address: (v) => address(v, field),
      storageKeys: (v) => list('[]common.Hash', hash)(v, field),
    })
    required(decoded, ['address', 'storageKeys'], 'AccessTuple')
    return decoded as unknown as AccessListEntry
  }
  const authorization: Decoder<Authorization> = (value, field) => {
    const decoded = decodeStruct(object(value, 'types.SetCodeAuthorization', field), 'SetCodeAuthorization', {
      chainId: (v) => u256(v, field),
      address: (v) => address(v, field),
      nonce: (v) => uint64(v, field),
      yParity: (v) => uint64(v, field),
      r: (v) => u256(v, field),
      s: (v) => u256(v, field),
    })
    required(decoded, ['chainId', 'address', 'nonce', 'yParity', 'r', 's'], 'SetCodeAuthorization')
    return decoded as unknown as Authorization
  }
  /** map[K]V with text-decoded keys (common.Address / common.Hash UnmarshalText errors are bare). */
  const map =
    <V>(goType: string, keySize: number, keyName: string, valueDecoder: Decoder<V>): Decoder<[Uint8Array, V][]> =>
    (value, field) =>
      Object.entries(object(value, goType, field)).map(([key, entry]) => {
        const problem = textKeyProblem(key, keySize, keyName)
        if (problem !== null) throw fail(problem)
        return [hexToBytes(`0x${key.slice(2)}`), valueDecoder(entry, field)] as [Uint8Array, V]
      })
  return { fail, object, address, hash, big, uint64, bytes, list, accessTuple, authorization, map }
}

/** geth's TransactionArgs. `input` wins over `data` when both are sent, as geth's args.data() has it. */
export function parseCallRequest(value: unknown, index: number): CallRequest {
  if (value === null || value === undefined) return {}
  const d = decoders(index)
  const args = decodeStruct(d.object(value, 'ethapi.TransactionArgs'), 'TransactionArgs', {
    from: d.address,
    to: d.address,
    gas: d.uint64,
    gasPrice: d.big,
    maxFeePerGas: d.big,
    maxPriorityFeePerGas: d.big,
    value: d.big,
    nonce: d.uint64,
    data: d.bytes,
    input: d.bytes,
    accessList: d.list('types.AccessList', d.accessTuple),
    chainId: d.big,
    maxFeePerBlobGas: d.big,
    blobVersionedHashes: d.list('[]common.Hash', d.hash),
    authorizationList: d.list('[]types.SetCodeAuthorization', d.authorization),
  }) as CallRequest & { input?: Uint8Array }
  const { input, ...request } = args
  if (input !== undefined) request.data = input
  return request
}

/** geth's override.StateOverride: map[common.Address]OverrideAccount. null is no override. */
export function parseStateOverrides(value: unknown, index: number): AccountOverride[] | undefined {
  if (value === null || value === undefined) return undefined
  const d = decoders(index)
  const slots = d.map('map[common.Hash]common.Hash', 32, 'Hash', d.hash)
  return d.map('override.StateOverride', 20, 'Address', (account, field) => {
    const fields = decodeStruct(d.object(account, 'override.OverrideAccount', field), 'OverrideAccount', {
      nonce: d.uint64,
      code: d.bytes,
      balance: d.big,
      state: slots,
      stateDiff: slots,
      movePrecompileToAddress: d.address,
    })
    return fields as Omit<AccountOverride, 'address'>
  })(value).map(([address, fields]) => ({ address, ...fields }))
}

/** geth's override.BlockOverrides. null is no override. */
export function parseBlockOverrides(value: unknown, index: number): BlockOverrides | undefined {
  if (value === null || value === undefined) return undefined
  const d = decoders(index)
  return decodeStruct(d.object(value, 'override.BlockOverrides'), 'BlockOverrides', {
    number: d.big,
    difficulty: d.big,
    time: d.uint64,
    gasLimit: d.uint64,
    feeRecipient: d.address,
    prevRandao: d.hash,
    baseFeePerGas: d.big,
    blobBaseFee: d.big,
    beaconRoot: d.hash,
    withdrawals: (v) => v,
  }) as BlockOverrides
}

/** hexutil.UnmarshalFixedText, which map keys go through: a bare reason ("hex string without 0x prefix"). */
function textKeyProblem(key: string, size: number, typeName: string): string | null {
  let digits = key
  if (key.startsWith('0x') || key.startsWith('0X')) digits = key.slice(2)
  else if (key !== '') return 'hex string without 0x prefix'
  if (digits.length % 2 === 1) return 'hex string of odd length'
  if (digits.length !== size * 2) return `hex string has length ${digits.length}, want ${size * 2} for ${typeName}`
  if (!/^[0-9a-fA-F]*$/.test(digits)) return 'invalid hex string'
  return null
}
