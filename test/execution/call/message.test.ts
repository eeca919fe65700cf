import { hexToBytes } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { formatGoDuration, parseDuration } from '../../../src/execution/call/duration.js'
import { CallError } from '../../../src/execution/call/errors.js'
import { callDefaults, toMessage, unsignedTransactionHash } from '../../../src/execution/call/message.js'
import { decodeRevertReason } from '../../../src/execution/call/revert.js'

const CHAIN_ID = 3503995874084926n
const TO = hexToBytes('0x0100000000000000000000000000000000000000')

describe('callDefaults and toMessage (geth TransactionArgs)', () => {
  it('gives a call the gas cap, zero fees and nonce, and caps what it asks for', () => {
    const args = callDefaults({ to: TO }, { gasCap: 50_000_000n, baseFee: 7n, chainId: CHAIN_ID })
    expect(args).toMatchObject({ gas: 50_000_000n, nonce: 0n, value: 0n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n, chainId: CHAIN_ID })
    expect(callDefaults({ gas: 60_000_000n }, { gasCap: 50_000_000n, baseFee: 7n, chainId: CHAIN_ID }).gas).toBe(50_000_000n)
    expect(callDefaults({}, { gasCap: 0n, baseFee: 7n, chainId: CHAIN_ID }).gas).toBe((1n << 63n) - 1n)
  })

  it('prices EIP-1559 fields as min(tip + base fee, fee cap), and pays nothing without them', () => {
    const defaults = { gasCap: 50_000_000n, baseFee: 100n, chainId: CHAIN_ID }
    expect(toMessage(callDefaults({ maxFeePerGas: 150n, maxPriorityFeePerGas: 20n }, defaults), 100n).gasPrice).toBe(120n)
    expect(toMessage(callDefaults({ maxFeePerGas: 110n, maxPriorityFeePerGas: 20n }, defaults), 100n).gasPrice).toBe(110n)
    expect(toMessage(callDefaults({}, defaults), 100n)).toMatchObject({ gasPrice: 0n, gasFeeCap: 0n, gasTipCap: 0n })
    expect(toMessage(callDefaults({ gasPrice: 130n }, defaults), 100n)).toMatchObject({ gasPrice: 130n, gasFeeCap: 130n, gasTipCap: 130n })
  })

  it("refuses what geth's CallDefaults refuses", () => {
    const refuse = (request: object, baseFee: bigint | undefined) => {
      try {
        callDefaults(request, { gasCap: 0n, baseFee, chainId: CHAIN_ID })
      } catch (err) {
        return (err as CallError).message
      }
      return null
    }
    expect(refuse({ gasPrice: 1n, maxPriorityFeePerGas: 1n }, 7n)).toBe('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified')
    expect(refuse({ maxFeePerGas: 0n }, undefined)).toBe('maxFeePerGas and maxPriorityFeePerGas are not valid before London is active')
    expect(refuse({ chainId: 5n }, 7n)).toBe(`chainId does not match node's (have=5, want=${CHAIN_ID})`)
    expect(refuse({ gasPrice: 0n }, undefined)).toBeNull()
  })

  it("hashes the unsigned transaction geth's eth_createAccessList names in its errors", async () => {
    const args = callDefaults({ from: hexToBytes('0x0c2c51a0990aee1d73c1228de158688341557508'), to: TO, nonce: 0n }, { gasCap: 50_000_000n, baseFee: undefined, chainId: CHAIN_ID })
    expect(await unsignedTransactionHash({ ...args, accessList: [] }, CHAIN_ID)).toBe('0x93eac2a3162cccff521f874514811d908ea25414cbf11b0fd9bfe4f17f908381')
    const london = callDefaults({ to: TO, nonce: 0n, maxFeePerBlobGas: 1n }, { gasCap: 50_000_000n, baseFee: 154_829_214n, chainId: CHAIN_ID })
    expect(await unsignedTransactionHash({ ...london, accessList: [] }, CHAIN_ID)).toBe('0x7461ca0b9b8117d87871f4643aa54f146a0fa78d2462d8f4a93e8f3d7e77aa17')
  })
})

describe('revert reasons (geth abi.UnpackRevert)', () => {
  const errorString = (text: string) => {
    const body = Buffer.from(text)
    const padded = Buffer.concat([body, Buffer.alloc((32 - (body.length % 32)) % 32)])
    return hexToBytes(`0x08c379a0${'20'.padStart(64, '0')}${body.length.toString(16).padStart(64, '0')}${padded.toString('hex')}`)
  }

  it('reads Error(string) and Panic(uint256)', () => {
    expect(decodeRevertReason(errorString('user error'))).toBe('user error')
    expect(decodeRevertReason(hexToBytes(`0x4e487b71${'11'.padStart(64, '0')}`))).toBe('arithmetic underflow or overflow')
    expect(decodeRevertReason(hexToBytes(`0x4e487b71${'99'.padStart(64, '0')}`))).toBe('unknown panic code: 0x99')
  })

  it('gives nothing for other data, short data or a string running past the end', () => {
    expect(decodeRevertReason(hexToBytes('0x'))).toBeNull()
    expect(decodeRevertReason(hexToBytes('0xdeadbeef'))).toBeNull()
    expect(decodeRevertReason(errorString('user error').subarray(0, 70))).toBeNull()
  })

  it('makes the messages of REVERTED errors', () => {
    expect(new CallError({ code: 'REVERTED', data: errorString('no') }).message).toBe('execution reverted: no')
    expect(new CallError({ code: 'REVERTED', data: new Uint8Array(0) }).message).toBe('execution reverted')
    expect(new CallError({ code: 'TIMEOUT', timeout: '5s' }).message).toBe('execution aborted (timeout = 5s)')
  })
})

describe('durations (Go notation)', () => {
  it('parses Go durations and bare milliseconds', () => {
    expect(parseDuration('5s')).toBe(5000)
    expect(parseDuration('1m30s')).toBe(90_000)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('1.5s')).toBe(1500)
    expect(parseDuration('750')).toBe(750)
    expect(parseDuration('0')).toBe(0)
    expect(parseDuration('5 seconds')).toBeNull()
    expect(parseDuration('')).toBeNull()
  })

  it("prints as Go's Duration.String()", () => {
    expect(formatGoDuration(5000)).toBe('5s')
    expect(formatGoDuration(1000)).toBe('1s')
    expect(formatGoDuration(1500)).toBe('1.5s')
    expect(formatGoDuration(500)).toBe('500ms')
    expect(formatGoDuration(90_000)).toBe('1m30s')
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s')
    expect(formatGoDuration(0)).toBe('0s')
  })
})
