import { bytesToHex } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { RpcError } from '../../rpc/errors.js'
import {
  expectParams,
  fixedHexProblem,
  goField,
  parseAddress,
  parseBlockNumber,
  parseBlockSelector,
  parseBool,
  parseBytes,
  parseHash,
  parseQuantity,
  parseUint,
} from '../../rpc/params.js'

/**
 * The parsers against go-ethereum's texts: rpc/json.go (argument count), rpc/types.go
 * (BlockNumber, BlockNumberOrHash), common/hexutil (quantities, bytes, fixed-size hex) and
 * encoding/json's UnmarshalTypeError wording.
 */

function failure(parse: () => unknown): { code: string; message: string } {
  try {
    parse()
  } catch (err) {
    if (err instanceof RpcError) return { code: err.code, message: err.message }
    throw err
  }
  throw new Error('expected the parser to refuse')
}

const HASH = `0x${'ab'.repeat(32)}`
const ADDRESS = `0x${'cd'.repeat(20)}`

describe('expectParams', () => {
  it('takes absent and null params as no arguments', () => {
    expect(expectParams(undefined, 0, 1)).toEqual([])
    expect(expectParams(null, 0, 1)).toEqual([])
  })

  it('refuses non-array params', () => {
    expect(failure(() => expectParams({ a: 1 }, 0, 1))).toEqual({ code: 'INVALID_PARAMS', message: 'non-array args' })
    expect(failure(() => expectParams('0x1', 0, 1)).message).toBe('non-array args')
  })

  it('counts arguments as geth does', () => {
    expect(failure(() => expectParams([1, 2], 0, 1)).message).toBe('too many arguments, want at most 1')
    expect(failure(() => expectParams([], 1, 2)).message).toBe('missing value for required argument 0')
    expect(failure(() => expectParams(['0x1'], 2, 3)).message).toBe('missing value for required argument 1')
    expect(expectParams(['0x1'], 1, 2)).toEqual(['0x1'])
  })
})

describe('parseBlockNumber (rpc.BlockNumber)', () => {
  it('accepts the tags and hex numbers', () => {
    for (const tag of ['latest', 'earliest', 'pending', 'safe', 'finalized']) expect(parseBlockNumber(tag, 0)).toEqual({ kind: 'tag', tag })
    expect(parseBlockNumber('0x0', 0)).toEqual({ kind: 'number', number: 0n })
    expect(parseBlockNumber('0x1f', 0)).toEqual({ kind: 'number', number: 31n })
  })

  it('answers with hexutil.DecodeUint64 reasons, unwrapped', () => {
    const reason = (value: unknown) => failure(() => parseBlockNumber(value, 1)).message
    expect(reason('2')).toBe('invalid argument 1: hex string without 0x prefix')
    expect(reason('')).toBe('invalid argument 1: empty hex string')
    expect(reason('0x')).toBe('invalid argument 1: hex string "0x"')
    expect(reason('0x01')).toBe('invalid argument 1: hex number with leading zero digits')
    expect(reason('0xzz')).toBe('invalid argument 1: invalid hex string')
    expect(reason('0x10000000000000000')).toBe('invalid argument 1: hex number > 64 bits')
    expect(reason('0x8000000000000000')).toBe('invalid argument 1: block number larger than int64')
  })

  it('decodes a non-string the way geth does: its JSON text has no 0x prefix', () => {
    expect(failure(() => parseBlockNumber(2, 0)).message).toBe('invalid argument 0: hex string without 0x prefix')
    expect(failure(() => parseBlockNumber(true, 0)).message).toBe('invalid argument 0: hex string without 0x prefix')
  })

  it('does not trim inside the quotes', () => {
    expect(failure(() => parseBlockNumber(' latest', 0)).message).toBe('invalid argument 0: hex string without 0x prefix')
  })
})

describe('parseBlockSelector (rpc.BlockNumberOrHash)', () => {
  it('accepts a tag, a number, a hash and EIP-1898 objects', () => {
    expect(parseBlockSelector('latest', 0)).toEqual({ kind: 'tag', tag: 'latest' })
    expect(parseBlockSelector('0x2', 0)).toEqual({ kind: 'number', number: 2n })
    const byHash = parseBlockSelector(HASH, 0)
    expect(byHash.kind === 'hash' && bytesToHex(byHash.hash)).toBe(HASH)
    const canonical = parseBlockSelector({ blockHash: HASH, requireCanonical: true }, 0)
    expect(canonical.kind === 'hash' && canonical.requireCanonical).toBe(true)
    expect(parseBlockSelector({ blockNumber: '0x5' }, 0)).toEqual({ kind: 'number', number: 5n })
  })

  it('refuses both a hash and a number', () => {
    expect(failure(() => parseBlockSelector({ blockHash: HASH, blockNumber: '0x1' }, 1)).message).toBe(
      'invalid argument 1: cannot specify both BlockHash and BlockNumber, choose one or the other',
    )
  })

  it('reports an object with a malformed field as geth does: as a string that is not one', () => {
    const message = 'invalid argument 1: json: cannot unmarshal object into Go value of type string'
    expect(failure(() => parseBlockSelector({ blockHash: '0x12' }, 1)).message).toBe(message)
    expect(failure(() => parseBlockSelector({ blockNumber: '7' }, 1)).message).toBe(message)
    expect(failure(() => parseBlockSelector({ blockHash: HASH, requireCanonical: 'yes' }, 1)).message).toBe(message)
  })

  it('lets an object without either through to the -32000 geth answers', () => {
    expect(failure(() => parseBlockSelector({}, 0))).toEqual({ code: 'SERVER', message: 'invalid arguments; neither block nor hash specified' })
  })

  it('decodes a non-object as a string', () => {
    expect(failure(() => parseBlockSelector(2, 0)).message).toBe('invalid argument 0: json: cannot unmarshal number into Go value of type string')
    expect(failure(() => parseBlockSelector([], 0)).message).toBe('invalid argument 0: json: cannot unmarshal array into Go value of type string')
    expect(failure(() => parseBlockSelector('2', 0)).message).toBe('invalid argument 0: hex string without 0x prefix')
    expect(failure(() => parseBlockSelector('0x8000000000000000', 0)).message).toBe('invalid argument 0: blocknumber too high')
    expect(failure(() => parseBlockSelector(`0x${'zz'.repeat(32)}`, 0)).message).toBe('invalid argument 0: invalid hex string')
  })

  it('matches the object keys case-insensitively, like encoding/json', () => {
    expect(parseBlockSelector({ BlockNumber: '0x3' }, 0)).toEqual({ kind: 'number', number: 3n })
  })
})

describe('parseQuantity / parseUint (hexutil.Big, hexutil.Uint64, hexutil.Uint)', () => {
  it('accepts quantities', () => {
    expect(parseQuantity('0x0', 0)).toBe(0n)
    expect(parseQuantity(`0x${'f'.repeat(64)}`, 0)).toBe((1n << 256n) - 1n)
    expect(parseUint('0x10', 0)).toBe(16)
  })

  it('wraps the reason in encoding/json text naming the type', () => {
    expect(failure(() => parseQuantity('1', 2)).message).toBe(
      'invalid argument 2: json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Big',
    )
    expect(failure(() => parseQuantity(5, 0)).message).toBe('invalid argument 0: json: cannot unmarshal non-string into Go value of type hexutil.Big')
    expect(failure(() => parseQuantity(`0x1${'0'.repeat(64)}`, 0)).message).toBe(
      'invalid argument 0: json: cannot unmarshal hex number > 256 bits into Go value of type hexutil.Big',
    )
    expect(failure(() => parseQuantity('0x1g', 0, 'hexutil.Uint64')).message).toBe(
      'invalid argument 0: json: cannot unmarshal invalid hex string into Go value of type hexutil.Uint64',
    )
    expect(failure(() => parseUint('0x00', 1)).message).toBe(
      'invalid argument 1: json: cannot unmarshal hex number with leading zero digits into Go value of type hexutil.Uint',
    )
  })
})

describe('parseHash / parseAddress (hexutil.UnmarshalFixedJSON)', () => {
  it('accepts exactly sized hex', () => {
    expect(bytesToHex(parseHash(HASH, 0))).toBe(HASH)
    expect(bytesToHex(parseAddress(ADDRESS.toUpperCase().replace('0X', '0x'), 0))).toBe(ADDRESS)
  })

  it('checks in hexutil order with its texts', () => {
    const reason = (value: unknown) => failure(() => parseHash(value, 0)).message
    expect(reason(1)).toBe('invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Hash')
    expect(reason(null)).toBe('invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Hash')
    expect(reason('ab'.repeat(32))).toBe('invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type common.Hash')
    expect(reason('0xabc')).toBe('invalid argument 0: json: cannot unmarshal hex string of odd length into Go value of type common.Hash')
    // the length is checked before the digits, and is the one reason not wrapped
    expect(reason('0xzz')).toBe('invalid argument 0: hex string has length 2, want 64 for common.Hash')
    expect(reason('')).toBe('invalid argument 0: hex string has length 0, want 64 for common.Hash')
    expect(reason(`0x${'zz'.repeat(32)}`)).toBe('invalid argument 0: json: cannot unmarshal invalid hex string into Go value of type common.Hash')
    expect(failure(() => parseAddress('0x12', 1)).message).toBe('invalid argument 1: hex string has length 2, want 40 for common.Address')
  })

  it('names the struct field when the value sat in one', () => {
    expect(fixedHexProblem('0x1', 32, 'common.Hash', 'input.blockHash')).toBe(
      'json: cannot unmarshal hex string of odd length into Go struct field input.blockHash of type common.Hash',
    )
    expect(fixedHexProblem(HASH, 32, 'common.Hash')).toBeNull()
  })
})

describe('parseBytes (hexutil.Bytes)', () => {
  it('accepts hex and the empty string', () => {
    expect(bytesToHex(parseBytes('0x0102', 0))).toBe('0x0102')
    expect(parseBytes('0x', 0)).toEqual(new Uint8Array())
    expect(parseBytes('', 0)).toEqual(new Uint8Array())
  })

  it('wraps hexutil reasons', () => {
    expect(failure(() => parseBytes(7, 0)).message).toBe('invalid argument 0: json: cannot unmarshal non-string into Go value of type hexutil.Bytes')
    expect(failure(() => parseBytes('12', 0)).message).toBe(
      'invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Bytes',
    )
    expect(failure(() => parseBytes('0x123', 0)).message).toBe(
      'invalid argument 0: json: cannot unmarshal hex string of odd length into Go value of type hexutil.Bytes',
    )
    expect(failure(() => parseBytes('0xgg', 0)).message).toBe(
      'invalid argument 0: json: cannot unmarshal invalid hex string into Go value of type hexutil.Bytes',
    )
  })
})

describe('parseBool', () => {
  it('takes null as false, as encoding/json leaves a bool', () => {
    expect(parseBool(true, 0)).toBe(true)
    expect(parseBool(null, 0)).toBe(false)
  })

  it('names the JSON kind it got', () => {
    expect(failure(() => parseBool('true', 1)).message).toBe('invalid argument 1: json: cannot unmarshal string into Go value of type bool')
    expect(failure(() => parseBool(1, 1)).message).toBe('invalid argument 1: json: cannot unmarshal number into Go value of type bool')
  })
})

describe('goField', () => {
  it('finds a key case-insensitively, the last one winning', () => {
    expect(goField({ fromblock: 1, FromBlock: 2 }, 'fromBlock')).toBe(2)
    expect(goField({}, 'fromBlock')).toBeUndefined()
  })
})
