import { blockMethods } from './blocks.js'
import { callMethods } from './call.js'
import { feeMethods } from './fees.js'
import { forwardPending, forwardedMethods } from './forwarded.js'
import { logMethods } from './logs.js'
import { nodeInfoMethods } from './node-info.js'
import { rawMethods } from './raw.js'
import { receiptMethods } from './receipts.js'
import { stateMethods } from './state.js'
import { transactionMethods } from './transactions.js'
import type { MethodTable } from './types.js'

/**
 * Every method the server answers, by family (one file each). State methods asked at `pending`
 * go to the upstream when there is one.
 */
export const allMethods: MethodTable = forwardPending({
  ...nodeInfoMethods,
  ...stateMethods,
  ...blockMethods,
  ...transactionMethods,
  ...receiptMethods,
  ...rawMethods,
  ...feeMethods,
  ...logMethods,
  ...callMethods,
  ...forwardedMethods,
})
