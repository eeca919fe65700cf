import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { EVM, createEVM } from '@ethereumjs/evm'
import { Account, Address, bytesToHex, hexToBytes } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { installEthereumjsSpeedups } from '../../src/chain/ethereumjs-speedups.js'

/**
 * A plain call frame must come out as ethereumjs's _executeCall makes it. With DEBUG set, the
 * patched _executeCall (and the interpreter loop) hand every frame to ethereumjs's own code, so
 * each call runs both ways on fresh, identical states and the outcomes are compared.
 */
describe('installCallSpeedups', () => {
  installEthereumjsSpeedups()
  const address = (n: number) => new Address(hexToBytes(`0x${n.toString(16).padStart(40, '0')}`))
  const sender = address(0x5e)
  // above the precompiles (0x01 to 0x11 in Prague)
  const [A, B, C, D, E, F] = [0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0].map(address)
  const hex = (a: Address) => a.toString().slice(2)
  const code: [Address, string][] = [
    // A: CALL B with 1 wei, return its 32 bytes
    [A, `0x60206000600060006001 73${hex(B)} 5af1 50 60206000f3`],
    // B: return CALLVALUE as a word
    [B, '0x3460005260206000f3'],
    // C: DELEGATECALL B (B's code with C's value), return its word
    [C, `0x6020600060006000 73${hex(B)} 5af4 50 60206000f3`],
    // D: the identity precompile on a word, return its output
    [D, '0x602a600052 602060206020600060006004 5af1 50 60206020f3'],
    // E: revert
    [E, '0x60006000fd'],
    // F: CALL E, return the success flag
    [F, `0x6000600060006000600073${hex(E)}5af1 60005260206000f3`],
  ]

  async function outcome(to: Address, value: bigint, original: boolean) {
    const evm = await createEVM({ common: new Common({ chain: Mainnet, hardfork: Hardfork.Prague }) })
    ;(evm as unknown as { DEBUG: boolean }).DEBUG = original
    await evm.stateManager.putAccount(sender, new Account(0n, 10n ** 18n))
    for (const [at, bytecode] of code) {
      await evm.stateManager.putAccount(at, new Account(0n, 5n))
      await evm.stateManager.putCode(at, hexToBytes(bytecode.replaceAll(' ', '') as `0x${string}`))
    }
    const { execResult } = await evm.runCall({ caller: sender, origin: sender, to, value, gasLimit: 1_000_000n })
    const balances: string[] = []
    for (const at of [sender, A, B, C, D, E, F, address(0x77)]) balances.push(String((await evm.stateManager.getAccount(at))?.balance))
    return {
      error: execResult.exceptionError?.error ?? null,
      gasUsed: execResult.executionGasUsed,
      gasRefund: execResult.gasRefund,
      returned: bytesToHex(execResult.returnValue),
      logs: execResult.logs?.length ?? null,
      balances,
    }
  }

  const calls: Record<string, [Address, bigint]> = {
    'a transfer to an account without code': [address(0x77), 3n],
    'a transfer of more than the sender has': [address(0x77), 10n ** 19n],
    'a contract that calls another with value': [A, 2n],
    'a DELEGATECALL': [C, 4n],
    'a precompile through CALL': [D, 0n],
    'a precompile called directly': [address(4), 0n],
    'a revert': [E, 0n],
    'a call whose inner call reverts': [F, 0n],
  }

  it('is installed (else every comparison below would be the original against itself)', () => {
    expect((EVM.prototype as unknown as Record<string, { name: string }>)._executeCall.name).toBe('plainExecuteCall')
  })

  for (const [name, [to, value]] of Object.entries(calls)) {
    it(`runs ${name} as ethereumjs's _executeCall does`, async () => {
      expect(await outcome(to, value, false)).toEqual(await outcome(to, value, true))
    })
  }

  it('finds the outcomes the calls are meant to have (the comparison is not between two no-ops)', async () => {
    const word = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}`
    expect(await outcome(A, 2n, false)).toMatchObject({ error: null, returned: word(1n), balances: [String(10n ** 18n - 2n), '6', '6', '5', '5', '5', '5', 'undefined'] })
    expect((await outcome(C, 4n, false)).returned).toBe(word(4n))
    expect((await outcome(D, 0n, false)).returned).toBe(word(0x2an))
    expect((await outcome(F, 0n, false)).returned).toBe(word(0n))
    expect((await outcome(E, 0n, false)).error).toBe('revert')
    expect((await outcome(address(0x77), 10n ** 19n, false)).error).not.toBeNull()
    expect((await outcome(address(0x77), 3n, false)).balances.at(-1)).toBe('3')
  })
})
