import { Common } from '@ethereumjs/common'
import { EVM, EVMError } from '@ethereumjs/evm'
import { AccessList2930Tx, Blob4844Tx, EOACode7702Tx, FeeMarket1559Tx, LegacyTx } from '@ethereumjs/tx'
import { Account, type Address, createZeroAddress } from '@ethereumjs/util'
import { importEthereumjsModule } from '../util/ethereumjs-internals.js'
import { installCallSpeedups } from './call-speedups.js'
import { installInterpreterSpeedups } from './interpreter-speedups.js'
import { installOpcodeSpeedups } from './opcode-speedups.js'

/**
 * Removes repeated work from four ethereumjs methods that block execution calls per opcode, per
 * transaction or per call frame, by patching their prototypes once (together about a quarter of
 * execution time on an ERC20-heavy chain):
 *
 * - Common.isActivatedEIP scans an array of every active EIP (dozens of calls per transaction,
 *   some per opcode): here a Set built from that same array, rebuilt whenever Common replaces
 *   the array (it builds a new one on every hardfork or EIP change).
 * - Common.hardforkGteHardfork walks the hardfork list twice per call (intrinsic gas, journal
 *   cleanup, SSTORE gas): here remembered per pair of hardfork names, per Common.
 * - getSenderAddress hashes the public key again on every call (JavaScript keccak, several calls
 *   per transaction): here cached beside the public key on a frozen transaction, exactly where
 *   ethereumjs itself caches that key (a transaction that is not frozen can change, so nothing
 *   is cached for it, as ethereumjs does).
 * - EVM.runInterpreter returns, beside the call's results, a `runState` that merges the
 *   interpreter's run state, its results and its environment into one new object of some forty
 *   fields, on every call frame; nothing reads that merge (ethereumjs reads none of it, we read
 *   the opcode and stack of a failed frame, which are the run state's own). Here it is the run
 *   state itself, everything else as before.
 *
 * Each answers what the original answers: test/chain/ethereumjs-speedups.test.ts checks the
 * first three against the originals; every chain the tests verify (geth's execution-apis chain,
 * anvil's, generated ones: gas, receipts, logs and state roots) runs through the fourth.
 *
 * Installed with them, each in its own module and checked against ethereumjs's own code by its
 * own test file: the interpreter loop and jump analysis (interpreter-speedups.ts), the storage,
 * memory and log opcode handlers (opcode-speedups.ts) and plain call frames (call-speedups.ts).
 */
export function installEthereumjsSpeedups(): void {
  if (installed) return
  installed = true
  installInterpreterSpeedups()
  installOpcodeSpeedups()
  installCallSpeedups()
  ;(EVM.prototype as unknown as { runInterpreter: typeof runInterpreter }).runInterpreter = runInterpreter

  const proto = Common.prototype as unknown as PatchedCommon
  proto.isActivatedEIP = function isActivatedEIP(this: PatchedCommon, eip: number): boolean {
    const active = this._activatedEIPsCache
    if (this[EIP_SOURCE] !== active) {
      this[EIP_SET] = new Set(active)
      this[EIP_SOURCE] = active
    }
    return this[EIP_SET]!.has(eip)
  }
  const hardforkGteHardfork = proto.hardforkGteHardfork
  proto.hardforkGteHardfork = function memoizedGte(this: PatchedCommon, first: string | null, second: string): boolean {
    const from = first ?? this._hardfork
    const memo = (this[GTE_MEMO] ??= new Map())
    const key = `${from} ${second}`
    let answer = memo.get(key)
    if (answer === undefined) {
      answer = hardforkGteHardfork.call(this, from, second)
      memo.set(key, answer)
    }
    return answer
  }

  for (const txClass of [LegacyTx, AccessList2930Tx, FeeMarket1559Tx, Blob4844Tx, EOACode7702Tx]) {
    const txProto = txClass.prototype as unknown as { getSenderAddress(): Address }
    const getSenderAddress = txProto.getSenderAddress
    txProto.getSenderAddress = function cachedSender(this: { cache: SenderCache }) {
      if (!Object.isFrozen(this)) return getSenderAddress.call(this)
      return (this.cache[SENDER] ??= getSenderAddress.call(this))
    }
  }
}

const { Interpreter } = await importEthereumjsModule<{ Interpreter: InterpreterClass }>('@ethereumjs/evm', 'interpreter.js')
const { defaultBlock } = await importEthereumjsModule<{ defaultBlock: () => unknown }>('@ethereumjs/evm', 'evm.js')
if (typeof Interpreter !== 'function' || typeof defaultBlock !== 'function') {
  throw new Error('@ethereumjs/evm no longer has Interpreter and defaultBlock where ethereumjs-speedups.ts loads them from')
}

/**
 * EVM.runInterpreter of @ethereumjs/evm 10.1.3 (runs a message's code in a new interpreter and
 * reports the frame), with the interpreter's own run state as `runState`.
 */
async function runInterpreter(this: EVMInternals, message: MessageFields, opts: { initialLogs?: unknown[] } = {}) {
  const contract = (await this.stateManager.getAccount(message.to ?? createZeroAddress())) ?? new Account()
  const env = {
    address: message.to ?? createZeroAddress(),
    caller: message.caller ?? createZeroAddress(),
    callData: message.data ?? Uint8Array.from([0]),
    callValue: message.value ?? 0n,
    code: message.code,
    isStatic: message.isStatic ?? false,
    isCreate: message.isCreate ?? false,
    depth: message.depth ?? 0,
    gasPrice: this._tx.gasPrice,
    origin: this._tx.origin ?? message.caller ?? createZeroAddress(),
    block: this._block ?? defaultBlock(),
    contract,
    codeAddress: message.codeAddress,
    gasRefund: message.gasRefund,
    chargeCodeAccesses: message.chargeCodeAccesses,
    blobVersionedHashes: message.blobVersionedHashes ?? [],
    accessWitness: message.accessWitness,
    createdAddresses: message.createdAddresses,
    initialLogs: opts.initialLogs,
  }
  const interpreter = new Interpreter(this, this.stateManager, this.blockchain, env, message.gasLimit, this.journal, this.performanceLogger, this._optsCached.profiler)
  if (message.selfdestruct) interpreter._result.selfdestruct = message.selfdestruct
  if (message.createdAddresses) interpreter._result.createdAddresses = message.createdAddresses
  const { runState, exceptionError } = await interpreter.run(message.code, opts)
  let result = interpreter._result
  let gasUsed = message.gasLimit - runState.gasLeft
  if (exceptionError) {
    // every error but a revert consumes all the frame's gas; an error drops the frame's effects
    const error = exceptionError.error
    if (error !== EVMError.errorMessages.REVERT && error !== EVMError.errorMessages.INVALID_EOF_FORMAT) gasUsed = message.gasLimit
    result = { ...result, logs: [], selfdestruct: new Map(), createdAddresses: new Set() }
  }
  message.accessWitness?.commit()
  return {
    ...result,
    runState,
    exceptionError,
    gas: runState.gasLeft,
    executionGasUsed: gasUsed,
    gasRefund: runState.gasRefund,
    stateGasSpilled: runState.stateGasSpilled,
    returnValue: result.returnValue ?? new Uint8Array(0),
  }
}

/**
 * Gives a frozen transaction the sender address its signature recovers to, known already
 * (SenderRecovery's worker hashed it, or the store kept it from the import): getSenderAddress
 * answers it from then on, as it would have computed it.
 */
export function primeSenderAddress(tx: object, address: Address): void {
  if (Object.isFrozen(tx)) (tx as { cache: SenderCache }).cache[SENDER] = address
}

let installed = false
const EIP_SET = Symbol('activeEIPSet')
const EIP_SOURCE = Symbol('activeEIPSource')
const GTE_MEMO = Symbol('hardforkGteMemo')
const SENDER = Symbol('senderAddress')

/** Common's own fields these read (ethereumjs 10.1.3), and the memo fields they add. */
interface PatchedCommon {
  _activatedEIPsCache: number[]
  _hardfork: string
  isActivatedEIP(eip: number): boolean
  hardforkGteHardfork(first: string | null, second: string): boolean
  [EIP_SET]?: Set<number>
  [EIP_SOURCE]?: number[]
  [GTE_MEMO]?: Map<string, boolean>
}

/** What runInterpreter uses of the EVM, its message and the interpreter (ethereumjs 10.1.3). */
interface EVMInternals {
  stateManager: { getAccount(address: Address): Promise<Account | undefined> }
  blockchain: unknown
  journal: unknown
  performanceLogger: unknown
  _optsCached: { profiler?: unknown }
  _tx: { gasPrice: bigint; origin?: Address }
  _block?: unknown
}
interface MessageFields {
  to?: Address
  caller?: Address
  data?: Uint8Array
  value?: bigint
  code?: unknown
  isStatic?: boolean
  isCreate?: boolean
  depth?: number
  codeAddress?: Address
  gasLimit: bigint
  gasRefund?: bigint
  chargeCodeAccesses?: boolean
  blobVersionedHashes?: Uint8Array[]
  accessWitness?: { commit(): void }
  createdAddresses?: Set<string>
  selfdestruct?: Set<string>
}
interface FrameResult {
  logs?: unknown[]
  returnValue?: Uint8Array
  selfdestruct?: unknown
  createdAddresses?: unknown
}
interface InterpreterInstance {
  _result: FrameResult
  run(code: unknown, opts: unknown): Promise<{
    runState: { gasLeft: bigint; gasRefund: bigint; stateGasSpilled: bigint }
    exceptionError?: { error: string }
  }>
}
type InterpreterClass = new (...args: unknown[]) => InterpreterInstance

interface SenderCache {
  [SENDER]?: Address
}
