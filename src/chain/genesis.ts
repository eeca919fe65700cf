import { readFile } from 'node:fs/promises'
import { createBlock, type Block } from '@ethereumjs/block'
import { Common, type GethGenesis, parseGethGenesis, parseGethGenesisState } from '@ethereumjs/common'
import type { GenesisState } from "@ethereumjs/common"
import { ChainError } from '../errors.js'
import { ForkCommon } from './fork-common.js'
import { keccak256 } from './keccak.js'
import { getKZG } from './kzg.js'
import { ecrecover } from './secp256k1.js'
import { installEthereumjsSpeedups } from './ethereumjs-speedups.js'

/** Everything the node derives from a geth-style genesis.json. */
export interface ChainConfig {
  readonly genesis: GethGenesis
  readonly chainId: bigint
  /** net_version. geth defaults the network id to the chain id. */
  readonly networkId: bigint
  /** The genesis allocation, in ethereumjs' form. */
  readonly genesisState: GenesisState
  /** A Common of its own (callers may change its hardfork), with every fork of the genesis file. */
  createCommon(): Common
  /**
   * The Common of the hardfork a block with this number and timestamp belongs to, shared by every
   * caller: read it, hand it to ethereumjs constructors, never change it (fork-common.ts).
   */
  forkCommon(number: bigint, timestamp: bigint): Common
}

const BLOB_GAS_PER_BLOB = 131072

export async function loadChainConfig(path: string): Promise<ChainConfig> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new ChainError({ code: 'INVALID_GENESIS', reason: `${path}: ${(err as Error).message}` })
  }
  return createChainConfig(json as GethGenesis)
}

export function createChainConfig(genesis: GethGenesis): ChainConfig {
  // every Common and transaction the node executes with comes from a chain config
  installEthereumjsSpeedups()
  if (typeof genesis !== 'object' || genesis === null || typeof genesis.config !== 'object') {
    throw new ChainError({ code: 'INVALID_GENESIS', reason: 'missing "config" object' })
  }
  if (genesis.config.chainId === undefined) {
    throw new ChainError({ code: 'INVALID_GENESIS', reason: 'missing config.chainId' })
  }
  const normalized: GethGenesis = {
    ...genesis,
    nonce: genesis.nonce ?? '0x0',
    difficulty: genesis.difficulty ?? '0x0',
    gasLimit: genesis.gasLimit ?? '0x0',
    timestamp: genesis.timestamp ?? '0x0',
    extraData: genesis.extraData ?? '0x',
    alloc: genesis.alloc ?? {},
  }
  let params: ReturnType<typeof parseGethGenesis>
  try {
    params = parseGethGenesis(normalized, 'hindsight')
  } catch (err) {
    throw new ChainError({ code: 'INVALID_GENESIS', reason: (err as Error).message })
  }
  patchBlobSchedule(params, normalized)
  const chainParams = { ...params, name: 'hindsight' }
  const kzg = getKZGLazily()
  // senders recovered by libsecp256k1 where its addon loads (see secp256k1.ts)
  const customCrypto = ecrecover === undefined ? { kzg, keccak256 } : { kzg, keccak256, ecrecover }
  const template = new Common({ chain: chainParams as never, hardfork: params.hardfork, customCrypto })
  const forkCommons = new Map<string, ForkCommon>()
  const forkCommon = (number: bigint, timestamp: bigint): Common => {
    const hardfork = template.getHardforkBy({ blockNumber: number, timestamp })
    let common = forkCommons.get(hardfork)
    if (common === undefined) {
      common = new ForkCommon({ chain: chainParams as never, hardfork, customCrypto })
      forkCommons.set(hardfork, common)
    }
    return common
  }
  const chainId = BigInt(genesis.config.chainId)
  const networkId = (genesis.config as { networkId?: number | string }).networkId
  return {
    genesis: normalized,
    chainId,
    networkId: networkId === undefined ? chainId : BigInt(networkId),
    genesisState: parseGethGenesisState(normalized),
    createCommon: () => template.copy(),
    forkCommon,
  }
}

/**
 * ethereumjs 10.1.3 turns a genesis `blobSchedule` entry into `targetBlobGasPerBlock` /
 * `maxBlobGasPerBlock` params, but from BPO1 on it reads the schedule from `target` / `max`
 * (Common.getBlobGasSchedule), so a custom BPO schedule would be ignored or fail. Give every
 * scheduled fork both spellings.
 */
function patchBlobSchedule(params: ReturnType<typeof parseGethGenesis>, genesis: GethGenesis): void {
  const schedule = genesis.config.blobSchedule ?? {}
  const custom = (params as { customHardforks?: Record<string, { params?: Record<string, unknown> }> }).customHardforks
  if (custom === undefined) return
  for (const [fork, entry] of Object.entries(schedule)) {
    const hf = custom[fork]
    if (hf === undefined || entry.target === undefined || entry.max === undefined) continue
    hf.params = {
      ...(hf.params ?? {}),
      target: entry.target,
      max: entry.max,
      targetBlobGasPerBlock: entry.target * BLOB_GAS_PER_BLOB,
      maxBlobGasPerBlock: entry.max * BLOB_GAS_PER_BLOB,
      blobGasPriceUpdateFraction: entry.baseFeeUpdateFraction,
    }
  }
}

/**
 * The KZG object is only touched when a blob transaction is verified; build it then, so starting
 * the node does not pay for loading the trusted setup.
 */
function getKZGLazily(): ReturnType<typeof getKZG> {
  return new Proxy({} as ReturnType<typeof getKZG>, {
    get: (_target, property) => {
      const kzg = getKZG() as unknown as Record<string | symbol, unknown>
      const value = kzg[property]
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(kzg) : value
    },
  })
}

/**
 * Builds the genesis block over the given state root. Anvil's genesis header carries the empty
 * trie root whatever its alloc (../shared/anvil-quirks.md), so its chains hash block 0 that way.
 */
export function createGenesisBlock(chain: ChainConfig, stateRoot: Uint8Array): Block {
  const common = chain.createCommon()
  const g = chain.genesis
  common.setHardforkBy({ blockNumber: 0n, timestamp: BigInt(g.timestamp ?? 0) })
  const genesisParams = common.genesis()
  return createBlock(
    {
      header: {
        ...genesisParams,
        number: 0n,
        stateRoot,
      } as never,
      withdrawals: common.isActivatedEIP(4895) ? [] : undefined,
    },
    { common, setHardfork: true },
  )
}
