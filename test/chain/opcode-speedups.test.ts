import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createEVM } from '@ethereumjs/evm'
import { Account, Address, bigIntToBytes, bytesToHex, hexToBytes, setLengthLeft } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { installEthereumjsSpeedups } from '../../src/chain/ethereumjs-speedups.js'
import { bigIntToWord } from '../../src/chain/opcode-speedups.js'
import { importEthereumjsModule } from '../../src/util/ethereumjs-internals.js'

type Tables = { handlers: Map<number, unknown>; gas: Map<number, unknown> }

/**
 * The MSTORE, SLOAD, SSTORE and LOG handlers must do what ethereumjs's do. An EVM copies the
 * opcode tables when it is created, so one created while ethereumjs's own handlers are back in
 * the tables runs them: each program runs on such an EVM and on one with ours, and the outcomes
 * (gas, refunds, errors, memory, logs, storage) are compared, over several forks.
 */
describe('installOpcodeSpeedups', async () => {
  const { handlers } = await importEthereumjsModule<{ handlers: Map<number, unknown> }>('@ethereumjs/evm', 'opcodes/functions.js')
  const { dynamicGasHandlers } = await importEthereumjsModule<{ dynamicGasHandlers: Map<number, unknown> }>('@ethereumjs/evm', 'opcodes/gas.js')
  const snapshot = (): Tables => ({ handlers: new Map(handlers), gas: new Map(dynamicGasHandlers) })
  const restore = (tables: Tables) => {
    for (const [op, handler] of tables.handlers) handlers.set(op, handler)
    for (const [op, handler] of tables.gas) dynamicGasHandlers.set(op, handler)
  }
  const original = snapshot()
  installEthereumjsSpeedups()
  const ours = snapshot()
  const contract = new Address(hexToBytes('0x00000000000000000000000000000000000000cc'))
  const slot = (n: number) => setLengthLeft(bigIntToBytes(BigInt(n)), 32)

  async function outcome(tables: Tables, hardfork: Hardfork, code: string, options: { gasLimit?: bigint; isStatic?: boolean } = {}) {
    restore(tables)
    const evm = await createEVM({ common: new Common({ chain: Mainnet, hardfork }) })
    restore(ours)
    await evm.stateManager.putAccount(contract, new Account())
    // slot 1 holds 7 before the program runs: its original value differs from its current one
    await evm.stateManager.putStorage(contract, slot(1), Uint8Array.of(7))
    const result = await evm.runCode({ code: hexToBytes(code as `0x${string}`), gasLimit: options.gasLimit ?? 200_000n, to: contract, isStatic: options.isStatic })
    const storage: string[] = []
    for (let n = 0; n < 4; n++) storage.push(bytesToHex(await evm.stateManager.getStorage(contract, slot(n))))
    return {
      error: result.exceptionError?.error ?? null,
      gasUsed: result.executionGasUsed,
      gasRefund: result.gasRefund,
      returned: bytesToHex(result.returnValue),
      logs: (result.logs ?? []).map((log) => log.map((part) => (Array.isArray(part) ? part.map(bytesToHex) : bytesToHex(part)))),
      stack: result.runState?.stack.getStack().map(String),
      storage,
    }
  }

  const MAX = `7f${'ff'.repeat(32)}`
  const HIGH = `7f80${'00'.repeat(30)}01`
  const programs: Record<string, { code: string; gasLimit?: bigint; isStatic?: boolean }> = {
    // words 0, 0x2a, 2^255 + 1 and 2^256 - 1 stored at 0, 32, 64, 96, all returned
    'MSTORE of small, large and zero words': { code: `0x6000600052602a602052${HIGH}604052${MAX}606052608060 00f3`.replaceAll(' ', '') },
    // slot 1: 7 -> 0 -> 5 (refund, then its reversal); slot 2: 0 -> 9 -> 0; slot 3: 0 -> 2^256 - 1; slot 0 rewritten as 0
    'SSTORE through every EIP-2200 case, then SLOAD': {
      code: `0x600060015560056001556009600255600060025560${'00'}600055${MAX}6003556001546002546003546000 54`.replaceAll(' ', ''),
    },
    'SLOAD of cold, warm and high keys': { code: `0x60015460015460025450${MAX}54${HIGH}5400` },
    // LOG0 to LOG4 of 32 bytes of memory holding 0x2a, topics 0, 1, 2^256 - 1, 2^255 + 1
    'LOG0 to LOG4': {
      code: `0x602a60005260206000a0600060206000a16001600060206000a2${MAX}60016000602060 00a3${HIGH}${MAX}60016000602060 00a400`.replaceAll(' ', ''),
    },
    'LOG of no data': { code: '0x60aa60006000a100' },
    'SSTORE in a static frame': { code: '0x6001600155', isStatic: true },
    'SSTORE with no more than the 2,300 gas stipend left': { code: '0x6001600155', gasLimit: 2306n },
    'SSTORE out of gas after the stipend check': { code: '0x6001600255', gasLimit: 5000n },
  }

  it('replaces the handlers (else every comparison below would be the original against itself)', () => {
    for (const op of [0x52, 0x54, 0x55, 0xa0, 0xa4]) expect(ours.handlers.get(op), `handler ${op}`).not.toBe(original.handlers.get(op))
    for (const op of [0x54, 0x55]) expect(ours.gas.get(op), `gas ${op}`).not.toBe(original.gas.get(op))
  })

  for (const hardfork of [Hardfork.Prague, Hardfork.Berlin, Hardfork.Istanbul, Hardfork.Petersburg, Hardfork.Constantinople, Hardfork.Byzantium]) {
    it(`runs the programs as ethereumjs's handlers do (${hardfork})`, async () => {
      for (const [name, program] of Object.entries(programs)) {
        const expected = await outcome(original, hardfork, program.code, program)
        expect(await outcome(ours, hardfork, program.code, program), name).toEqual(expected)
      }
    })
  }

  it('finds the outcomes the programs are meant to have (the comparison is not between two no-ops)', async () => {
    const run = (name: string) => outcome(ours, Hardfork.Prague, programs[name].code, programs[name])
    const word = (n: bigint) => bytesToHex(bigIntToWord(n))
    const max = 2n ** 256n - 1n
    expect((await run('MSTORE of small, large and zero words')).returned).toBe(`0x${[0n, 0x2an, 2n ** 255n + 1n, max].map((n) => word(n).slice(2)).join('')}`)
    expect(await run('SSTORE through every EIP-2200 case, then SLOAD')).toMatchObject({
      error: null,
      storage: ['0x', '0x05', '0x', word(max)],
      stack: ['5', '0', String(max), '0'],
    })
    expect((await run('LOG0 to LOG4')).logs.map((log) => log[1])).toEqual([[], [word(0n)], [word(0n), word(1n)], [word(0n), word(1n), word(max)], [word(0n), word(1n), word(max), word(2n ** 255n + 1n)]])
    expect(await run('SSTORE in a static frame')).toMatchObject({ error: 'static state change' })
    expect(await run('SSTORE with no more than the 2,300 gas stipend left')).toMatchObject({ error: 'out of gas' })
  })

  it('bigIntToWord gives the 32 bytes ethereumjs pads a stack word to', () => {
    for (const n of [0n, 1n, 0xfn, 0x10n, 0xabcn, 2n ** 64n, 2n ** 160n - 1n, 2n ** 255n, 2n ** 256n - 1n]) {
      expect(bytesToHex(bigIntToWord(n)), n.toString(16)).toBe(bytesToHex(setLengthLeft(bigIntToBytes(n), 32)))
    }
  })
})
