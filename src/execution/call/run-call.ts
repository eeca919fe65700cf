import {
  BIGINT_0,
  MAX_UINT64,
  bigIntToUnpaddedBytes,
  bytesToHex,
  eoaCode7702RecoverAuthority,
  generateAddress,
} from '@ethereumjs/util'
import { AccessListTracer } from './access-list-tracer.js'
import { CallError } from './errors.js'
import { type DefaultedRequest, type Message, callDefaults, toMessage, unsignedTransactionHash } from './message.js'
import { type CallEnvironment, type ExecutionResult, MessageError, Simulation } from './simulator.js'
import type { AccessListResult, CallInput, CallKind, CallResults } from './types.js'

/** params.TxGas */
const TX_GAS = 21_000n
/** params.MaxTxGas (EIP-7825) */
const MAX_TX_GAS = 1n << 24n
/** params.CallStipend */
const CALL_STIPEND = 2_300n
/** params.CallNewAccountGas, the most an authorization can cost */
const CALL_NEW_ACCOUNT_GAS = 25_000n
/** geth's estimateGasErrorRatio: estimates may be this much too high, to save executions. */
const ESTIMATE_ERROR_RATIO = 0.015

/** Limits geth applies to every call: --rpc.gascap (0 = none). */
export interface CallLimits {
  gasCap: bigint
}

/** Runs one call-family request on `env`'s state; throws CallError with geth's texts. */
export async function simulate<K extends CallKind>(kind: K, env: CallEnvironment, input: CallInput, limits: CallLimits): Promise<CallResults[K]> {
  switch (kind) {
    case 'call':
      return (await call(env, input, limits)) as CallResults[K]
    case 'estimateGas':
      return (await estimateGas(env, input, limits)) as CallResults[K]
    case 'createAccessList':
      return (await createAccessList(env, input, limits)) as CallResults[K]
  }
  throw new Error(`unknown call kind ${String(kind)}`)
}

/**
 * geth's DoCall: the return data of the message run on the state. A revert with data is
 * REVERTED; a revert without data, like any other EVM failure, is FAILED with geth's text, and
 * a message geth refuses is "err: <reason> (supplied gas N)".
 */
export async function call(env: CallEnvironment, input: CallInput, limits: CallLimits): Promise<Uint8Array> {
  const simulation = await Simulation.create(env, input)
  const args = callDefaults(input.request, { gasCap: limits.gasCap, baseFee: simulation.context.baseFee, chainId: env.chain.chainId })
  const message = toMessage(args, env.header.baseFeePerGas)
  let result: ExecutionResult
  try {
    result = await simulation.execute(message)
  } catch (err) {
    if (err instanceof MessageError) throw failed(`err: ${err.message} (supplied gas ${message.gasLimit})`)
    throw err
  }
  if (result.failure === undefined) return result.returnData
  if (result.failure.reverted && result.returnData.length > 0) throw new CallError({ code: 'REVERTED', data: result.returnData })
  throw failed(result.failure.message)
}

/**
 * geth's DoEstimateGas and gasestimator.Estimate: the upper bound is the gas given (else the
 * block's gas limit, at most EIP-7825's cap from Osaka), lowered to what the sender can pay at
 * its fee cap and to --rpc.gascap; a plain transfer tries 21000 first; then one run at the bound,
 * one at the optimistic used-gas-plus-refund limit, and a binary search to 1.5%.
 */
export async function estimateGas(env: CallEnvironment, input: CallInput, limits: CallLimits): Promise<bigint> {
  const simulation = await Simulation.create(env, input)
  // gas left open stays 0 here, so the block gas limit bounds the search rather than the gas cap
  const request = { ...input.request, gas: input.request.gas ?? 0n }
  const args = callDefaults(request, { gasCap: limits.gasCap, baseFee: simulation.context.baseFee, chainId: env.chain.chainId })
  const message = toMessage(args, env.header.baseFeePerGas)

  let hi = env.header.gasLimit
  if (message.gasLimit >= TX_GAS) hi = message.gasLimit
  if (hi > MAX_TX_GAS && simulation.common.isActivatedEIP(7825)) hi = MAX_TX_GAS
  const feeCap = message.gasFeeCap
  if (feeCap > 0n) {
    let available = await simulation.balance(message.from)
    if (message.value >= available) throw failed('insufficient funds for transfer')
    available -= message.value
    const blobs = message.blobHashes?.length ?? 0
    if (env.header.common.isActivatedEIP(4844) && blobs > 0) {
      const blobCost = BigInt(blobs) * env.header.common.param('blobGasPerBlob') * (message.blobGasFeeCap ?? 0n)
      if (blobCost >= available) throw failed('insufficient funds for gas * price + value')
      available -= blobCost
    }
    const allowance = available / feeCap
    if (allowance <= MAX_UINT64 && hi > allowance) hi = allowance
  }
  if (limits.gasCap !== 0n && hi > limits.gasCap) hi = limits.gasCap

  const execute = async (gas: bigint): Promise<{ failed: boolean; result?: ExecutionResult }> => {
    try {
      const result = await simulation.execute({ ...message, gasLimit: gas })
      return { failed: result.failure !== undefined, result }
    } catch (err) {
      if (err instanceof MessageError && err.intrinsic) return { failed: true }
      if (err instanceof MessageError) throw failed(`failed with ${gas} gas: ${err.message}`)
      throw err
    }
  }

  if (message.data.length === 0 && message.to !== undefined && !(await simulation.hasCode(message.to))) {
    // a plain transfer: 21000 is the answer unless some field (an access list, say) costs more
    try {
      if (!(await execute(TX_GAS)).failed) return TX_GAS
    } catch (err) {
      if (!(err instanceof CallError)) throw err
    }
  }
  const first = await execute(hi)
  if (first.failed) {
    const failure = first.result?.failure
    if (failure !== undefined && !failure.outOfGas) {
      if (failure.reverted) throw new CallError({ code: 'REVERTED', data: first.result!.returnData })
      throw failed(failure.message)
    }
    throw failed(`gas required exceeds allowance (${hi})`)
  }
  const used = first.result!
  let lo = used.usedGas - 1n
  const optimistic = ((used.maxUsedGas + CALL_STIPEND) * 64n) / 63n
  if (optimistic < hi) {
    if ((await execute(optimistic)).failed) lo = optimistic
    else hi = optimistic
  }
  while (lo + 1n < hi) {
    if (Number(hi - lo) / Number(hi) < ESTIMATE_ERROR_RATIO) break
    let mid = lo + (hi - lo) / 2n
    // most transactions need little more than they use: favour the low side
    if (mid > lo * 2n) mid = lo * 2n
    if ((await execute(mid)).failed) lo = mid
    else hi = mid
  }
  return hi
}

/**
 * geth's AccessList: runs the message with an access-list tracer, then again with the list it
 * found, until a run finds no more. The sender, the recipient (or created address), the
 * precompiles and valid authorities are left out unless a slot of theirs was touched. A failed
 * execution still yields its list, with geth's error text beside it.
 */
export async function createAccessList(env: CallEnvironment, input: CallInput, limits: CallLimits): Promise<AccessListResult> {
  const simulation = await Simulation.create(env, input)
  const chainId = env.chain.chainId
  const from = input.request.from ?? new Uint8Array(20)
  const request = { ...input.request, nonce: input.request.nonce ?? (await simulation.nonce(from)) }
  const args = callDefaults(request, { gasCap: limits.gasCap, baseFee: simulation.context.baseFee, chainId })
  const to = args.to ?? generateAddress(from, bigIntToUnpaddedBytes(args.nonce))
  const excluded = new Set([bytesToHex(from), bytesToHex(to), ...simulation.precompileAddresses()])
  const authorizations = args.authorizationList ?? []
  if (BigInt(authorizations.length) > args.gas / CALL_NEW_ACCOUNT_GAS) throw failed('insufficient gas to process all authorizations')
  for (const auth of authorizations) {
    if ((auth.chainId !== BIGINT_0 && auth.chainId !== chainId) || auth.nonce >= MAX_UINT64) continue
    try {
      const u = bigIntToUnpaddedBytes
      excluded.add(eoaCode7702RecoverAuthority([u(auth.chainId), auth.address, u(auth.nonce), u(auth.yParity), u(auth.r), u(auth.s)]).toString())
    } catch {
      // an authorization whose signature does not recover is skipped by the EVM too
    }
  }

  let previous = new AccessListTracer(args.accessList ?? [], excluded)
  for (;;) {
    const accessList = previous.accessList()
    const tracer = new AccessListTracer(accessList, excluded)
    const current: DefaultedRequest = { ...args, accessList }
    const message: Message = toMessage(current, env.header.baseFeePerGas)
    let result: ExecutionResult
    try {
      result = await simulation.execute(message, (step) => tracer.onStep(step))
    } catch (err) {
      if (!(err instanceof MessageError)) throw err
      throw failed(`failed to apply transaction: ${await unsignedTransactionHash(current, chainId)} err: ${err.message}`)
    }
    if (tracer.equals(previous)) {
      const outcome: AccessListResult = { accessList, gasUsed: result.usedGas }
      if (result.failure !== undefined) outcome.error = result.failure.message
      return outcome
    }
    previous = tracer
  }
}

function failed(message: string): CallError {
  return new CallError({ code: 'FAILED', message })
}
