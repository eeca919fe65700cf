import { NodeError } from '../errors.js'

export type FeeErrorType =
  | { code: 'INVALID_PERCENTILE'; reason: string }
  | { code: 'BEYOND_HEAD'; requested: bigint; head: bigint }
  | { code: 'UNKNOWN_TAG'; tag: 'safe' | 'finalized' }

/** A fee query the node cannot answer; the messages are geth's (eth/gasprice). */
export class FeeError extends NodeError<FeeErrorType> {
  constructor(type: FeeErrorType) {
    super(type, renderFeeError(type))
  }
}

function renderFeeError(type: FeeErrorType): string {
  switch (type.code) {
    case 'INVALID_PERCENTILE':
      return `invalid reward percentile: ${type.reason}`
    case 'BEYOND_HEAD':
      return `request beyond head block: requested ${type.requested}, head ${type.head}`
    case 'UNKNOWN_TAG':
      return `${type.tag} block not found`
  }
}
