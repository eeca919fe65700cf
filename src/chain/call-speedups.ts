import { EVM } from '@ethereumjs/evm'
import { Account, type Address } from '@ethereumjs/util'

/**
 * EVM._executeCall of @ethereumjs/evm 10.1.3 for plain call frames, installed with the other
 * speedups (ethereumjs-speedups.ts).
 *
 * ethereumjs hands the frame to runInterpreter as `{...{codeAddress}, ...message, gasLimit}`: on
 * Node 20, an object literal that starts by spreading another literal takes V8's slow path, about
 * 35 us per call frame here (a plain `{...message}` takes 0.3 us), some 5% of executing ERC20
 * transfers. In a plain frame nothing changes the gas limit before the interpreter runs, so the
 * message itself carries the same fields, and runInterpreter (ours, which only reads them)
 * gets it instead of the copy. Everything else is _executeCall's own steps in its order.
 *
 * ethereumjs's own _executeCall runs whenever the frame is not plain: EIP-2780 top-frame charges,
 * EIP-6800/7864 witnesses, EIP-7708 transfer logs, EIP-7928 access lists, DEBUG or the profiler.
 * Every chain the tests verify runs through it (gas, receipts, logs, state roots).
 */
export function installCallSpeedups(): void {
  const proto = EVM.prototype as unknown as EVMInternals
  const executeCall = proto._executeCall
  proto._executeCall = async function plainExecuteCall(this: EVMInternals, message: CallMessage) {
    const common = this.common
    const plain =
      !this.DEBUG &&
      this._optsCached.profiler?.enabled !== true &&
      !common.isActivatedEIP(2780) &&
      !common.isActivatedEIP(6800) &&
      !common.isActivatedEIP(7708) &&
      !common.isActivatedEIP(7864) &&
      !common.isActivatedEIP(7928)
    if (!plain) return executeCall.call(this, message)

    const account = (await this.stateManager.getAccount(message.caller)) ?? new Account()
    let errorMessage: unknown
    if (!message.delegatecall) {
      try {
        await this._reduceSenderBalance(account, message)
      } catch (err) {
        errorMessage = err
      }
    }
    const toAccount = (await this.stateManager.getAccount(message.to)) ?? new Account()
    if (!message.delegatecall) {
      try {
        await this._addToBalance(toAccount, message)
      } catch (err) {
        errorMessage = err
      }
    }
    await this._loadCode(message)
    const code = message.code
    const noCode = !code || (typeof code !== 'function' && code.length === 0)
    if (noCode || errorMessage !== undefined) {
      return {
        execResult: {
          gasRefund: message.gasRefund,
          executionGasUsed: 0n,
          exceptionError: errorMessage,
          returnValue: new Uint8Array(0),
          logs: undefined,
        },
      }
    }
    let result: FrameResult
    if (message.isCompiled) {
      result = await this.runPrecompile(code, message.data, message.gasLimit)
      result.gasRefund = message.gasRefund
    } else {
      // the copy ethereumjs passes holds the message's fields, codeAddress and the gas limit, all as they are here
      result = await this.runInterpreter(message, { initialLogs: undefined })
    }
    if (message.depth === 0) this.postMessageCleanup()
    return { execResult: result }
  }
}

/** What plainExecuteCall uses of the EVM and the message (ethereumjs 10.1.3). */
interface CallMessage {
  caller: Address
  to: Address
  value: bigint
  gasLimit: bigint
  gasRefund: bigint
  data: Uint8Array
  depth: number
  delegatecall: boolean
  isCompiled: boolean
  code?: Uint8Array | ((...args: unknown[]) => unknown)
}
interface FrameResult {
  gasRefund?: bigint
  executionGasUsed: bigint
}
interface EVMInternals {
  DEBUG: boolean
  common: { isActivatedEIP(eip: number): boolean }
  _optsCached: { profiler?: { enabled?: boolean } }
  stateManager: { getAccount(address: Address): Promise<Account | undefined> }
  _executeCall(message: CallMessage): Promise<{ execResult: unknown }>
  _reduceSenderBalance(account: Account, message: CallMessage): Promise<void>
  _addToBalance(account: Account, message: CallMessage): Promise<void>
  _loadCode(message: CallMessage): Promise<void>
  runPrecompile(code: unknown, data: Uint8Array, gasLimit: bigint): Promise<FrameResult>
  runInterpreter(message: CallMessage, opts: { initialLogs?: unknown[] }): Promise<FrameResult>
  postMessageCleanup(): void
}
