import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createEVM } from '@ethereumjs/evm'
import { Account, Address, bytesToHex, hexToBytes } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { installEthereumjsSpeedups } from '../../src/chain/ethereumjs-speedups.js'
import { importEthereumjsModule } from '../../src/util/ethereumjs-internals.js'

/**
 * The interpreter loop that runs plain opcodes in place must end every frame as ethereumjs's own
 * run() does. A `step` listener makes the patched run() hand the frame to the original, so each
 * program runs both ways on the same EVM and the outcomes are compared.
 */
describe('installInterpreterSpeedups', () => {
  installEthereumjsSpeedups()
  const contract = new Address(hexToBytes('0x00000000000000000000000000000000000000cc'))

  async function outcome(code: string, options: { gasLimit?: bigint; original: boolean; hardfork?: Hardfork; evm?: Awaited<ReturnType<typeof createEVM>> }) {
    const evm = options.evm ?? (await createEVM({ common: new Common({ chain: Mainnet, hardfork: options.hardfork ?? Hardfork.Prague }) }))
    await evm.stateManager.putAccount(contract, new Account())
    const onStep = () => undefined
    if (options.original) evm.events.on('step', onStep)
    try {
      const result = await evm.runCode({ code: hexToBytes(code as `0x${string}`), gasLimit: options.gasLimit ?? 100_000n, to: contract })
      return {
        error: result.exceptionError?.error ?? null,
        gasUsed: result.executionGasUsed,
        gasLeft: result.runState?.gasLeft,
        returned: bytesToHex(result.returnValue),
        logs: (result.logs ?? []).map((log) => log.map((part) => (Array.isArray(part) ? part.map(bytesToHex) : bytesToHex(part)))),
        stack: result.runState?.stack.getStack().map(String),
        pc: result.runState?.programCounter,
        storage: bytesToHex(await evm.stateManager.getStorage(contract, hexToBytes(`0x${'01'.padStart(64, '0')}`))),
      }
    } finally {
      evm.events.off('step', onStep)
    }
  }

  const programs: Record<string, { code: string; gasLimit?: bigint }> = {
    // MSTORE, SSTORE, SLOAD, arithmetic, LOG1 of the memory, RETURN of it
    'memory, storage, a log, return data': { code: '0x602a600052600760015560015460030160020260205260aa60206000a160406000f3' },
    // a countdown loop: JUMPDEST, SUB, DUP1, JUMPI (the jump analysis, then its cached opcodes)
    'a loop of jumps': { code: '0x60055b600190038060025700' },
    'the same loop out of gas in a plain opcode': { code: '0x60055b600190038060025700', gasLimit: 60n },
    'a revert with data': { code: '0x602a60005260206000fd' },
    'an invalid opcode': { code: '0x6001fe' },
    'a stack underflow in a plain opcode': { code: '0x01' },
    'a jump to a non-JUMPDEST': { code: '0x6003560000' },
    'STOP with values on the stack': { code: '0x6001600200' },
  }

  it('is installed (else every comparison below would be the original against itself)', async () => {
    const { Interpreter } = await importEthereumjsModule<{ Interpreter: { prototype: Record<string, { name: string }> } }>('@ethereumjs/evm', 'interpreter.js')
    expect(Interpreter.prototype.run.name).toBe('fastRun')
    expect(Interpreter.prototype._getValidJumpDestinations.name).toBe('memoizedJumpDestinations')
  })

  for (const [name, program] of Object.entries(programs)) {
    it(`runs ${name} as ethereumjs's own loop does`, async () => {
      const ours = await outcome(program.code, { gasLimit: program.gasLimit, original: false })
      const theirs = await outcome(program.code, { gasLimit: program.gasLimit, original: true })
      expect(ours).toEqual(theirs)
    })
  }

  it('finds the outcomes the programs are meant to have (the comparison is not between two no-ops)', async () => {
    const run = (name: string) => outcome(programs[name].code, { gasLimit: programs[name].gasLimit, original: false })
    expect(await run('memory, storage, a log, return data')).toMatchObject({ error: null, storage: '0x07', logs: [[expect.any(String), [`0x${'aa'.padStart(64, '0')}`], `0x${'2a'.padStart(64, '0')}`]] })
    expect((await run('memory, storage, a log, return data')).returned).toBe(`0x${'2a'.padStart(64, '0')}${'14'.padStart(64, '0')}`)
    expect(await run('a loop of jumps')).toMatchObject({ error: null, stack: ['0'] })
    expect(await run('the same loop out of gas in a plain opcode')).toMatchObject({ error: 'out of gas', gasUsed: 60n })
    expect(await run('a revert with data')).toMatchObject({ error: 'revert', returned: `0x${'2a'.padStart(64, '0')}` })
    expect(await run('an invalid opcode')).toMatchObject({ error: 'invalid opcode' })
    expect(await run('a stack underflow in a plain opcode')).toMatchObject({ error: 'stack underflow' })
    expect(await run('a jump to a non-JUMPDEST')).toMatchObject({ error: expect.stringMatching(/^invalid JUMP at /) })
  })

  it('analyses jumps again when the fork changes the opcodes (PUSH0 from Shanghai on)', async () => {
    // JUMP to 4, JUMPDEST, PUSH0, STOP: PUSH0 runs from the jump analysis' cached opcodes
    const code = '0x600456005b5f00'
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.Shanghai })
    const evm = await createEVM({ common })
    expect(await outcome(code, { evm, original: false })).toMatchObject({ error: null, stack: ['0'] })
    common.setHardfork(Hardfork.Paris)
    expect(await outcome(code, { evm, original: false })).toMatchObject({ error: 'invalid opcode' })
    expect(await outcome(code, { evm, original: true })).toMatchObject({ error: 'invalid opcode' })
  })
})
