import type { Block, BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { type RunBlockResult, type TxReceipt, type VM, createVM, encodeReceipt, runBlock } from '@ethereumjs/vm'
import type { ChainConfig } from '../chain/genesis.js'
import { rawPartsOf } from '../chain/block-rlp.js'
import { keccak256 } from '../chain/keccak.js'
import { ExecutionError, type VerifiedField } from '../errors.js'
import type { TrieNodeDB } from '../state/node-db.js'
import { FlatStateManager } from '../state/flat-state.js'
import { orderedTrieRoot } from '../state/ordered-trie.js'
import type { StateChanges } from '../state/state-changes.js'
import { StateTrie } from '../state/state-trie.js'
import { type BlockRun, canRunVerified, runVerifiedBlock } from './block-runner.js'
import type { CompatMode } from './compat.js'

/**
 * Accounts plus storage slots the flat state keeps cached between blocks (~150 bytes each, so
 * about 75 MB at most) before it starts over from the tries.
 */
const FLAT_STATE_ENTRIES = 500_000

export interface ExecutorOptions {
  compat: CompatMode | null
  /**
   * Return each block's state changes (ExecutedBlock.stateChanges) for the store: full and snap
   * retention rebuild historical states from them. Archival keeps every state and needs none.
   */
  recordStateChanges?: boolean
}

export interface ExecutorDependencies {
  chain: ChainConfig
  trieNodes: TrieNodeDB
  /** Canonical block hash by number, for BLOCKHASH before EIP-2935 takes over. */
  getCanonicalHash(number: bigint): Promise<Uint8Array | null>
}

/** The outcome of re-executing a block whose every checked field matched its header. */
export interface ExecutedBlock {
  block: Block
  receipts: TxReceipt[]
  /** Consensus encoding of each receipt (typed envelope included), as hashed into receiptsRoot. */
  encodedReceipts: Uint8Array[]
  /** Sender address of each transaction, recovered during execution. */
  senders: Uint8Array[]
  /** What the block wrote into the state tries, with `recordStateChanges` (else null). */
  stateChanges: StateChanges | null
  /** Where the block's time went, in milliseconds. */
  timings: ExecutionTimings
}

/**
 * An executed block's time by phase (ms): checking its body and header links (transactions
 * root included), recovering its senders, running its transactions, and computing the state
 * root (writing the block's state into the tries).
 */
export interface ExecutionTimings {
  verify: number
  recover: number
  execute: number
  root: number
}

/**
 * Re-executes blocks on top of the current state and verifies them against their headers.
 * State lives in a Merkle trie whose nodes go to the store through `trieNodes` (pending writes
 * the caller drains into the block's batch).
 */
export class BlockExecutor {
  /** Time spent computing state roots since the current block started. */
  private rootMillis = 0

  private constructor(
    readonly vm: VM,
    private readonly stateManager: FlatStateManager,
    private readonly trie: StateTrie,
    private readonly common: Common,
    private readonly options: ExecutorOptions,
    private readonly trieNodes: TrieNodeDB,
    private readonly executing: { parent: BlockHeader | null },
  ) {}

  static async create(options: ExecutorOptions, deps: ExecutorDependencies): Promise<BlockExecutor> {
    const common = deps.chain.createCommon()
    const trie = StateTrie.create({ db: deps.trieNodes, hash: keccak256 })
    const stateOptions = { maxCachedEntries: FLAT_STATE_ENTRIES, recordChanges: options.recordStateChanges === true }
    const stateDeps = { trie, hash: keccak256 }
    // a compatibility mode builds a FlatStateManager of its own that adds the sequencer's quirks
    const stateManager =
      options.compat?.createStateManager(stateOptions, stateDeps) ?? new FlatStateManager(stateOptions, stateDeps)
    // the block being executed: its parent may not be in the store yet (the importer writes a
    // block's batch while the next block executes), but its hash is known
    const executing: { parent: BlockHeader | null } = { parent: null }
    const blockchain = {
      async getBlock(number: number) {
        const parent = executing.parent
        if (parent !== null && parent.number === BigInt(number)) return { hash: () => parent.hash() }
        const hash = await deps.getCanonicalHash(BigInt(number))
        if (hash === null) throw new Error(`BLOCKHASH: no canonical block ${number}`)
        return { hash: () => hash }
      },
      async putBlock() {},
      shallowCopy() {
        return this
      },
    }
    const vm = await createVM({ common, stateManager, blockchain: blockchain as never, setHardfork: true })
    options.compat?.attach(vm, deps.chain)
    const executor = new BlockExecutor(vm, stateManager, trie, common, options, deps.trieNodes, executing)
    // runBlock asks for the state root itself: timed here to tell root from execution
    const getStateRoot = stateManager.getStateRoot.bind(stateManager)
    stateManager.getStateRoot = async () => {
      const started = performance.now()
      try {
        return await getStateRoot()
      } finally {
        executor.rootMillis += performance.now() - started
      }
    }
    return executor
  }

  /** Writes the genesis allocation into the (empty) state and returns its root. */
  async generateGenesis(chain: ChainConfig): Promise<Uint8Array> {
    await this.stateManager.generateCanonicalGenesis(chain.genesisState as Record<string, unknown>)
    return this.getStateRoot()
  }

  /** Points execution at the state with this root (which must be in the store). */
  async setStateRoot(root: Uint8Array): Promise<void> {
    await this.stateManager.setStateRoot(root, true)
  }

  /** The current state root; every node of that state is in the node database once this returns. */
  async getStateRoot(): Promise<Uint8Array> {
    const root = await this.stateManager.getStateRoot()
    await this.trie.flush()
    return root
  }

  /**
   * Executes `block` on top of `parent`'s state (the current state) and checks it. Throws
   * ExecutionError naming the first field that differs; the state is then back where it was.
   */
  async execute(block: Block, parent: BlockHeader, options: { stored?: boolean } = {}): Promise<ExecutedBlock> {
    const header = block.header
    // A stored block had its body, signatures and header links checked when it was imported;
    // re-executing it (crash recovery, historical state) checks what execution produces again.
    const stored = options.stored === true
    this.executing.parent = parent
    const started = performance.now()
    if (!stored) {
      checkParentLink(header, parent, this.options.compat)
      checkBody(block)
    }
    const verified = performance.now()
    // A transaction keeps its recovered sender: runBlock's own signature checks find it. One
    // whose signature does not verify is left to runBlock, which refuses the block as before.
    if (!stored) for (const tx of block.transactions) tx.verifySignature()
    const recovered = performance.now()
    const rootBefore = await this.stateManager.getStateRoot()
    // what the root above wrote belongs to whatever came before this block (genesis)
    this.stateManager.takeChanges()
    this.rootMillis = 0
    // On failure, the nodes this block wrote must not reach a batch or a cache (see resetTo).
    const nodesMark = this.trieNodes.mark()
    let result: Pick<BlockRun, 'receipts'> & { encodedReceipts?: Uint8Array[] }
    try {
      // Both check receipts root, bloom, gas used, requests hash and state root against the
      // header. runBlock (pre-merge blocks) runs without `generate`, which would also rebuild the
      // block and its transactions trie, a cost every block would pay for the sake of failing ones.
      result = canRunVerified(block)
        ? await runVerifiedBlock(this.vm, block, { validateBody: !stored })
        : await runBlock(this.vm, { block, skipHeaderValidation: true, skipBlockValidation: stored, setHardfork: true })
    } catch (err) {
      await this.resetTo(rootBefore, nodesMark)
      return this.explainFailure(block, stored, err)
    }
    // the state's new nodes go to the node database now, not with the next block
    await this.trie.flush()
    const stateChanges = this.options.recordStateChanges === true ? this.stateManager.takeChanges() : null
    const root = this.rootMillis
    const timings = { verify: verified - started, recover: recovered - verified, execute: performance.now() - recovered - root, root }
    // our block loop returns them; after runBlock they are encoded when asked (storing a block
    // needs them, re-executing a stored one does not)
    let encodedReceipts = result.encodedReceipts
    let senders: Uint8Array[] | undefined
    return {
      block,
      timings,
      receipts: result.receipts,
      stateChanges,
      get encodedReceipts() {
        encodedReceipts ??= result.receipts.map((receipt, i) => encodeReceipt(receipt, block.transactions[i].type))
        return encodedReceipts
      },
      get senders() {
        senders ??= block.transactions.map((tx) => tx.getSenderAddress().bytes)
        return senders
      },
    }
  }

  /**
   * Throws the typed error for a block runBlock refused (the state is back before it). A refusal
   * of runBlock's own checks says only which field differs, so the block runs once more with
   * `generate`, which returns what execution produced instead of checking it, and the first field
   * that differs is named with both values.
   */
  private async explainFailure(block: Block, stored: boolean, failure: unknown): Promise<never> {
    const header = block.header
    const rootBefore = await this.stateManager.getStateRoot()
    const nodesMark = this.trieNodes.mark()
    let result: RunBlockResult
    try {
      result = await runBlock(this.vm, {
        block,
        generate: true,
        skipHeaderValidation: true,
        skipBlockValidation: stored,
        setHardfork: true,
      })
    } catch (err) {
      throw new ExecutionError({ code: 'INVALID_BLOCK', number: header.number, reason: (err as Error).message })
    } finally {
      await this.resetTo(rootBefore, nodesMark)
    }
    mustEqual(header.number, 'receiptsRoot', header.receiptTrie, result.receiptsRoot)
    mustEqual(header.number, 'logsBloom', header.logsBloom, result.logsBloom)
    mustEqual(header.number, 'gasUsed', header.gasUsed, result.gasUsed)
    if (this.vm.common.isActivatedEIP(7685)) {
      mustEqual(header.number, 'requestsHash', header.requestsHash, result.requestsHash)
    }
    mustEqual(header.number, 'stateRoot', header.stateRoot, result.stateRoot)
    throw new ExecutionError({ code: 'INVALID_BLOCK', number: header.number, reason: (failure as Error).message })
  }

  /** Back to the state at `root`, forgetting the trie nodes a failed block wrote. */
  private async resetTo(root: Uint8Array, nodesMark: number): Promise<void> {
    await this.trie.flush()
    this.trieNodes.rollback(nodesMark)
    await this.stateManager.setStateRoot(root, true)
  }

  get compatName(): string | null {
    return this.options.compat?.name ?? null
  }
}

/** Checks the header fields that follow from the parent (mustEqual takes the header's value, then ours). */
function checkParentLink(header: BlockHeader, parent: BlockHeader, compat: CompatMode | null): void {
  mustEqual(header.number, 'number', header.number, parent.number + 1n)
  mustEqual(header.number, 'parentHash', header.parentHash, parent.hash())
  if (header.timestamp < parent.timestamp || (header.timestamp === parent.timestamp && compat?.allowsParentTimestamp !== true)) {
    invalid(header, `timestamp ${header.timestamp} is not after parent's ${parent.timestamp}`)
  }
  try {
    header.validateGasLimit(parent)
  } catch (err) {
    invalid(header, (err as Error).message)
  }
  if (header.common.isActivatedEIP(1559)) {
    const canonical = parent.common.isActivatedEIP(1559)
      ? parent.calcNextBaseFee()
      : header.common.param('initialBaseFee')
    const ours = compat === null ? canonical : compat.expectedBaseFee(parent, canonical)
    mustEqual(header.number, 'baseFeePerGas', header.baseFeePerGas, ours)
  }
  if (header.common.isActivatedEIP(4844)) {
    const ours = parent.common.isActivatedEIP(4844) ? parent.calcNextExcessBlobGas(header.common) : 0n
    mustEqual(header.number, 'excessBlobGas', header.excessBlobGas, ours)
  }
}

function checkBody(block: Block): void {
  const header = block.header
  const transactions = rawPartsOf(block)?.transactions ?? block.transactions.map((tx) => tx.serialize())
  const transactionsRoot = orderedTrieRoot(transactions)
  mustEqual(header.number, 'transactionsRoot', header.transactionsTrie, transactionsRoot)
  if (!block.uncleHashIsValid()) invalid(header, 'uncle hash does not match the uncles')
  if (header.common.isActivatedEIP(4895)) {
    const withdrawalsRoot = orderedTrieRoot(block.withdrawals!.map((withdrawal) => RLP.encode(withdrawal.raw())))
    if (!equalsBytes(withdrawalsRoot, header.withdrawalsRoot!)) invalid(header, 'withdrawals root does not match the withdrawals')
    blockCache(block).withdrawalsTrieRoot = withdrawalsRoot
  }
  // runBlock's validateData checks both roots again: it finds them in the block's (protected) cache
  blockCache(block).txTrieRoot = transactionsRoot
}

function blockCache(block: Block): { txTrieRoot?: Uint8Array; withdrawalsTrieRoot?: Uint8Array } {
  return (block as unknown as { cache: { txTrieRoot?: Uint8Array; withdrawalsTrieRoot?: Uint8Array } }).cache
}

function invalid(header: BlockHeader, reason: string): never {
  throw new ExecutionError({ code: 'INVALID_BLOCK', number: header.number, reason })
}

type Comparable = Uint8Array | bigint | undefined

function mustEqual(number: bigint, field: VerifiedField, expected: Comparable, actual: Comparable): void {
  const same =
    expected instanceof Uint8Array && actual instanceof Uint8Array ? equalsBytes(expected, actual) : expected === actual
  if (!same) {
    throw new ExecutionError({ code: 'FIELD_MISMATCH', number, field, expected: show(expected), actual: show(actual) })
  }
}

function show(value: Comparable): string {
  if (value === undefined) return 'nothing'
  return value instanceof Uint8Array ? bytesToHex(value) : value.toString()
}
