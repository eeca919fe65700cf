import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { type Datadir, openDatadir } from '../../src/datadir.js'
import { ancestorHashes } from '../../src/execution/call/call-service.js'
import type { CallEnvironment } from '../../src/execution/call/simulator.js'
import { type Reader, createReader } from '../../src/reader.js'
import type { TrieDB } from '../../src/state/state-view.js'
import { openLiveState } from '../../src/main.js'
import { defaultStateOptions } from '../../src/state/retention.js'
import { createStateProvider } from '../../src/state/state-provider.js'
import { copyConformanceDatadir } from './conformance-node.js'
import { silentLog } from './node.js'

/** Contracts of the rpc-compat chain the call tests use. */
export const CONTRACTS = {
  /** input 0xff01 returns 0xffee; other calldata reverts with a plain-text reason. */
  echo: '0x17e7eedce4ac02ef114a7ed9fe6e2f33feba1667',
  /** SLOADs slot 0x42ff, then reverts: Error("user error") for nonzero calldata, Panic(1) else. */
  reverter: '0x0ee3ab1371c93e7c0c281cc0c2107cdebc8b1930',
  /** Returns its context as words: number, chain id, coinbase, base fee, difficulty, origin, value. */
  callenv: '0x9344b07175800259691961298ca11c824e65032d',
  /** Counts calls in slot 0 and stores keccak(calldata) -> count. */
  emitter: '0x7dcd17433742f4c0ca53122ab541d0ba67fc27df',
} as const

/** A funded account of the chain's genesis. */
export const FUNDED = '0x0c2c51a0990aee1d73c1228de158688341557508'
/** An account with nothing. */
export const UNFUNDED = '0xaa00000000000000000000000000000000000000'

export interface ChainFixture {
  datadir: Datadir
  reader: Reader
  /** Where a call at block `number` runs, read straight from the store (no workers). */
  envAt(number: bigint): Promise<CallEnvironment>
  close(): Promise<void>
}

/** The rpc-compat chain imported into a temp datadir, read in-process. */
export async function openConformanceChain(): Promise<ChainFixture> {
  const dir = await copyConformanceDatadir()
  const datadir = await openDatadir({ path: dir.path }, { log: silentLog })
  await openLiveState(datadir, defaultStateOptions, { log: silentLog })
  const states = createStateProvider(defaultStateOptions, { datadir, log: silentLog })
  const reader = createReader({ clientVersion: 'test', blockCacheEntries: 16 }, { datadir, states })
  return {
    datadir,
    reader,
    async envAt(number) {
      const header = (await reader.headerByNumber(number))!
      const state = await reader.stateAt(header)
      const nodes: TrieDB = {
        get: (key) => state.readNode(key),
        async put() {},
        async del() {},
        async batch() {},
        shallowCopy() {
          return this
        },
        async open() {},
      }
      return {
        chain: datadir.chain,
        header,
        stateRoot: state.stateRoot,
        nodes,
        blockHash: ancestorHashes(header, { canonicalHash: (n) => reader.canonicalHash(n), headerByHash: (h) => reader.headerByHash(h) }),
      }
    },
    async close() {
      await datadir.close()
      dir.remove()
    },
  }
}

export const bytes = (hex: string) => hexToBytes(hex as `0x${string}`)
export const hex = (value: Uint8Array) => bytesToHex(value)
/** A 32-byte word holding `value`. */
export const word = (value: bigint) => `0x${value.toString(16).padStart(64, '0')}`
