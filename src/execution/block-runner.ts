import type { Block } from '@ethereumjs/block'
import { genRequestsRoot } from '@ethereumjs/block'
import { ConsensusType, Hardfork } from '@ethereumjs/common'
import { type Address, type CLRequest, type CLRequestType, GWEI_TO_WEI, bytesToHex, equalsBytes } from '@ethereumjs/util'
import { Bloom, type RunTxResult, type TxReceipt, type VM, encodeReceipt, runTx } from '@ethereumjs/vm'
import { createHash } from 'node:crypto'
import { orderedTrieRoot } from '../state/ordered-trie.js'
import { importEthereumjsModule } from '../util/ethereumjs-internals.js'

/**
 * runBlock's block-level system steps. @ethereumjs/vm exports them from its modules but not from
 * its package entry, so they are loaded from those modules: reimplementing them would be a
 * second copy to keep right.
 */
interface SystemSteps {
  accumulateParentBeaconBlockRoot(vm: VM, root: Uint8Array, timestamp: bigint): Promise<void>
  accumulateParentBlockHash(vm: VM, number: bigint, parentHash: Uint8Array): Promise<void>
  rewardAccount(evm: VM['evm'], address: Address, reward: bigint, common: VM['common']): Promise<unknown>
  accumulateRequests(vm: VM, results: RunTxResult[], blockGasLimit: bigint): Promise<CLRequest<CLRequestType>[]>
}

const steps: SystemSteps = {
  ...(await importEthereumjsModule<Pick<SystemSteps, 'accumulateParentBeaconBlockRoot' | 'accumulateParentBlockHash' | 'rewardAccount'>>('@ethereumjs/vm', 'runBlock.js')),
  ...(await importEthereumjsModule<Pick<SystemSteps, 'accumulateRequests'>>('@ethereumjs/vm', 'requests.js')),
}
for (const [name, step] of Object.entries(steps)) {
  if (typeof step !== 'function') throw new Error(`@ethereumjs/vm no longer has ${name} where block-runner.ts loads it from`)
}

/** What running a block produced, every checked field already equal to its header's. */
export interface BlockRun {
  receipts: TxReceipt[]
  /** Consensus encoding of each receipt (typed envelope included), as hashed into receiptsRoot. */
  encodedReceipts: Uint8Array[]
  stateRoot: Uint8Array
}

/** EIPs whose block-level rules runVerifiedBlock does not carry: such blocks go to runBlock. */
const UNHANDLED_EIPS = [7864, 7928, 8037]

/**
 * Whether runVerifiedBlock can run `block`: proof-of-stake blocks of the forks up to Prague/Osaka.
 * Others (block rewards, the DAO fork, binary trees, block access lists, EIP-8037 gas) are left
 * to ethereumjs's runBlock.
 */
export function canRunVerified(block: Block): boolean {
  const common = block.common
  if (common.consensusType() !== ConsensusType.ProofOfStake) return false
  if (UNHANDLED_EIPS.some((eip) => common.isActivatedEIP(eip))) return false
  return !(common.hardforkIsActiveOnBlock(Hardfork.Dao, block.header.number) && block.header.number === common.hardforkBlock(Hardfork.Dao))
}

/**
 * Runs `block` on the VM's current state and checks it against its header, as ethereumjs's
 * runBlock does without `generate` (same steps, same order, same events, same checks) with two
 * differences that matter to a verifier:
 * - the receipts root is the ordered trie of the encoded receipts computed in one pass
 *   (runBlock builds an @ethereumjs/mpt trie one put at a time: about a sixth of import time),
 *   and those encodings are returned for storing, not computed again;
 * - header validation is left to the caller (BlockExecutor checks the parent link itself).
 * Throws on the first difference, with the state reverted; the caller names the field.
 * Only for blocks canRunVerified() accepts.
 */
export async function runVerifiedBlock(vm: VM, block: Block, options: { validateBody: boolean }): Promise<BlockRun> {
  const { header } = block
  await vm._emit('beforeBlock', block)
  vm.common.setHardforkBy({ blockNumber: header.number, timestamp: header.timestamp })
  const journal = vm.evm.journal
  await journal.checkpoint()
  let applied: Awaited<ReturnType<typeof applyAndCheck>>
  try {
    applied = await applyAndCheck(vm, block, options)
  } catch (err) {
    await journal.revert()
    throw err
  }
  await journal.commit()
  await vm._emit('afterBlock', { block, ...applied.event })
  return applied.run
}

async function applyAndCheck(vm: VM, block: Block, options: { validateBody: boolean }) {
  const { header } = block
  if (options.validateBody) {
    if (header.gasLimit >= 0x8000000000000000n) throw new Error('Invalid block with gas limit greater than (2^63 - 1)')
    await block.validateData(false, true, false)
  }
  if (vm.common.isActivatedEIP(4788)) await steps.accumulateParentBeaconBlockRoot(vm, header.parentBeaconBlockRoot!, header.timestamp)
  if (vm.common.isActivatedEIP(2935)) await steps.accumulateParentBlockHash(vm, header.number, header.parentHash)

  const bloom = new Bloom(undefined, vm.common)
  const receipts: TxReceipt[] = []
  const encodedReceipts: Uint8Array[] = []
  const results: RunTxResult[] = []
  let gasUsed = 0n
  let receiptGasUsed = 0n
  for (const tx of block.transactions) {
    if (header.gasLimit < tx.gasLimit + gasUsed) throw new Error('tx has a higher gas limit than the block')
    const result = await runTx(vm, { tx, block, blockGasUsed: receiptGasUsed })
    results.push(result)
    gasUsed += result.blockGasSpent
    receiptGasUsed += result.totalGasSpent
    bloom.or(result.bloom)
    receipts.push(result.receipt)
    encodedReceipts.push(encodeReceipt(result.receipt, tx.type))
  }
  if (vm.common.isActivatedEIP(4895)) {
    for (const { address, amount } of block.withdrawals!) await steps.rewardAccount(vm.evm, address, amount * GWEI_TO_WEI, vm.common)
    await vm.evm.journal.cleanup()
  }
  let requests: CLRequest<CLRequestType>[] | undefined
  let requestsHash: Uint8Array | undefined
  if (block.common.isActivatedEIP(7685)) {
    requests = await steps.accumulateRequests(vm, results, header.gasLimit)
    requestsHash = genRequestsRoot(requests, vm.common.customCrypto.sha256 ?? sha256)
    if (!equalsBytes(header.requestsHash!, requestsHash)) throw new Error('invalid requestsHash')
  }
  const stateRoot = await vm.stateManager.getStateRoot()
  const receiptsRoot = orderedTrieRoot(encodedReceipts)
  if (!equalsBytes(receiptsRoot, header.receiptTrie)) throw new Error('invalid receiptTrie')
  if (!equalsBytes(bloom.bitvector, header.logsBloom)) throw new Error('invalid bloom')
  if (gasUsed !== header.gasUsed) throw new Error('invalid gasUsed')
  if (!equalsBytes(stateRoot, header.stateRoot)) {
    throw new Error(`invalid block stateRoot, got: ${bytesToHex(stateRoot)}, want: ${bytesToHex(header.stateRoot)}`)
  }
  const event = { receipts, logsBloom: bloom.bitvector, results, stateRoot, gasUsed, receiptsRoot, preimages: new Map(), requestsHash, requests }
  return { run: { receipts, encodedReceipts, stateRoot } satisfies BlockRun, event }
}

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest()
}
