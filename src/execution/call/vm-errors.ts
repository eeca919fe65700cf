import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { EVMError, getOpcodesForHF, paramsEVM } from '@ethereumjs/evm'
import type { ExecResult } from '@ethereumjs/evm'

const messages = EVMError.errorMessages
const STACK_LIMIT = 1024

/**
 * ethereumjs' EVM errors in geth's words (core/vm/errors.go), for the `error` of a failed
 * execution. Errors geth has no counterpart for keep ethereumjs' text.
 */
export function gethVmError(result: ExecResult): string {
  const error = result.exceptionError?.error ?? 'unknown error'
  // some traps carry where they happened ("invalid JUMP at <code hash>/<address>:<pc>")
  switch (error.replace(/ at 0x[0-9a-f]+\/0x[0-9a-f]+:\d+$/, '')) {
    case messages.OUT_OF_GAS:
      return 'out of gas'
    case messages.REVERT:
      return 'execution reverted'
    case messages.CODESTORE_OUT_OF_GAS:
      return 'contract creation code storage out of gas'
    case messages.CODESIZE_EXCEEDS_MAXIMUM:
      return 'max code size exceeded'
    case messages.INVALID_JUMP:
      return 'invalid jump destination'
    case messages.STATIC_STATE_CHANGE:
      return 'write protection'
    case messages.OUT_OF_RANGE:
      return 'return data out of bounds'
    case messages.CREATE_COLLISION:
      return 'contract address collision'
    case messages.INSUFFICIENT_BALANCE:
      return 'insufficient balance for transfer'
    case messages.INVALID_BYTECODE_RESULT:
      return 'invalid code: must not begin with 0xef'
    case messages.INITCODE_SIZE_VIOLATION:
      return 'max initcode size exceeded'
    case messages.VALUE_OVERFLOW:
      return 'gas uint64 overflow'
    case messages.INVALID_OPCODE:
      return `invalid opcode: ${opcodeName(result.runState?.opCode)}`
    case messages.STACK_UNDERFLOW: {
      const op = result.runState?.opCode ?? 0
      return `stack underflow (${result.runState?.stack.length ?? 0} <=> ${stackPops(op)})`
    }
    case messages.STACK_OVERFLOW:
      // only opcodes that push more than they pop can overflow; geth's limit for them is 1023
      return `stack limit reached ${STACK_LIMIT} (${STACK_LIMIT - 1})`
    default:
      return error
  }
}

let names: Map<number, string> | undefined

/** geth's OpCode.String(): the name of any opcode geth knows, "opcode 0x.. not defined" otherwise. */
function opcodeName(op: number | undefined): string {
  if (op === undefined) return 'opcode 0x0 not defined'
  names ??= knownOpcodeNames()
  return names.get(op) ?? `opcode 0x${op.toString(16)} not defined`
}

/** Every opcode of the newest fork ethereumjs has, so an opcode of a later fork is named too. */
function knownOpcodeNames(): Map<number, string> {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Osaka, params: paramsEVM })
  const table = new Map<number, string>()
  for (const [code, info] of getOpcodesForHF(common).opcodes) table.set(code, info.fullName)
  table.set(0xfe, 'INVALID')
  return table
}

/** How many stack items an opcode needs (geth's minStack). */
export function stackPops(op: number): number {
  if (op >= 0x60 && op <= 0x7f) return 0 // PUSH1..PUSH32
  if (op >= 0x80 && op <= 0x8f) return op - 0x7f // DUPn
  if (op >= 0x90 && op <= 0x9f) return op - 0x8e // SWAPn
  if (op >= 0xa0 && op <= 0xa4) return op - 0x9e // LOGn
  return POPS[op] ?? 0
}

const POPS: Record<number, number> = {
  0x01: 2, 0x02: 2, 0x03: 2, 0x04: 2, 0x05: 2, 0x06: 2, 0x07: 2, 0x08: 3, 0x09: 3, 0x0a: 2, 0x0b: 2,
  0x10: 2, 0x11: 2, 0x12: 2, 0x13: 2, 0x14: 2, 0x15: 1, 0x16: 2, 0x17: 2, 0x18: 2, 0x19: 1, 0x1a: 2,
  0x1b: 2, 0x1c: 2, 0x1d: 2, 0x1e: 1,
  0x20: 2,
  0x31: 1, 0x35: 1, 0x37: 3, 0x39: 3, 0x3b: 1, 0x3c: 4, 0x3e: 3, 0x3f: 1,
  0x40: 1, 0x49: 1,
  0x50: 1, 0x51: 1, 0x52: 2, 0x53: 2, 0x54: 1, 0x55: 2, 0x56: 1, 0x57: 2, 0x5c: 1, 0x5d: 2, 0x5e: 3,
  0xf0: 3, 0xf1: 7, 0xf2: 7, 0xf3: 2, 0xf4: 6, 0xf5: 4, 0xfa: 6, 0xfd: 2, 0xff: 1,
}
