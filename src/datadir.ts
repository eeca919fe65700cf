import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { BlockHeader } from '@ethereumjs/block'
import type { GethGenesis } from '@ethereumjs/common'
import { bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import { BlockCodec } from './chain/codec.js'
import { type ChainConfig, createChainConfig, createGenesisBlock } from './chain/genesis.js'
import { ChainError, DatadirError } from './errors.js'
import { BlockExecutor } from './execution/block-executor.js'
import { type CompatModeName } from './execution/compat.js'
import { createCompatMode } from './execution/compat-modes.js'
import { blockWriteOps } from './storage/block-batch.js'
import { TrieNodeRepository } from './storage/repositories/trie-nodes.js'
import { openStore, type Store } from './storage/store.js'
import type { Logger } from './log.js'
import { ecrecover } from './chain/secp256k1.js'
import type { RetentionMode } from './state/retention.js'

/** Settings fixed when a datadir is created; later runs must agree with them. */
export interface DatadirSettings {
  compat: CompatModeName | null
  /** How much historical state the datadir keeps (state/retention.ts). Fixed at creation. */
  retention: RetentionMode
  /**
   * Our state root at genesis. Equal to the genesis header's, except for sequencers whose
   * genesis header does not commit to the alloc (anvil: ../shared/anvil-quirks.md).
   */
  genesisStateRoot: string
}

export interface Datadir {
  readonly path: string
  readonly store: Store
  readonly chain: ChainConfig
  readonly codec: BlockCodec
  readonly settings: DatadirSettings
  readonly genesisHash: Uint8Array
  /** The stored canonical head. */
  head(): Promise<BlockHeader>
  /** Our state root after `header` (the header's own, but for an anvil-style genesis). */
  stateRootOf(header: BlockHeader): Uint8Array
  close(): Promise<void>
}

export interface OpenDatadirOptions {
  path: string
  /** Required the first time; afterwards it must match the stored genesis. */
  genesis?: GethGenesis
  /** undefined = use what the datadir remembers (none for a new one). */
  compat?: CompatModeName | null
  /** undefined = use what the datadir remembers ('full' for a new one). */
  retention?: RetentionMode
}

/**
 * Opens a datadir, initializing it from `genesis` the first time (genesis block, its state, and
 * the settings, in one batch). A genesis that differs from the stored one is refused.
 */
export async function openDatadir(options: OpenDatadirOptions, deps: { log: Logger }): Promise<Datadir> {
  await mkdir(options.path, { recursive: true })
  if (ecrecover === undefined) {
    deps.log.warn('libsecp256k1 did not load: recovering senders in JavaScript, about 40x slower')
  }
  const store = await openStore(join(options.path, 'chaindata'))
  try {
    const storedGenesis = await store.meta.getJSON<GethGenesis>('genesis')
    const storedSettings = await store.meta.getJSON<DatadirSettings>('settings')
    if (storedGenesis === null || storedSettings === null) {
      if (options.genesis === undefined) throw new DatadirError({ code: 'NOT_INITIALIZED', datadir: options.path })
      const compat = options.compat ?? null
      const chain = createChainConfig(options.genesis)
      const { genesisHash, settings } = await initialize(store, chain, compat, options.retention ?? 'full')
      deps.log.info({ genesis: bytesToHex(genesisHash), chainId: chain.chainId.toString(), compat: settings.compat }, 'datadir initialized')
      return createDatadir(options.path, store, chain, settings, genesisHash)
    }
    const chain = createChainConfig(storedGenesis)
    const genesisHash = await store.canonical.get(0n)
    if (genesisHash === null) throw new DatadirError({ code: 'CORRUPT', reason: 'no genesis block' })
    if (options.genesis !== undefined) {
      const { block: given } = await computeGenesis(createChainConfig(options.genesis), storedSettings.compat, new TrieNodeRepository(null))
      if (!equalsBytes(given.hash(), genesisHash)) {
        throw new ChainError({ code: 'GENESIS_MISMATCH', expected: bytesToHex(genesisHash), actual: bytesToHex(given.hash()) })
      }
    }
    if (options.compat !== undefined && options.compat !== storedSettings.compat) {
      throw new DatadirError({
        code: 'SETTING_CONFLICT',
        setting: '--compat',
        stored: storedSettings.compat ?? 'none',
        requested: options.compat ?? 'none',
      })
    }
    if (options.retention !== undefined && options.retention !== storedSettings.retention) {
      throw new DatadirError({
        code: 'SETTING_CONFLICT',
        setting: '--retention',
        stored: storedSettings.retention,
        requested: options.retention,
      })
    }
    return createDatadir(options.path, store, chain, storedSettings, genesisHash)
  } catch (err) {
    await store.close()
    throw err
  }
}

function createDatadir(path: string, store: Store, chain: ChainConfig, settings: DatadirSettings, genesisHash: Uint8Array): Datadir {
  const codec = new BlockCodec(chain)
  return {
    path,
    store,
    chain,
    codec,
    settings,
    genesisHash,
    async head() {
      const hash = await store.meta.get('head')
      if (hash === null) throw new DatadirError({ code: 'CORRUPT', reason: 'no head pointer' })
      const header = await store.headers.get(hash)
      if (header === null) throw new DatadirError({ code: 'CORRUPT', reason: `head ${bytesToHex(hash)} has no header` })
      return codec.decodeHeader(header)
    },
    stateRootOf: (header) => (header.number === 0n ? hexToBytes(settings.genesisStateRoot as `0x${string}`) : header.stateRoot),
    close: () => store.close(),
  }
}

/** Builds the genesis state into `trieNodes` (pending writes) and the genesis block over it. */
async function computeGenesis(chain: ChainConfig, compatName: CompatModeName | null, trieNodes: TrieNodeRepository) {
  const compat = createCompatMode(compatName)
  const executor = await BlockExecutor.create({ compat }, { chain, trieNodes, getCanonicalHash: async () => null })
  const allocRoot = await executor.generateGenesis(chain)
  const block = createGenesisBlock(chain, compat === null ? allocRoot : compat.genesisHeaderStateRoot(allocRoot))
  return { block, allocRoot }
}

async function initialize(store: Store, chain: ChainConfig, compat: CompatModeName | null, retention: RetentionMode) {
  const { block: genesis, allocRoot } = await computeGenesis(chain, compat, store.trieNodes)
  const settings: DatadirSettings = { compat, retention, genesisStateRoot: bytesToHex(allocRoot) }
  const codec = new BlockCodec(chain)
  const encoded = codec.encodeForStore({ block: genesis, receipts: [], encodedReceipts: [], senders: [], stateChanges: null })
  const ops = blockWriteOps(store, encoded, [
    ...store.trieNodes.drainOps(),
    store.meta.putJSONOp('genesis', chain.genesis),
    store.meta.putJSONOp('settings', settings),
    // genesis is the first persisted checkpoint: its whole state is in this batch
    store.checkpoints.putOp({ number: 0n, hash: genesis.hash(), stateRoot: allocRoot }),
  ])
  await store.write(ops)
  store.trieNodes.markWritten()
  return { genesisHash: genesis.hash(), settings }
}
