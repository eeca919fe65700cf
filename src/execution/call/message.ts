import { RLP } from '@ethereumjs/rlp'
import { bigIntToUnpaddedBytes, concatBytes } from '@ethereumjs/util'
import { CallError } from './errors.js'
import type { AccessListEntry, Authorization, CallRequest } from './types.js'

/**
 * A call as the EVM runs it: geth's core.Message. Fee fields are resolved (geth's
 * TransactionArgs.ToMessage); `undefined` lists are Go's nil, which matters for which fork
 * checks apply (an empty access list still makes an access-list transaction).
 */
export interface Message {
  from: Uint8Array
  to?: Uint8Array
  value: bigint
  gasLimit: bigint
  gasPrice: bigint
  gasFeeCap: bigint
  gasTipCap: bigint
  data: Uint8Array
  accessList?: AccessListEntry[]
  blobGasFeeCap?: bigint
  blobHashes?: Uint8Array[]
  authorizationList?: Authorization[]
}

/** A request after geth's CallDefaults: gas, nonce and value set, fee fields as the fork wants them. */
export interface DefaultedRequest extends CallRequest {
  gas: bigint
  nonce: bigint
  value: bigint
}

const ZERO_ADDRESS = new Uint8Array(20)
/** What geth uses for "no gas cap": math.MaxUint64 / 2. */
const UNCAPPED_GAS = (1n << 63n) - 1n

/**
 * geth's TransactionArgs.CallDefaults: fills what eth_call-style methods leave open. `baseFee` is
 * the block context's (undefined before London); `gasCap` 0 means none. Throws CallError with
 * geth's text for fee fields that do not fit the fork and for a foreign chain id.
 */
export function callDefaults(request: CallRequest, options: { gasCap: bigint; baseFee: bigint | undefined; chainId: bigint }): DefaultedRequest {
  const args = { ...request }
  if (args.gasPrice !== undefined && (args.maxFeePerGas !== undefined || args.maxPriorityFeePerGas !== undefined)) {
    throw failed('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified')
  }
  if (args.chainId !== undefined && args.chainId !== options.chainId) {
    throw failed(`chainId does not match node's (have=${args.chainId}, want=${options.chainId})`)
  }
  let gas: bigint
  if (args.gas === undefined) gas = options.gasCap === 0n ? UNCAPPED_GAS : options.gasCap
  else gas = options.gasCap > 0n && options.gasCap < args.gas ? options.gasCap : args.gas
  if (options.baseFee === undefined) {
    if (args.maxFeePerGas !== undefined || args.maxPriorityFeePerGas !== undefined) {
      throw failed('maxFeePerGas and maxPriorityFeePerGas are not valid before London is active')
    }
    args.gasPrice ??= 0n
  } else {
    args.maxFeePerGas ??= 0n
    args.maxPriorityFeePerGas ??= 0n
  }
  if (args.blobVersionedHashes !== undefined) args.maxFeePerBlobGas ??= 0n
  return { ...args, gas, nonce: args.nonce ?? 0n, value: args.value ?? 0n, chainId: options.chainId }
}

/**
 * geth's TransactionArgs.ToMessage: the effective gas price is min(tip + baseFee, feeCap) for
 * EIP-1559 fields (zero when both are zero, so such a call pays nothing), the legacy gas price
 * otherwise. `headerBaseFee` is the block header's own.
 */
export function toMessage(args: DefaultedRequest, headerBaseFee: bigint | undefined): Message {
  let gasPrice: bigint
  let gasFeeCap: bigint
  let gasTipCap: bigint
  if (headerBaseFee === undefined || args.gasPrice !== undefined) {
    gasPrice = args.gasPrice ?? 0n
    gasFeeCap = gasPrice
    gasTipCap = gasPrice
  } else {
    gasFeeCap = args.maxFeePerGas ?? 0n
    gasTipCap = args.maxPriorityFeePerGas ?? 0n
    gasPrice = 0n
    if (gasFeeCap > 0n || gasTipCap > 0n) {
      gasPrice = gasTipCap + headerBaseFee < gasFeeCap ? gasTipCap + headerBaseFee : gasFeeCap
    }
  }
  return {
    from: args.from ?? ZERO_ADDRESS,
    to: args.to,
    value: args.value,
    gasLimit: args.gas,
    gasPrice,
    gasFeeCap,
    gasTipCap,
    data: args.data ?? new Uint8Array(0),
    accessList: args.accessList,
    blobGasFeeCap: args.maxFeePerBlobGas,
    blobHashes: args.blobVersionedHashes,
    authorizationList: args.authorizationList,
  }
}

/**
 * The hash geth's eth_createAccessList names in "failed to apply transaction: <hash> …": the
 * unsigned transaction TransactionArgs.ToTransaction(LegacyTxType) builds, whose type follows
 * the fields present, except that a gas price always makes it legacy.
 */
export async function unsignedTransactionHash(args: DefaultedRequest, chainId: bigint): Promise<string> {
  const u = bigIntToUnpaddedBytes
  const to = args.to ?? new Uint8Array(0)
  const data = args.data ?? new Uint8Array(0)
  const accessList = (args.accessList ?? []).map((entry) => [entry.address, entry.storageKeys])
  const noSignature = [u(0n), u(0n), u(0n)]
  const feeFields = [u(chainId), u(args.nonce), u(args.maxPriorityFeePerGas ?? 0n), u(args.maxFeePerGas ?? 0n), u(args.gas), to, u(args.value), data, accessList]
  let type: number
  let fields: unknown[]
  if (args.gasPrice !== undefined) {
    type = 0
    fields = [u(args.nonce), u(args.gasPrice), u(args.gas), to, u(args.value), data, ...noSignature]
  } else if (args.authorizationList !== undefined) {
    type = 4
    const authorizations = args.authorizationList.map((a) => [u(a.chainId), a.address, u(a.nonce), u(a.yParity), u(a.r), u(a.s)])
    fields = [...feeFields, authorizations, ...noSignature]
  } else if (args.blobVersionedHashes !== undefined) {
    type = 3
    fields = [...feeFields, u(args.maxFeePerBlobGas ?? 0n), args.blobVersionedHashes, ...noSignature]
  } else if (args.maxFeePerGas !== undefined) {
    type = 2
    fields = [...feeFields, ...noSignature]
  } else if (args.accessList !== undefined) {
    type = 1
    fields = [u(chainId), u(args.nonce), u(0n), u(args.gas), to, u(args.value), data, accessList, ...noSignature]
  } else {
    type = 0
    fields = [u(args.nonce), u(0n), u(args.gas), to, u(args.value), data, ...noSignature]
  }
  const encoded = RLP.encode(fields as never)
  // only this error path needs a keccak of our own; viem's is loaded on demand to keep workers light
  const { keccak256 } = await import('viem')
  return keccak256(type === 0 ? encoded : concatBytes(new Uint8Array([type]), encoded))
}

function failed(message: string): CallError {
  return new CallError({ code: 'FAILED', message })
}
