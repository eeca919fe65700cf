import { type Block, type BlockHeader, createBlock } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { type CustomPrecompile, type InterpreterStep, getActivePrecompiles } from '@ethereumjs/evm'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { type TypedTransaction, createTx, getCalldataFloorGas } from '@ethereumjs/tx'
import {
  Account,
  Address,
  KECCAK256_NULL,
  bigIntToUnpaddedBytes,
  bytesToHex,
  bytesToUnprefixedHex,
  setLengthLeft,
  toChecksumAddress,
  unpadBytes,
} from '@ethereumjs/util'
import { type VM, createVM, runTx } from '@ethereumjs/vm'
import type { ChainConfig } from '../../chain/genesis.js'
import { keccak256 } from '../../chain/keccak.js'
import type { TrieDB } from '../../state/state-view.js'
import { TrieOverlay } from '../../state/trie-overlay.js'
import { CallError } from './errors.js'
import type { Message } from './message.js'
import type { AccountOverride, BlockOverrides, CallInput } from './types.js'
import { gethVmError } from './vm-errors.js'

/** Where a call runs: the state after `header`, in `header`'s block context. */
export interface CallEnvironment {
  /** The chain, for its forks and crypto. */
  chain: ChainConfig
  /** The block whose post-state the call runs on; it is also the block context (geth's DoCall). */
  header: BlockHeader
  /** Our root of that state (the header's own but for an anvil-style genesis). */
  stateRoot: Uint8Array
  /** Trie nodes and code of the state, only read: the simulation writes into its own overlay. */
  nodes: TrieDB
  /** BLOCKHASH: the hash of `header`'s ancestor at `number`, or null. */
  blockHash(number: bigint): Promise<Uint8Array | null>
}

/** geth's vm.BlockContext: what the EVM sees of the block, after block overrides. */
export interface BlockContext {
  number: bigint
  time: bigint
  gasLimit: bigint
  coinbase: Uint8Array
  difficulty: bigint
  prevRandao: Uint8Array
  /** undefined before London. */
  baseFee: bigint | undefined
  /** undefined before Cancun. */
  blobBaseFee: bigint | undefined
}

/** One execution's outcome (geth's core.ExecutionResult). */
export interface ExecutionResult {
  /** Gas used after the refund. */
  usedGas: bigint
  /** Gas used before the refund, and at least the EIP-7623 calldata floor. */
  maxUsedGas: bigint
  returnData: Uint8Array
  /** Set when the execution failed; `message` is geth's text ("out of gas", "execution reverted"). */
  failure?: { reverted: boolean; outOfGas: boolean; message: string }
}

/**
 * A message geth refuses before running it (core's preCheck and intrinsic-gas errors), in geth's
 * words. `intrinsic` marks "intrinsic gas too low", which gas estimation treats as "more gas".
 */
export class MessageError extends Error {
  constructor(
    message: string,
    readonly intrinsic = false,
  ) {
    super(message)
    this.name = 'MessageError'
  }
}

const MAX_UINT256 = (1n << 256n) - 1n
const MAX_BLOBS_PER_TX = 6

/**
 * A scratch copy of a state, with state and block overrides applied, that runs messages as full
 * transactions (@ethereumjs/vm runTx) and forgets each one's effects. Nonce and EOA checks are
 * skipped and a call without a gas price pays nothing, as in geth's eth_call.
 */
export class Simulation {
  /** The last transaction built, reused while only the gas limit changes (gas estimation). */
  private lastTx: { message: Message; tx: TypedTransaction } | null = null

  private constructor(
    readonly common: Common,
    readonly context: BlockContext,
    private readonly stateManager: MerkleStateManager,
    private readonly vm: VM,
    private readonly block: Block,
  ) {}

  /** Builds the simulation; throws CallError for overrides geth refuses. */
  static async create(env: CallEnvironment, input: CallInput): Promise<Simulation> {
    const context = blockContext(env.header, input.blockOverrides)
    const common = env.chain.createCommon()
    common.setHardforkBy({ blockNumber: context.number, timestamp: context.time })
    const trie = new MerklePatriciaTrie({ db: new TrieOverlay(env.nodes), root: env.stateRoot, useKeyHashing: true, useKeyHashingFunction: keccak256, valueEncoding: 'view' })
    // with caches, an execution's writes stay in them and vanish on revert instead of being
    // hashed into the trie
    const stateManager = new MerkleStateManager({ common, trie, caches: new Caches() })
    const customPrecompiles = await applyStateOverrides(stateManager, common, input.stateOverrides ?? [])
    const zeroHash = new Uint8Array(32)
    const blockchain = {
      async getBlock(number: number) {
        const hash = (await env.blockHash(BigInt(number))) ?? zeroHash
        return { hash: () => hash }
      },
      async putBlock() {},
      shallowCopy() {
        return this
      },
    }
    const vm = await createVM({ common, stateManager, blockchain: blockchain as never, evmOpts: { customPrecompiles } })
    return new Simulation(common, context, stateManager, vm, contextBlock(env.header, context, common))
  }

  /** Addresses of the precompiles active in this block (geth leaves them out of access lists). */
  precompileAddresses(): string[] {
    return [...getActivePrecompiles(this.common).keys()].map((address) => `0x${address}`)
  }

  async nonce(address: Uint8Array): Promise<bigint> {
    return (await this.stateManager.getAccount(new Address(address)))?.nonce ?? 0n
  }

  async balance(address: Uint8Array): Promise<bigint> {
    return (await this.stateManager.getAccount(new Address(address)))?.balance ?? 0n
  }

  async hasCode(address: Uint8Array): Promise<boolean> {
    return (await this.stateManager.getCode(new Address(address))).length > 0
  }

  /**
   * Runs `message` on the state and discards what it wrote. Throws MessageError when geth would
   * refuse the message before execution. `onStep` sees every opcode (for tracers).
   */
  async execute(message: Message, onStep?: (step: InterpreterStep) => void): Promise<ExecutionResult> {
    await this.stateManager.checkpoint()
    // only while tracing: with a step listener ethereumjs copies stack and memory at every opcode
    if (onStep !== undefined) this.vm.evm.events?.on('step', onStep)
    try {
      return await this.run(message)
    } finally {
      if (onStep !== undefined) this.vm.evm.events?.off('step', onStep)
      await this.stateManager.revert()
    }
  }

  private async run(message: Message): Promise<ExecutionResult> {
    // geth's NoBaseFee: a call that names no price runs against a zero base fee (and a zero blob
    // base fee when it names a zero blob fee cap), so nothing is charged and BASEFEE reads 0
    const baseFee = message.gasPrice === 0n ? 0n : this.context.baseFee
    const blobBaseFee = message.blobGasFeeCap === 0n ? 0n : (this.context.blobBaseFee ?? 0n)
    const header = this.block.header as { baseFeePerGas?: bigint; getBlobGasPrice(): bigint }
    if (header.baseFeePerGas !== undefined) header.baseFeePerGas = baseFee
    header.getBlobGasPrice = () => blobBaseFee

    const { have, blobCost } = await this.preCheck(message, blobBaseFee)
    const tx = this.transaction(message)
    const sender = new Address(message.from)
    const intrinsicGas = tx.getIntrinsicGas()
    const floorGas = getCalldataFloorGas(tx, sender)
    if (message.gasLimit < intrinsicGas) {
      throw new MessageError(`intrinsic gas too low: have ${message.gasLimit}, want ${intrinsicGas}`, true)
    }
    if (this.common.isActivatedEIP(7623) && message.gasLimit < floorGas) {
      throw new MessageError(`insufficient gas for floor data gas cost: have ${message.gasLimit}, want ${floorGas}`)
    }
    if (message.value > 0n && have - message.gasLimit * message.gasPrice - blobCost < message.value) {
      throw new MessageError(`insufficient funds for transfer: address ${toChecksumAddress(bytesToHex(message.from))}`)
    }

    const restoreEoaCheck = hideSenderCodeOnce(this.stateManager, sender)
    let result: Awaited<ReturnType<typeof runTx>>
    try {
      result = await runTx(this.vm, {
        tx,
        block: this.block,
        skipNonce: true,
        skipBalance: true,
        skipBlockGasLimitValidation: true,
        skipHardForkValidation: true,
      })
    } finally {
      restoreEoaCheck()
    }
    const exec = result.execResult
    const beforeRefund = exec.executionGasUsed + intrinsicGas
    const outcome: ExecutionResult = {
      usedGas: result.totalGasSpent,
      maxUsedGas: beforeRefund > floorGas ? beforeRefund : floorGas,
      returnData: exec.returnValue,
    }
    if (exec.exceptionError !== undefined) {
      const message = gethVmError(exec)
      outcome.failure = { reverted: message === 'execution reverted', outOfGas: message === 'out of gas', message }
    }
    return outcome
  }

  /**
   * geth's preCheck, in its order and words: fee caps against the base fee, transaction types the
   * fork lacks, blob and set-code rules, init code size, and the sender's funds (buyGas). Returns
   * the sender's balance and the blob fee it pays.
   */
  private async preCheck(message: Message, blobBaseFee: bigint): Promise<{ have: bigint; blobCost: bigint }> {
    const common = this.common
    const sender = toChecksumAddress(bytesToHex(message.from))
    if (common.isActivatedEIP(1559)) {
      const skip = message.gasFeeCap === 0n && message.gasTipCap === 0n
      if (!skip && message.gasFeeCap < message.gasTipCap) {
        throw new MessageError(
          `max priority fee per gas higher than max fee per gas: address ${sender}, maxPriorityFeePerGas: ${message.gasTipCap}, maxFeePerGas: ${message.gasFeeCap}`,
        )
      }
      const baseFee = this.context.baseFee ?? 0n
      if (!skip && message.gasFeeCap < baseFee) {
        throw new MessageError(`max fee per gas less than block base fee: address ${sender}, maxFeePerGas: ${message.gasFeeCap}, baseFee: ${baseFee}`)
      }
    }
    if (message.accessList !== undefined && !common.isActivatedEIP(2930)) {
      throw new MessageError(`transaction type not supported: access list tx (sender ${sender})`)
    }
    const blobs = message.blobHashes
    if ((blobs !== undefined || message.blobGasFeeCap !== undefined) && !common.isActivatedEIP(4844)) {
      throw new MessageError(`transaction type not supported: blob tx (sender ${sender})`)
    }
    if (blobs !== undefined) {
      if (message.to === undefined) throw new MessageError('blob transaction of type create')
      if (blobs.length === 0) throw new MessageError('blob transaction missing blob hashes')
      if (common.isActivatedEIP(7594) && blobs.length > MAX_BLOBS_PER_TX) throw new MessageError('blob transaction has too many blobs')
      blobs.forEach((hash, i) => {
        if (hash[0] !== 0x01) throw new MessageError(`blob ${i} has invalid hash version`)
      })
    }
    const blobGas = BigInt(blobs?.length ?? 0) * (common.isActivatedEIP(4844) ? common.param('blobGasPerBlob') : 0n)
    if (blobGas > 0n && message.blobGasFeeCap !== 0n && (message.blobGasFeeCap ?? 0n) < blobBaseFee) {
      throw new MessageError(
        `max fee per blob gas less than block blob gas fee: address ${sender} blobGasFeeCap: ${message.blobGasFeeCap ?? 0n}, blobBaseFee: ${blobBaseFee}`,
      )
    }
    if (message.authorizationList !== undefined) {
      if (!common.isActivatedEIP(7702)) throw new MessageError(`transaction type not supported: setcode tx (sender ${sender})`)
      if (message.to === undefined) throw new MessageError(`EIP-7702 transaction cannot be used to create contract (sender ${sender})`)
      if (message.authorizationList.length === 0) throw new MessageError(`EIP-7702 transaction with empty auth list (sender ${sender})`)
    }
    if (message.to === undefined && common.isActivatedEIP(3860)) {
      const limit = common.param('maxInitCodeSize')
      if (BigInt(message.data.length) > limit) {
        throw new MessageError(`max initcode size exceeded: code size ${message.data.length}, limit ${limit}`)
      }
    }
    // buyGas: the sender must hold gas × fee cap + value (+ blob gas × blob fee cap)
    const overflow = () => new MessageError(`insufficient funds for gas * price + value: address ${sender} required balance exceeds 256 bits`)
    if (message.gasLimit * message.gasPrice > MAX_UINT256) throw overflow()
    let want = message.gasLimit * message.gasFeeCap
    if (want > MAX_UINT256) throw overflow()
    want += message.value
    if (want > MAX_UINT256) throw overflow()
    if (blobGas > 0n) {
      want += blobGas * (message.blobGasFeeCap ?? 0n)
      if (want > MAX_UINT256) throw overflow()
    }
    const have = await this.balance(message.from)
    if (have < want) throw new MessageError(`insufficient funds for gas * price + value: address ${sender} have ${have} want ${want}`)
    return { have, blobCost: blobGas * blobBaseFee }
  }

  /**
   * The message as an ethereumjs transaction of the newest type the fork allows (so an access
   * list is always honoured), signed by nobody: the sender is set directly. The gas limit is set
   * after construction because a call may exceed EIP-7825's cap, which geth lifts for calls.
   */
  private transaction(message: Message): TypedTransaction {
    if (this.lastTx !== null && sameButGas(this.lastTx.message, message)) {
      ;(this.lastTx.tx as { gasLimit: bigint }).gasLimit = message.gasLimit
      return this.lastTx.tx
    }
    const common = this.common
    const accessList = (message.accessList ?? []).map((entry) => ({
      address: bytesToHex(entry.address),
      storageKeys: entry.storageKeys.map((key) => bytesToHex(key)),
    }))
    const base = { to: message.to, value: message.value, data: message.data, nonce: 0n, gasLimit: 0n }
    const fees = { maxFeePerGas: message.gasFeeCap, maxPriorityFeePerGas: message.gasTipCap }
    let data: Record<string, unknown>
    if (message.authorizationList !== undefined && common.isActivatedEIP(7702)) {
      const u = bigIntToUnpaddedBytes
      const authorizationList = message.authorizationList.map((a) => [u(a.chainId), a.address, u(a.nonce), u(a.yParity), u(a.r), u(a.s)])
      data = { ...base, ...fees, type: 4, accessList, authorizationList }
    } else if (message.blobHashes !== undefined && common.isActivatedEIP(4844)) {
      data = { ...base, ...fees, type: 3, accessList, maxFeePerBlobGas: message.blobGasFeeCap ?? 0n, blobVersionedHashes: message.blobHashes }
    } else if (common.isActivatedEIP(1559)) {
      data = { ...base, ...fees, type: 2, accessList }
    } else if (common.isActivatedEIP(2930)) {
      data = { ...base, type: 1, gasPrice: message.gasPrice, accessList }
    } else {
      data = { ...base, type: 0, gasPrice: message.gasPrice }
    }
    let tx: TypedTransaction
    try {
      tx = createTx(data as never, { common, freeze: false, allowUnlimitedInitCodeSize: true })
    } catch (err) {
      throw new MessageError((err as Error).message)
    }
    const sender = new Address(message.from)
    const mutable = tx as { gasLimit: bigint; getSenderAddress(): Address }
    mutable.gasLimit = message.gasLimit
    mutable.getSenderAddress = () => sender
    this.lastTx = { message, tx }
    return tx
  }
}

/** Whether two messages differ at most in their gas limit (fields compared by identity). */
function sameButGas(a: Message, b: Message): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof Message>
  for (const key of keys) if (key !== 'gasLimit' && a[key] !== b[key]) return false
  return true
}

/** geth's NewEVMBlockContext for `header`, with BlockOverrides.Apply. */
function blockContext(header: BlockHeader, overrides: BlockOverrides | undefined): BlockContext {
  if (overrides?.beaconRoot !== undefined) {
    throw new CallError({ code: 'FAILED', message: 'block override "beaconRoot" is not supported for this RPC method' })
  }
  if (overrides?.withdrawals !== undefined) {
    throw new CallError({ code: 'FAILED', message: 'block override "withdrawals" is not supported for this RPC method' })
  }
  const header4844 = header.common.isActivatedEIP(4844) && header.excessBlobGas !== undefined
  return {
    number: overrides?.number ?? header.number,
    time: overrides?.time ?? header.timestamp,
    gasLimit: overrides?.gasLimit ?? header.gasLimit,
    coinbase: overrides?.feeRecipient ?? header.coinbase.bytes,
    difficulty: overrides?.difficulty ?? header.difficulty,
    prevRandao: overrides?.prevRandao ?? header.mixHash,
    baseFee: overrides?.baseFeePerGas ?? header.baseFeePerGas,
    blobBaseFee: overrides?.blobBaseFee ?? (header4844 ? header.getBlobGasPrice() : undefined),
  }
}

/**
 * A block carrying the context for runTx. Built from the fields the EVM reads and then given the
 * context's values, so overrides that cross a fork boundary still make a valid block.
 */
function contextBlock(header: BlockHeader, context: BlockContext, common: Common): Block {
  const block = createBlock(
    {
      header: {
        number: context.number,
        timestamp: context.time,
        gasLimit: context.gasLimit,
        coinbase: context.coinbase,
        difficulty: context.difficulty,
        mixHash: setLengthLeft(context.prevRandao, 32),
        extraData: header.extraData,
      },
      withdrawals: common.isActivatedEIP(4895) ? [] : undefined,
    },
    { common, freeze: false, skipConsensusFormatValidation: true },
  )
  const mutable = block.header as { baseFeePerGas?: bigint }
  if (common.isActivatedEIP(1559)) mutable.baseFeePerGas = context.baseFee ?? 0n
  return block
}

/**
 * geth's StateOverride.Apply. Overriding a precompile's account removes the precompile, and
 * `movePrecompileToAddress` serves it from another address: both become ethereumjs custom
 * precompiles, returned for the VM.
 */
async function applyStateOverrides(state: MerkleStateManager, common: Common, overrides: AccountOverride[]): Promise<CustomPrecompile[]> {
  const active = getActivePrecompiles(common)
  const custom: CustomPrecompile[] = []
  const movedTo = new Set<string>()
  const overridden = new Set(overrides.map((o) => bytesToUnprefixedHex(o.address)))
  const fail = (message: string) => new CallError({ code: 'FAILED', message })
  for (const override of overrides) {
    const key = bytesToUnprefixedHex(override.address)
    const shown = toChecksumAddress(bytesToHex(override.address))
    if (movedTo.has(key)) throw fail(`account ${shown} has already been overridden by a precompile`)
    const precompile = active.get(key)
    if (override.movePrecompileToAddress !== undefined) {
      if (precompile === undefined) throw fail(`account ${shown} is not a precompile`)
      const target = bytesToUnprefixedHex(override.movePrecompileToAddress)
      if (overridden.has(target)) throw fail(`account ${toChecksumAddress(`0x${target}`)} is already overridden`)
      custom.push({ address: new Address(override.movePrecompileToAddress), function: precompile })
      movedTo.add(target)
    }
    if (precompile !== undefined) custom.push({ address: new Address(override.address) })

    const address = new Address(override.address)
    const storage = override.state !== undefined || override.stateDiff !== undefined
    if (override.nonce !== undefined || override.balance !== undefined || storage) {
      // storage writes need the account to exist; geth creates it the same way
      const account = (await state.getAccount(address)) ?? new Account()
      if (override.nonce !== undefined) account.nonce = override.nonce
      if (override.balance !== undefined) account.balance = override.balance
      await state.putAccount(address, account)
    }
    if (override.code !== undefined) await state.putCode(address, override.code)
    if (override.state !== undefined && override.stateDiff !== undefined) throw fail(`account ${shown} has both 'state' and 'stateDiff'`)
    if (override.state !== undefined) {
      await state.clearStorage(address)
      for (const [slot, value] of override.state) await state.putStorage(address, slot, unpadBytes(value))
    }
    for (const [slot, value] of override.stateDiff ?? []) await state.putStorage(address, slot, unpadBytes(value))
  }
  return custom
}

/**
 * ethereumjs' runTx refuses senders with code (EIP-3607) and has no switch for it, while geth's
 * calls skip that check. runTx reads the sender's account once before that check and then reads
 * its `codeHash`; this makes that one read see no code. Everything else (execution, the account
 * written back) sees the real account. Returns the undo.
 */
function hideSenderCodeOnce(state: MerkleStateManager, sender: Address): () => void {
  const getAccount = state.getAccount
  const restore = () => {
    state.getAccount = getAccount
  }
  state.getAccount = async (address: Address) => {
    const account = await getAccount.call(state, address)
    if (!address.equals(sender)) return account
    restore()
    if (account === undefined || !account.isContract()) return account
    const codeHash = account.codeHash
    let hidden = true
    Object.defineProperty(account, 'codeHash', {
      configurable: true,
      get: () => {
        if (!hidden) return codeHash
        hidden = false
        return KECCAK256_NULL
      },
    })
    return account
  }
  return restore
}
