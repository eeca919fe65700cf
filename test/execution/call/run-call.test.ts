import { bytesToBigInt, bytesToHex, toChecksumAddress } from '@ethereumjs/util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CallError } from '../../../src/execution/call/errors.js'
import { call, createAccessList, estimateGas } from '../../../src/execution/call/run-call.js'
import type { CallInput } from '../../../src/execution/call/types.js'
import { CONTRACTS, type ChainFixture, FUNDED, UNFUNDED, bytes, hex, openConformanceChain, word } from '../../helpers/call-chain.js'
import { conformanceAvailable, conformanceMissingMessage } from '../../helpers/conformance.js'

/**
 * The call family's semantics, run in-thread on the rpc-compat chain (head 0x36, Osaka): what
 * geth's eth_call, eth_estimateGas and eth_createAccessList answer and the errors they give.
 */

const LIMITS = { gasCap: 50_000_000n }
const HEAD = 0x36n
/** An address with no account, where state overrides put test code. */
const PROBE = '0x00000000000000000000000000000000000c0de1'

async function failure(promise: Promise<unknown>): Promise<CallError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  if (!(err instanceof CallError)) throw new Error(`expected a CallError, got ${String(err)}`)
  return err
}

/** A call to PROBE running `code`. */
function probe(code: string, request: CallInput['request'] = {}): CallInput {
  return { request: { to: bytes(PROBE), ...request }, stateOverrides: [{ address: bytes(PROBE), code: bytes(code) }] }
}

if (!conformanceAvailable()) {
  describe('call family', () => {
    it('needs the conformance chain', () => {
      throw new Error(conformanceMissingMessage())
    })
  })
} else {
  let chain: ChainFixture
  beforeAll(async () => {
    chain = await openConformanceChain()
  })
  afterAll(async () => {
    await chain?.close()
  })

  describe('call', () => {
    it('returns what the contract returns', async () => {
      const out = await call(await chain.envAt(HEAD), { request: { to: bytes(CONTRACTS.echo), data: bytes('0xff01') } }, LIMITS)
      expect(hex(out)).toBe('0xffee')
    })

    it('reports a revert with an Error(string) reason as REVERTED with the reason and the data', async () => {
      const err = await failure(call(await chain.envAt(HEAD), { request: { to: bytes(CONTRACTS.reverter), data: bytes('0x01') } }, LIMITS))
      expect(err.type.code).toBe('REVERTED')
      expect(err.message).toBe('execution reverted: user error')
      expect(err.data).toMatch(/^0x08c379a0/)
    })

    it('decodes a Panic(uint256) as geth does', async () => {
      const err = await failure(call(await chain.envAt(HEAD), { request: { to: bytes(CONTRACTS.reverter), data: bytes('0x00') } }, LIMITS))
      expect(err.message).toBe('execution reverted: assert(false)')
      expect(err.data).toBe('0x4e487b710000000000000000000000000000000000000000000000000000000000000001')
    })

    it('keeps a non-ABI revert reason out of the message', async () => {
      const err = await failure(call(await chain.envAt(HEAD), { request: { to: bytes(CONTRACTS.echo), data: bytes('0xff030405') } }, LIMITS))
      expect(err.type.code).toBe('REVERTED')
      expect(err.message).toBe('execution reverted')
      expect(err.data).toBe(`0x${Buffer.from('wrong-calldatasize').toString('hex')}`)
    })

    it('reports a revert without data as a plain failure, as geth does for eth_call', async () => {
      const err = await failure(call(await chain.envAt(HEAD), probe('0x60006000fd'), LIMITS))
      expect(err.type).toEqual({ code: 'FAILED', message: 'execution reverted' })
    })

    it.each([
      ['0xfe', 'invalid opcode: INVALID'],
      ['0xef', 'invalid opcode: opcode 0xef not defined'],
      ['0x01', 'stack underflow (0 <=> 2)'],
      ['0x600056', 'invalid jump destination'],
      ['0x5b600056', 'out of gas'],
    ])('names EVM failures as geth does (%s: %s)', async (code, message) => {
      const err = await failure(call(await chain.envAt(HEAD), probe(code, { gas: 100_000n }), LIMITS))
      expect(err.type).toEqual({ code: 'FAILED', message })
    })

    it('refuses messages geth refuses, with its texts and the supplied gas', async () => {
      const env = await chain.envAt(HEAD)
      const run = async (request: CallInput['request']) => (await failure(call(env, { request: { to: bytes(CONTRACTS.echo), ...request } }, LIMITS))).message
      expect(await run({ from: bytes(UNFUNDED), gasPrice: 30_000_000n, value: 5n })).toBe(
        `err: insufficient funds for gas * price + value: address ${toChecksumAddress(UNFUNDED)} have 0 want 1500000000000005 (supplied gas 50000000)`,
      )
      expect(await run({ gas: 0x5000n })).toBe('err: intrinsic gas too low: have 20480, want 21000 (supplied gas 20480)')
      expect(await run({ maxFeePerGas: 1n })).toBe(
        'err: max fee per gas less than block base fee: address 0x0000000000000000000000000000000000000000, maxFeePerGas: 1, baseFee: 27399063 (supplied gas 50000000)',
      )
      expect(await run({ maxFeePerGas: 30_000_000n, maxPriorityFeePerGas: 40_000_000n })).toBe(
        'err: max priority fee per gas higher than max fee per gas: address 0x0000000000000000000000000000000000000000, maxPriorityFeePerGas: 40000000, maxFeePerGas: 30000000 (supplied gas 50000000)',
      )
      expect(await run({ gasPrice: 1n, maxFeePerGas: 1n })).toBe('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified')
      expect(await run({ chainId: 1n })).toBe("chainId does not match node's (have=1, want=3503995874084926)")
    })

    it('charges nothing and reads a zero base fee when no gas price is given', async () => {
      // the callenv contract echoes BASEFEE as its fourth word
      const out = await call(await chain.envAt(HEAD), { request: { from: bytes(UNFUNDED), to: bytes(CONTRACTS.callenv) } }, LIMITS)
      expect(bytesToBigInt(out.subarray(96, 128))).toBe(0n)
      const priced = await call(await chain.envAt(HEAD), { request: { from: bytes(FUNDED), to: bytes(CONTRACTS.callenv), gasPrice: 30_000_000n } }, LIMITS)
      expect(bytesToBigInt(priced.subarray(96, 128))).toBe(27_399_063n)
    })

    it('lets a contract be the sender (no EOA check for calls)', async () => {
      const out = await call(await chain.envAt(HEAD), { request: { from: bytes(CONTRACTS.echo), to: bytes(CONTRACTS.echo), data: bytes('0xff01') } }, LIMITS)
      expect(hex(out)).toBe('0xffee')
    })

    it('runs on the state after the block asked for, in that block context', async () => {
      // creation code returning BALANCE(FUNDED)
      const initCode = bytes(`0x73${FUNDED.slice(2)}3160005260206000f3`)
      const balanceAt = async (number: bigint) => bytesToBigInt(await call(await chain.envAt(number), { request: { data: initCode } }, LIMITS))
      const state = async (number: bigint) => (await (await chain.reader.stateAt((await chain.reader.headerByNumber(number))!)).getAccount(bytes(FUNDED)))!.balance
      expect(await balanceAt(0x17n)).toBe(await state(0x17n))
      expect(await balanceAt(HEAD)).toBe(await state(HEAD))
      expect(await balanceAt(0x17n)).not.toBe(await balanceAt(HEAD))
      const env = await call(await chain.envAt(0x30n), { request: { to: bytes(CONTRACTS.callenv) } }, LIMITS)
      expect(bytesToBigInt(env.subarray(0, 32))).toBe(0x30n)
    })

    it('answers BLOCKHASH with the canonical hashes of the block ancestors', async () => {
      // BLOCKHASH(NUMBER - 1)
      const out = await call(await chain.envAt(HEAD), probe('0x43600190034060005260206000f3'), LIMITS)
      expect(hex(out)).toBe(bytesToHex((await chain.reader.headerByNumber(HEAD - 1n))!.hash()))
      // BLOCKHASH(NUMBER) is zero
      const current = await call(await chain.envAt(HEAD), probe('0x434060005260206000f3'), LIMITS)
      expect(hex(current)).toBe(word(0n))
    })
  })

  describe('state and block overrides', () => {
    it('overrides balance, nonce, code and storage (state replaces, stateDiff patches)', async () => {
      const env = await chain.envAt(HEAD)
      const slot0 = '0x60005460005260206000f3' // returns SLOAD(0)
      const withStorage = (field: 'state' | 'stateDiff') =>
        call(env, { request: { to: bytes(CONTRACTS.emitter) }, stateOverrides: [{ address: bytes(CONTRACTS.emitter), code: bytes(slot0), [field]: [[bytes(word(1n)), bytes(word(7n))]] }] }, LIMITS)
      const real = await call(env, { request: { to: bytes(CONTRACTS.emitter) }, stateOverrides: [{ address: bytes(CONTRACTS.emitter), code: bytes(slot0) }] }, LIMITS)
      expect(bytesToBigInt(real)).toBeGreaterThan(0n) // the emitter's call counter
      expect(bytesToBigInt(await withStorage('state'))).toBe(0n) // replaced: slot 0 gone
      expect(await withStorage('stateDiff')).toEqual(real) // patched: slot 0 kept

      // SELFBALANCE
      const balance = await call(env, { ...probe('0x4760005260206000f3'), stateOverrides: [{ address: bytes(PROBE), code: bytes('0x4760005260206000f3'), balance: 12345n }] }, LIMITS)
      expect(bytesToBigInt(balance)).toBe(12345n)
      const err = await failure(call(env, { request: { to: bytes(PROBE) }, stateOverrides: [{ address: bytes(PROBE), state: [], stateDiff: [] }] }, LIMITS))
      expect(err.message).toBe(`account ${toChecksumAddress(PROBE)} has both 'state' and 'stateDiff'`)
    })

    it('moves a precompile and refuses to move what is none', async () => {
      const env = await chain.envAt(HEAD)
      // CALL(gas, 0xdead, 0, 0, 1, 0x20, 0x20) with calldata byte 0x61, returning what came back:
      // the identity precompile echoes the byte
      const caller = '0x6061600053602060206001600060006200dead5af150602051600052' + '60206000f3'
      const moved = await call(
        env,
        { request: { to: bytes(PROBE) }, stateOverrides: [{ address: bytes(PROBE), code: bytes(caller) }, { address: bytes('0x0000000000000000000000000000000000000004'), movePrecompileToAddress: bytes('0x000000000000000000000000000000000000dead') }] },
        LIMITS,
      )
      expect(moved[0]).toBe(0x61)
      const err = await failure(call(env, { request: { to: bytes(PROBE) }, stateOverrides: [{ address: bytes(PROBE), movePrecompileToAddress: bytes('0x000000000000000000000000000000000000dead') }] }, LIMITS))
      expect(err.message).toBe(`account ${toChecksumAddress(PROBE)} is not a precompile`)
    })

    it('overrides the block context and refuses beaconRoot', async () => {
      const env = await chain.envAt(HEAD)
      const out = await call(env, { request: { to: bytes(CONTRACTS.callenv) }, blockOverrides: { number: 0x1234n } }, LIMITS)
      expect(bytesToBigInt(out.subarray(0, 32))).toBe(0x1234n)
      const err = await failure(call(env, { request: { to: bytes(CONTRACTS.callenv) }, blockOverrides: { beaconRoot: new Uint8Array(32) } }, LIMITS))
      expect(err.message).toBe('block override "beaconRoot" is not supported for this RPC method')
    })
  })

  describe('estimateGas', () => {
    it('answers 21000 for a plain transfer and searches otherwise', async () => {
      const env = await chain.envAt(HEAD)
      expect(await estimateGas(env, { request: { from: bytes(FUNDED), to: bytes(UNFUNDED), value: 1n } }, LIMITS)).toBe(21_000n)
      const gas = await estimateGas(env, { request: { to: bytes(CONTRACTS.echo), data: bytes('0xff01') } }, LIMITS)
      // the estimate lets the call succeed, at most 1.5% above the least that does
      await call(env, { request: { to: bytes(CONTRACTS.echo), data: bytes('0xff01'), gas } }, LIMITS)
      await expect(call(env, { request: { to: bytes(CONTRACTS.echo), data: bytes('0xff01'), gas: (gas * 985n) / 1000n - 1n } }, LIMITS)).rejects.toThrow()
    })

    it('matches geth for EIP-7623 floors and EIP-7702 authorizations', async () => {
      const env = await chain.envAt(HEAD)
      const base = { from: bytes(FUNDED), to: bytes('0x0100000000000000000000000000000000000000'), value: 1n, nonce: 0n }
      expect(await estimateGas(env, { request: { ...base, data: new Uint8Array(32) } }, LIMITS)).toBe(0x53een)
      const authorization = { chainId: 1n, address: bytes(`0x${'aa'.repeat(20)}`), nonce: 0n, yParity: 0n, r: BigInt(`0x${'11'.repeat(32)}`), s: BigInt(`0x${'22'.repeat(32)}`) }
      expect(await estimateGas(env, { request: { ...base, authorizationList: [authorization] } }, LIMITS)).toBe(0xb52en)
    })

    it('reports reverts as REVERTED, even without data', async () => {
      const env = await chain.envAt(HEAD)
      const err = await failure(estimateGas(env, { request: { to: bytes(CONTRACTS.reverter), data: bytes('0x01') } }, LIMITS))
      expect(err.message).toBe('execution reverted: user error')
      const bare = await failure(estimateGas(env, probe('0x60006000fd'), LIMITS))
      expect(bare.type).toEqual({ code: 'REVERTED', data: new Uint8Array(0) })
    })

    it('says what bounded the search when nothing fits', async () => {
      const env = await chain.envAt(HEAD)
      // MSTORE at 2^32: the memory would cost more gas than any bound
      const greedy = '0x600163ffffffff52'
      const loop = await failure(estimateGas(env, probe(greedy, { gas: 100_000n }), LIMITS))
      expect(loop.message).toBe('gas required exceeds allowance (100000)')
      // from Osaka the block gas limit bound is capped at 2^24 (EIP-7825)
      const uncapped = await failure(estimateGas(env, probe(greedy), { gasCap: 0n }))
      expect(uncapped.message).toBe('gas required exceeds allowance (16777216)')
      const broke = await failure(estimateGas(env, { request: { from: bytes(UNFUNDED), to: bytes(FUNDED), value: 1n, gasPrice: 1n } }, LIMITS))
      expect(broke.message).toBe('insufficient funds for transfer')
      const old = await failure(estimateGas(await chain.envAt(0x17n), { request: { from: bytes(FUNDED), to: bytes(UNFUNDED), accessList: [] } }, LIMITS))
      expect(old.message).toBe('failed with 50000000 gas: transaction type not supported: access list tx (sender 0x0c2c51a0990AeE1d73C1228de158688341557508)')
    })
  })

  describe('createAccessList', () => {
    it('lists touched accounts and slots, leaving out sender, recipient and precompiles but keeping their slots', async () => {
      const env = await chain.envAt(HEAD)
      const other = '0x00000000000000000000000000000000000000b0'
      const called = '0x00000000000000000000000000000000000000c0'
      const code =
        `0x73${other.slice(2)}3150` + // BALANCE(other)
        `60006000600060006000 73${called.slice(2)} 5af150`.replaceAll(' ', '') + // CALL(called)
        '600060006000600060006002 5af150'.replaceAll(' ', '') + // CALL(sha256 precompile)
        '6005545000' // SLOAD(5) on itself
      const result = await createAccessList(env, { request: { from: bytes(FUNDED), ...probe(code).request }, stateOverrides: probe(code).stateOverrides }, LIMITS)
      expect(result.error).toBeUndefined()
      expect(result.accessList.map((entry) => [hex(entry.address), entry.storageKeys.map(hex)])).toEqual([
        [other, []],
        [called, []],
        [PROBE, [word(5n)]],
      ])
      // the list is what the final run used: running with it costs what gasUsed says
      expect(result.gasUsed).toBeGreaterThan(21_000n + 2n * 2400n + 1900n)
    })

    it('reports a failing execution beside the list it found', async () => {
      const result = await createAccessList(await chain.envAt(HEAD), { request: { to: bytes(CONTRACTS.reverter), data: bytes('0x01'), gas: 100_000n } }, LIMITS)
      expect(result).toEqual({ accessList: [{ address: bytes(CONTRACTS.reverter), storageKeys: [bytes(word(0x42ffn))] }], gasUsed: 0x639dn, error: 'execution reverted' })
    })

    it("names geth's unsigned transaction when the message is refused", async () => {
      const err = await failure(createAccessList(await chain.envAt(0x17n), { request: { from: bytes(FUNDED), to: bytes('0x0100000000000000000000000000000000000000') } }, LIMITS))
      expect(err.message).toBe(
        'failed to apply transaction: 0x93eac2a3162cccff521f874514811d908ea25414cbf11b0fd9bfe4f17f908381 err: transaction type not supported: access list tx (sender 0x0c2c51a0990AeE1d73C1228de158688341557508)',
      )
    })
  })
}
