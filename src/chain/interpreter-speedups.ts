import { importEthereumjsModule } from '../util/ethereumjs-internals.js'

/**
 * Two patches of @ethereumjs/evm 10.1.3's Interpreter, installed with the other speedups
 * (ethereumjs-speedups.ts). Both leave the EVM's results as they were; the tests run bytecode
 * through them and through ethereumjs's own code and compare.
 *
 * - Interpreter.run awaits an async runStep for every opcode: a promise and a suspended frame
 *   per opcode, though most opcodes (stack, arithmetic, jumps) neither await nor have a dynamic
 *   gas cost. Here the loop runs those in place (charge the base fee, advance the counter, call
 *   the handler, as runStep does) and hands every other opcode to runStep as before. Whenever
 *   runStep would do more per opcode (a `step` listener, DEBUG, the profiler, EIP-6800/7864
 *   code-chunk gas) or the code is EOF, ethereumjs's own run() runs instead.
 * - Interpreter._getValidJumpDestinations scans the whole code (jump destinations, push values,
 *   opcode table) in every call frame that jumps. Here the result is remembered per code array
 *   (the flat state hands out one array per contract) and per opcode table (a fork change makes a
 *   new one); the result is only read.
 */
export function installInterpreterSpeedups(): void {
  const proto = Interpreter.prototype
  const run = proto.run
  const getValidJumpDestinations = proto._getValidJumpDestinations

  proto.run = function fastRun(this: InterpreterInstance, code: Uint8Array, opts: { pc?: number } = {}) {
    const common = this.common
    const evm = this._evm
    const plain =
      !(common.isActivatedEIP(3540) && code[0] === EOF_FORMAT) &&
      this.profilerOpts?.enabled !== true &&
      !evm.DEBUG &&
      evm.events.listenerCount('step') === 0 &&
      !common.isActivatedEIP(6800) &&
      !common.isActivatedEIP(7864)
    return plain ? runPlain(this, code, opts) : run.call(this, code, opts)
  }

  const jumpAnalyses = new WeakMap<Uint8Array, { opcodeMap: unknown; eip8024: boolean; analysis: JumpAnalysis }>()
  proto._getValidJumpDestinations = function memoizedJumpDestinations(this: InterpreterInstance, code: Uint8Array) {
    const opcodeMap = this._evm._opcodeMap
    // the scan reads the opcode table and, with EIP-8024, skips immediates
    const eip8024 = this.common.isActivatedEIP(8024)
    const known = jumpAnalyses.get(code)
    if (known !== undefined && known.opcodeMap === opcodeMap && known.eip8024 === eip8024) return known.analysis
    const analysis = getValidJumpDestinations.call(this, code)
    jumpAnalyses.set(code, { opcodeMap, eip8024, analysis })
    return analysis
  }
}

/**
 * Interpreter.run of @ethereumjs/evm 10.1.3 for legacy code with no per-step hooks (the checks
 * in fastRun), with opcodes that have a fixed fee and a synchronous handler run in the loop.
 */
async function runPlain(interpreter: InterpreterInstance, code: Uint8Array, opts: { pc?: number }): Promise<RunResult> {
  const runState = interpreter._runState
  const common = interpreter.common
  runState.code = code
  runState.programCounter = opts.pc ?? runState.programCounter
  const pc = runState.programCounter
  if (pc !== 0 && (pc < 0 || pc >= runState.code.length)) throw new Error('Internal error: program counter not in range')
  let error: EVMErrorInstance | undefined
  let cachedOpcodes: OpcodeEntry[] | undefined
  while (runState.programCounter < runState.code.length) {
    const programCounter = runState.programCounter
    let entry: OpcodeEntry | undefined
    let opCode: number
    if (cachedOpcodes === undefined) {
      opCode = runState.code[programCounter]
      // the jump analysis runs once the code is seen to jump (as in run())
      if (opCode === 0x56 || opCode === 0x57 || opCode === 0x5e) {
        const { jumps, pushes, opcodesCached } = interpreter._getValidJumpDestinations(runState.code)
        runState.validJumps = jumps
        runState.cachedPushes = pushes
        runState.shouldDoJumpAnalysis = false
        cachedOpcodes = opcodesCached
      }
    } else {
      entry = cachedOpcodes[programCounter]
      opCode = entry.opcodeInfo.code
    }
    runState.opCode = opCode
    try {
      const step = entry ?? interpreter.lookupOpInfo(opCode)
      const info = step.opcodeInfo
      if (info.dynamicGas || info.isAsync || info.isInvalid) {
        await interpreter.runStep(entry)
      } else {
        // runStep's own steps for such an opcode, without its promise
        interpreter.useGas(info.feeBigInt, info)
        runState.programCounter++
        consumeEip7928PostTargetCallOog(runState)
        step.opHandler(runState, common)
        runState.env.accessWitness?.commit()
      }
    } catch (err) {
      runState.env.accessWitness?.revert()
      if (!(typeof err === 'object' && err !== null && 'errorType' in err && err.errorType === EVMErrorTypeString)) throw err
      const evmError = err as unknown as EVMErrorInstance
      // STOP ends the frame without an error
      if (evmError.error !== EVMError.errorMessages.STOP) error = evmError
      break
    }
  }
  if (error === undefined && runState.eip8037BurnLeftoverAfterCreateHaltOntoAlive === true && runState.gasLeft > 0n) {
    runState.gasLeft = 0n
    error = new EVMError(EVMError.errorMessages.OUT_OF_GAS)
  }
  return { runState, exceptionError: error }
}

const EOF_FORMAT = 0xef

/** What these patches use of the interpreter, its run state and opcode entries (ethereumjs 10.1.3). */
interface OpcodeEntry {
  opcodeInfo: { code: number; feeBigInt: bigint; dynamicGas: boolean; isAsync: boolean; isInvalid: boolean }
  opHandler(runState: RunState, common: unknown): void
}
interface RunState {
  code: Uint8Array
  programCounter: number
  opCode: number
  gasLeft: bigint
  validJumps: Uint8Array
  cachedPushes: Record<number, bigint>
  shouldDoJumpAnalysis: boolean
  eip8037BurnLeftoverAfterCreateHaltOntoAlive?: boolean
  env: { accessWitness?: { commit(): void; revert(): void } }
}
interface JumpAnalysis {
  jumps: Uint8Array
  pushes: Record<number, bigint>
  opcodesCached: OpcodeEntry[]
}
interface RunResult {
  runState: RunState
  exceptionError: EVMErrorInstance | undefined
}
interface InterpreterInstance {
  _runState: RunState
  _evm: { DEBUG: boolean; events: { listenerCount(event: string): number }; _opcodeMap: unknown }
  common: { isActivatedEIP(eip: number): boolean }
  profilerOpts?: { enabled?: boolean }
  run(code: Uint8Array, opts?: { pc?: number }): Promise<RunResult>
  runStep(entry?: OpcodeEntry): Promise<void>
  lookupOpInfo(opCode: number): OpcodeEntry
  useGas(amount: bigint, context: unknown): void
  _getValidJumpDestinations(code: Uint8Array): JumpAnalysis
}
interface EVMErrorInstance {
  error: string
}
interface EVMErrorClass {
  new (message: string): EVMErrorInstance
  errorMessages: { STOP: string; OUT_OF_GAS: string }
}

const { Interpreter } = await importEthereumjsModule<{ Interpreter: { prototype: InterpreterInstance } }>('@ethereumjs/evm', 'interpreter.js')
const { EVMError, EVMErrorTypeString } = await importEthereumjsModule<{ EVMError: EVMErrorClass; EVMErrorTypeString: string }>('@ethereumjs/evm', 'errors.js')
const { consumeEip7928PostTargetCallOog } = await importEthereumjsModule<{ consumeEip7928PostTargetCallOog(runState: RunState): void }>(
  '@ethereumjs/evm',
  'opcodes/EIP7928.js',
)
if (typeof Interpreter !== 'function' || typeof EVMError !== 'function' || typeof consumeEip7928PostTargetCallOog !== 'function' || EVMErrorTypeString !== 'EVMError') {
  throw new Error('@ethereumjs/evm no longer has Interpreter, EVMError and consumeEip7928PostTargetCallOog where interpreter-speedups.ts loads them from')
}
