import { bytesToHex } from '@ethereumjs/util'
import { NodeError } from '../../errors.js'
import { decodeRevertReason } from './revert.js'

export type CallErrorType =
  /** The execution reverted; `data` is what REVERT returned (JSON-RPC code 3). */
  | { code: 'REVERTED'; data: Uint8Array }
  /** The call could not run or failed, with geth's text ("out of gas", "err: intrinsic gas too low: …"). */
  | { code: 'FAILED'; message: string }
  /** Cut off after --rpc.evmtimeout; `timeout` is in Go's duration notation ("5s"). */
  | { code: 'TIMEOUT'; timeout: string }

/**
 * A call, gas estimate or access-list creation that did not produce a result. The messages are
 * geth's, so tools that match on them (revert decoders, gas estimators) behave the same.
 */
export class CallError extends NodeError<CallErrorType> {
  constructor(type: CallErrorType) {
    super(type, renderCallError(type))
  }

  /** The revert data as JSON-RPC `data`, for REVERTED. */
  get data(): string | undefined {
    return this.type.code === 'REVERTED' ? bytesToHex(this.type.data) : undefined
  }
}

function renderCallError(type: CallErrorType): string {
  switch (type.code) {
    case 'REVERTED': {
      const reason = decodeRevertReason(type.data)
      return reason === null ? 'execution reverted' : `execution reverted: ${reason}`
    }
    case 'FAILED':
      return type.message
    case 'TIMEOUT':
      return `execution aborted (timeout = ${type.timeout})`
  }
}
