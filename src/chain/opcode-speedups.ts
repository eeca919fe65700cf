import { bytesToBigInt } from '@ethereumjs/util'
import { importEthereumjsModule } from '../util/ethereumjs-internals.js'

/**
 * Faster handlers for the storage, memory and log opcodes of @ethereumjs/evm 10.1.3, installed
 * with the other speedups (ethereumjs-speedups.ts) into the opcode tables every EVM copies its
 * handlers from.
 *
 * ethereumjs turns a stack word into its 32 bytes with setLengthLeft(bigIntToBytes(word), 32):
 * a hex string checked by a regular expression, parsed, then padded through two array spreads,
 * about 5 us a word here; SSTORE's gas pads the slot's current and original values the same way.
 * MSTORE, SLOAD, SSTORE and LOG do this for every key, value and topic (a tenth of executing
 * ERC20 transfers). The handlers here do what ethereumjs's do with a direct conversion. Where a
 * fork or EIP these handlers do not carry is active (EIP-6800/7864 witnesses, EIP-7928 access
 * lists, EIP-8037/8038 state gas, SSTORE before Istanbul), ethereumjs's own handler runs.
 * test/chain/opcode-speedups.test.ts checks them against ethereumjs's handlers.
 */
export function installOpcodeSpeedups(): void {
  const sstore = handlers.get(SSTORE)
  const sloadGas = dynamicGasHandlers.get(SLOAD)
  const sstoreGas = dynamicGasHandlers.get(SSTORE)
  if (!handlers.has(MSTORE) || !handlers.has(SLOAD) || sstore === undefined || sloadGas === undefined || sstoreGas === undefined) {
    throw new Error('@ethereumjs/evm no longer has the MSTORE, SLOAD and SSTORE handlers opcode-speedups.ts replaces')
  }

  handlers.set(MSTORE, function mstoreWord(runState: RunState) {
    const [offset, value] = runState.stack.popN(2)
    runState.memory.write(Number(offset), 32, bigIntToWord(value))
  })

  handlers.set(SLOAD, async function sloadWord(runState: RunState) {
    const key = runState.stack.pop()
    const value = await runState.interpreter.storageLoad(bigIntToWord(key))
    runState.stack.push(value.length > 0 ? bytesToBigInt(value) : 0n)
  })

  handlers.set(SSTORE, async function sstoreWord(runState: RunState, common: Common) {
    if (common.isActivatedEIP(8037)) return sstore(runState, common)
    const [key, value] = runState.stack.popN(2)
    // the value as its shortest bytes, as ethereumjs stores it
    await runState.interpreter.storageStore(bigIntToWord(key), value === 0n ? new Uint8Array(0) : shortest(bigIntToWord(value)))
  })

  const log = function logWords(runState: RunState) {
    const [memOffset, memLength] = runState.stack.popN(2)
    const topicsCount = runState.opCode - 0xa0
    const topics = runState.stack.popN(topicsCount).map(bigIntToWord)
    const data = memLength === 0n ? new Uint8Array(0) : runState.memory.read(Number(memOffset), Number(memLength))
    runState.interpreter.log(data, topicsCount, topics)
  }
  for (let op = 0xa0; op <= 0xa4; op++) handlers.set(op, log)

  dynamicGasHandlers.set(SLOAD, async function sloadWordGas(runState: RunState, gas: bigint, common: Common) {
    if (witnesses(common)) return sloadGas(runState, gas, common)
    if (!common.isActivatedEIP(2929)) return gas
    return gas + accessStorageEIP2929(runState, bigIntToWord(runState.stack.peek()[0]), false, common, true)
  })

  dynamicGasHandlers.set(SSTORE, async function sstoreWordGas(runState: RunState, gas: bigint, common: Common) {
    // EIP-2200 metering (Istanbul on) without witnesses, block access lists or state gas
    const eip2200 =
      !witnesses(common) &&
      !common.isActivatedEIP(7928) &&
      !common.isActivatedEIP(8038) &&
      common.hardfork() !== 'constantinople' &&
      common.gteHardfork('istanbul')
    if (!eip2200) return sstoreGas(runState, gas, common)
    if (runState.interpreter.isStatic()) trap(EVMError.errorMessages.STATIC_STATE_CHANGE)
    const [key, value] = runState.stack.peek(2)
    const keyBytes = bigIntToWord(key)
    const current = storageWord(await runState.interpreter.storageLoad(keyBytes, false, false))
    const original = storageWord(await runState.interpreter.storageLoad(keyBytes, true, false))
    gas += updateSstoreGasEIP2200(runState, current, original, value === 0n ? new Uint8Array(0) : bigIntToWord(value), keyBytes, common)
    if (common.isActivatedEIP(2929)) gas += accessStorageEIP2929(runState, keyBytes, true, common, true)
    return gas
  })
}

/** The 32 big-endian bytes of a stack word (0 <= value < 2^256). */
export function bigIntToWord(value: bigint): Uint8Array {
  const out = new Uint8Array(32)
  if (value === 0n) return out
  const hex = value.toString(16)
  let at = hex.length
  let i = 31
  for (; at >= 2; at -= 2) out[i--] = (NIBBLE[hex.charCodeAt(at - 2)] << 4) | NIBBLE[hex.charCodeAt(at - 1)]
  if (at === 1) out[i] = NIBBLE[hex.charCodeAt(0)]
  return out
}

/** A stored value as SSTORE's gas rules compare it: empty if zero, else its 32 bytes (setLengthLeftStorage). */
function storageWord(value: Uint8Array): Uint8Array {
  let first = 0
  while (first < value.length && value[first] === 0) first++
  if (first === value.length) return new Uint8Array(0)
  if (value.length === 32) return value
  if (value.length > 32) throw new Error(`Input length ${value.length} exceeds target length 32. Use allowTruncate option to truncate.`)
  const out = new Uint8Array(32)
  out.set(value, 32 - value.length)
  return out
}

/** `word` without its leading zero bytes (a nonzero word). */
function shortest(word: Uint8Array): Uint8Array {
  let first = 0
  while (word[first] === 0) first++
  return word.subarray(first)
}

function witnesses(common: Common): boolean {
  return common.isActivatedEIP(6800) || common.isActivatedEIP(7864)
}

/** Hex digit (char code) -> value. */
const NIBBLE = new Uint8Array(128)
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = 10 + i

const MSTORE = 0x52
const SLOAD = 0x54
const SSTORE = 0x55

/** What the handlers use of the run state and Common (ethereumjs 10.1.3). */
interface RunState {
  opCode: number
  stack: { pop(): bigint; popN(count: number): bigint[]; push(value: bigint): void; peek(count?: number): bigint[] }
  memory: { write(offset: number, size: number, value: Uint8Array): void; read(offset: number, size: number): Uint8Array }
  interpreter: {
    isStatic(): boolean
    storageLoad(key: Uint8Array, original?: boolean, trackBAL?: boolean): Promise<Uint8Array>
    storageStore(key: Uint8Array, value: Uint8Array): Promise<void>
    log(data: Uint8Array, topicsCount: number, topics: Uint8Array[]): void
  }
}
interface Common {
  isActivatedEIP(eip: number): boolean
  hardfork(): string
  gteHardfork(hardfork: string): boolean
}
type Handler = (runState: RunState, common: Common) => unknown
type GasHandler = (runState: RunState, gas: bigint, common: Common) => Promise<bigint>

const { handlers } = await importEthereumjsModule<{ handlers: Map<number, Handler> }>('@ethereumjs/evm', 'opcodes/functions.js')
const { dynamicGasHandlers } = await importEthereumjsModule<{ dynamicGasHandlers: Map<number, GasHandler> }>('@ethereumjs/evm', 'opcodes/gas.js')
const { updateSstoreGasEIP2200 } = await importEthereumjsModule<{
  updateSstoreGasEIP2200(runState: RunState, current: Uint8Array, original: Uint8Array, value: Uint8Array, key: Uint8Array, common: Common): bigint
}>('@ethereumjs/evm', 'opcodes/EIP2200.js')
const { accessStorageEIP2929 } = await importEthereumjsModule<{
  accessStorageEIP2929(runState: RunState, key: Uint8Array, isSstore: boolean, common: Common, chargeGas: boolean): bigint
}>('@ethereumjs/evm', 'opcodes/EIP2929.js')
const { trap } = await importEthereumjsModule<{ trap(message: string): never }>('@ethereumjs/evm', 'opcodes/util.js')
const { EVMError } = await importEthereumjsModule<{ EVMError: { errorMessages: { STATIC_STATE_CHANGE: string } } }>('@ethereumjs/evm', 'errors.js')
if (!(handlers instanceof Map) || !(dynamicGasHandlers instanceof Map) || typeof updateSstoreGasEIP2200 !== 'function' || typeof accessStorageEIP2929 !== 'function' || typeof trap !== 'function') {
  throw new Error('@ethereumjs/evm no longer has the opcode tables and gas functions where opcode-speedups.ts loads them from')
}
