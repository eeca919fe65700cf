/**
 * What eth_call, eth_estimateGas and eth_createAccessList take and give, as plain data: these
 * values cross into the call workers (structured clone), so they hold only bigints, byte arrays,
 * strings and arrays of those. Field names follow geth's TransactionArgs; `undefined` is Go's nil.
 */

/** One access-list entry: an address and the storage keys to warm. */
export interface AccessListEntry {
  address: Uint8Array
  storageKeys: Uint8Array[]
}

/** An EIP-7702 authorization as the caller sent it (nothing verified yet). */
export interface Authorization {
  chainId: bigint
  address: Uint8Array
  nonce: bigint
  yParity: bigint
  r: bigint
  s: bigint
}

/** geth's TransactionArgs after JSON decoding. `data` is already `input ?? data`. */
export interface CallRequest {
  from?: Uint8Array
  to?: Uint8Array
  gas?: bigint
  gasPrice?: bigint
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
  value?: bigint
  nonce?: bigint
  data?: Uint8Array
  accessList?: AccessListEntry[]
  chainId?: bigint
  maxFeePerBlobGas?: bigint
  blobVersionedHashes?: Uint8Array[]
  authorizationList?: Authorization[]
}

/** geth's OverrideAccount: state replaced for the call only. `state` and `stateDiff` map 32-byte slots to values. */
export interface AccountOverride {
  address: Uint8Array
  nonce?: bigint
  code?: Uint8Array
  balance?: bigint
  state?: [Uint8Array, Uint8Array][]
  stateDiff?: [Uint8Array, Uint8Array][]
  movePrecompileToAddress?: Uint8Array
}

/** geth's BlockOverrides: block-context fields replaced for the call only. */
export interface BlockOverrides {
  number?: bigint
  difficulty?: bigint
  time?: bigint
  gasLimit?: bigint
  feeRecipient?: Uint8Array
  prevRandao?: Uint8Array
  baseFeePerGas?: bigint
  blobBaseFee?: bigint
  /** Present only to be refused, as geth refuses them for these methods. */
  beaconRoot?: Uint8Array
  withdrawals?: unknown
}

/** One request to the call machinery, whatever the method. */
export interface CallInput {
  request: CallRequest
  /** In the caller's order (geth applies them in map order, which only matters for precompile moves). */
  stateOverrides?: AccountOverride[]
  blockOverrides?: BlockOverrides
}

/** eth_createAccessList's answer. `error` is the failed execution's text, as geth reports it. */
export interface AccessListResult {
  accessList: AccessListEntry[]
  gasUsed: bigint
  error?: string
}

export type CallKind = 'call' | 'estimateGas' | 'createAccessList'

/** What each kind of call yields. */
export interface CallResults {
  call: Uint8Array
  estimateGas: bigint
  createAccessList: AccessListResult
}
