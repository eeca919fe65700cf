import type { Block, BlockHeader } from '@ethereumjs/block'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { LRUCache } from 'lru-cache'
import { type StoredReceipt, decodeReceipt, splitReceipts } from './chain/receipts.js'
import type { Datadir } from './datadir.js'
import { type CallService, ancestorHashes } from './execution/call/call-service.js'
import type { AccessListResult, CallInput, CallKind, CallResults } from './execution/call/types.js'
import type { LogFilter } from './logs/filter.js'
import { type LogQueryLimits, type MatchedLog, queryLogs } from './logs/query.js'
import type { StateProvider } from './state/state-provider.js'
import type { StateView } from './state/state-view.js'
import { UpstreamError } from './errors.js'
import type { Forwarder } from './sync/upstream/forwarder.js'

export type { LogFilter, LogRangeBound } from './logs/filter.js'
export type { LogQueryLimits, MatchedLog } from './logs/query.js'

/** The block tags a JSON-RPC client may name. `soft` is our newest locally verified block. */
export type BlockTag = 'latest' | 'earliest' | 'pending' | 'safe' | 'finalized' | 'soft'

/** A block parameter after parsing: a tag, a number, or an EIP-1898 hash. */
export type BlockSelector =
  | { kind: 'tag'; tag: BlockTag }
  | { kind: 'number'; number: bigint }
  | { kind: 'hash'; hash: Uint8Array; requireCanonical: boolean }

/** A stored block with what the API derives from it. */
export interface BlockView {
  hash: Uint8Array
  number: bigint
  block: Block
  header: BlockHeader
  /** Sender of each transaction, in order. */
  senders: Uint8Array[]
  /** Length of the block's RLP, geth's `size`. */
  size: number
}

export interface TxLocationView {
  blockHash: Uint8Array
  blockNumber: bigint
  index: number
}

export interface SyncStatusView {
  startingBlock: bigint
  currentBlock: bigint
  highestBlock: bigint
}

/**
 * The one interface rpc/ asks the node through. Reads return null for what is not stored
 * (unknown hash, number past the head, tag with no value yet).
 */
export interface Reader {
  readonly chainId: bigint
  readonly networkId: bigint
  readonly clientVersion: string
  /** false when following the head; progress while catching up. */
  syncStatus(): Promise<SyncStatusView | false>
  head(): Promise<BlockHeader>
  /** Resolves a selector to a canonical block number, or null if there is no such block. */
  resolveNumber(selector: BlockSelector): Promise<bigint | null>
  /** The canonical hash at a number, or null. */
  canonicalHash(number: bigint): Promise<Uint8Array | null>
  headerByHash(hash: Uint8Array): Promise<BlockHeader | null>
  headerByNumber(number: bigint): Promise<BlockHeader | null>
  blockByHash(hash: Uint8Array): Promise<BlockView | null>
  blockByNumber(number: bigint): Promise<BlockView | null>
  rawHeader(hash: Uint8Array): Promise<Uint8Array | null>
  rawBlock(hash: Uint8Array): Promise<Uint8Array | null>
  /** Consensus-encoded receipts of a block, or null if the block is unknown. */
  rawReceipts(hash: Uint8Array): Promise<Uint8Array[] | null>
  receipts(hash: Uint8Array): Promise<StoredReceipt[] | null>
  /** Where a transaction sits in the canonical chain, or null. */
  txLocation(txHash: Uint8Array): Promise<TxLocationView | null>
  /**
   * The logs matching a filter, in chain order, found through the log index. Throws
   * LogQueryError for an unknown block hash, a reversed / future / pending range, or a limit.
   */
  logs(filter: LogFilter, limits: LogQueryLimits): Promise<MatchedLog[]>
  /** The state after a stored block (see state/). */
  stateAt(header: BlockHeader): Promise<StateView>
  /**
   * eth_call, eth_estimateGas and eth_createAccessList on the state after `header`, in its
   * block context (execution/call/). They throw CallError with geth's texts.
   */
  call(header: BlockHeader, input: CallInput): Promise<Uint8Array>
  estimateGas(header: BlockHeader, input: CallInput): Promise<bigint>
  createAccessList(header: BlockHeader, input: CallInput): Promise<AccessListResult>
  /** The datadir behind the reader, for node-side queries (logs, state) that need the store. */
  readonly datadir: Datadir
  /** True when there is an upstream to forward to (eth_sendRawTransaction, `pending` state). */
  readonly forwards: boolean
  /** Sends a request to the upstreams and returns their answer; UpstreamError if none answers. */
  forward(method: string, params: unknown[]): Promise<unknown>
}

export interface ReaderOptions {
  clientVersion: string
  /** Decoded blocks kept in memory. */
  blockCacheEntries: number
}

export interface ReaderDependencies {
  datadir: Datadir
  states: StateProvider
  /** Runs the call family; a reader without it answers everything else. */
  calls?: CallService
  /** Live sync's progress, for eth_syncing; without it the node is never syncing. */
  sync?: { progress(): SyncStatusView | false }
  /** The upstreams, when following. */
  forwarder?: Forwarder
}

export function createReader(options: ReaderOptions, deps: ReaderDependencies): Reader {
  const { datadir } = deps
  const { store, codec } = datadir
  const headers = new LRUCache<string, BlockHeader>({ max: options.blockCacheEntries * 4 })
  const blocks = new LRUCache<string, BlockView>({ max: options.blockCacheEntries })
  const receiptCache = new LRUCache<string, StoredReceipt[]>({ max: options.blockCacheEntries })
  const { states } = deps

  async function headerByHash(hash: Uint8Array): Promise<BlockHeader | null> {
    const k = bytesToHex(hash)
    const cached = headers.get(k)
    if (cached !== undefined) return cached
    const raw = await store.headers.get(hash)
    if (raw === null) return null
    const header = codec.decodeHeader(raw)
    headers.set(k, header)
    return header
  }

  async function pointer(name: 'head' | 'safe' | 'finalized'): Promise<BlockHeader | null> {
    const hash = await store.meta.get(name)
    return hash === null ? null : headerByHash(hash)
  }

  async function head(): Promise<BlockHeader> {
    return (await pointer('head')) ?? (await datadir.head())
  }

  async function isCanonical(hash: Uint8Array, number: bigint): Promise<boolean> {
    const canonical = await store.canonical.get(number)
    return canonical !== null && equalsBytes(canonical, hash)
  }

  async function blockByHash(hash: Uint8Array): Promise<BlockView | null> {
    const k = bytesToHex(hash)
    const cached = blocks.get(k)
    if (cached !== undefined) return cached
    const [header, body, senders] = await Promise.all([
      store.headers.get(hash),
      store.bodies.get(hash),
      store.senders.get(hash),
    ])
    if (header === null || body === null) return null
    const block = codec.decodeStoredBlock(header, body)
    const view: BlockView = {
      hash,
      number: block.header.number,
      block,
      header: block.header,
      senders: splitSenders(senders ?? new Uint8Array(0)),
      size: codec.rawBlock(header, body).length,
    }
    blocks.set(k, view)
    return view
  }

  async function runCall<K extends CallKind>(kind: K, header: BlockHeader, input: CallInput): Promise<CallResults[K]> {
    if (deps.calls === undefined) throw new Error('this reader was created without a call service')
    const blockHash = ancestorHashes(header, { canonicalHash: (number) => store.canonical.get(number), headerByHash })
    return deps.calls.run(kind, { state: await states.stateAt(header), blockHash }, input)
  }

  async function receipts(hash: Uint8Array): Promise<StoredReceipt[] | null> {
    const k = bytesToHex(hash)
    const cached = receiptCache.get(k)
    if (cached !== undefined) return cached
    const stored = await store.receipts.get(hash)
    if (stored === null) return null
    const decoded = splitReceipts(stored).map(decodeReceipt)
    receiptCache.set(k, decoded)
    return decoded
  }

  return {
    chainId: datadir.chain.chainId,
    networkId: datadir.chain.networkId,
    clientVersion: options.clientVersion,
    datadir,
    async syncStatus() {
      return deps.sync?.progress() ?? false
    },
    forwards: deps.forwarder !== undefined,
    async forward(method, params) {
      if (deps.forwarder === undefined) throw new UpstreamError({ code: 'NO_UPSTREAM', reason: `${method} needs an upstream (start with --upstream URL)` })
      return deps.forwarder.forward(method, params)
    },
    head,
    async resolveNumber(selector) {
      switch (selector.kind) {
        case 'number': {
          const h = await head()
          return selector.number <= h.number ? selector.number : null
        }
        case 'hash': {
          const number = await store.blockNumbers.get(selector.hash)
          if (number === null) return null
          if (selector.requireCanonical && !(await isCanonical(selector.hash, number))) return null
          return number
        }
        case 'tag':
          switch (selector.tag) {
            case 'earliest':
              return 0n
            case 'latest':
            case 'pending':
            case 'soft':
              return (await head()).number
            case 'safe':
            case 'finalized':
              return (await pointer(selector.tag))?.number ?? null
          }
      }
    },
    canonicalHash: (number) => store.canonical.get(number),
    stateAt: (header) => states.stateAt(header),
    call: (header, input) => runCall('call', header, input),
    estimateGas: (header, input) => runCall('estimateGas', header, input),
    createAccessList: (header, input) => runCall('createAccessList', header, input),
    headerByHash,
    async headerByNumber(number) {
      const hash = await store.canonical.get(number)
      return hash === null ? null : headerByHash(hash)
    },
    blockByHash,
    async blockByNumber(number) {
      const hash = await store.canonical.get(number)
      return hash === null ? null : blockByHash(hash)
    },
    rawHeader: (hash) => store.headers.get(hash),
    async rawBlock(hash) {
      const [header, body] = await Promise.all([store.headers.get(hash), store.bodies.get(hash)])
      return header === null || body === null ? null : codec.rawBlock(header, body)
    },
    async rawReceipts(hash) {
      const stored = await store.receipts.get(hash)
      return stored === null ? null : splitReceipts(stored)
    },
    receipts,
    async txLocation(txHash) {
      const location = await store.txLookup.get(txHash)
      if (location === null) return null
      const number = await store.blockNumbers.get(location.blockHash)
      if (number === null || !(await isCanonical(location.blockHash, number))) return null
      return { blockHash: location.blockHash, blockNumber: number, index: location.index }
    },
    logs: (filter, limits) =>
      queryLogs(filter, limits, {
        canonical: store.canonical,
        logIndex: store.logIndex,
        head,
        taggedNumber: async (tag) => (await pointer(tag))?.number ?? null,
        headerByHash,
        receipts,
        transactionHashes: async (hash) => (await blockByHash(hash))?.block.transactions.map((tx) => tx.hash()) ?? null,
      }),
  }
}

function splitSenders(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i + 20 <= bytes.length; i += 20) out.push(bytes.subarray(i, i + 20))
  return out
}
