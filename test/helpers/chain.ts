import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import { concatBytes, keccak256 } from 'viem'
import { expect } from 'vitest'
import { type GenerateChainOptions, type GeneratedChain, generateChain, writeChain } from '../../fixtures/chain-generator.js'
import { decodeReceipt, splitReceipts } from '../../src/chain/receipts.js'
import type { Datadir } from '../../src/datadir.js'
import { Prefix, key } from '../../src/storage/keys.js'
import { tempDir } from './node.js'

export const CLI_PATH = fileURLToPath(new URL('../../dist/src/cli/bin.js', import.meta.url))

export interface ChainFiles {
  chain: GeneratedChain
  dir: string
  genesisPath: string
  chainPath: string
  remove(): void
}

/** Generates a chain and writes it as genesis.json + chain.rlp into a fresh temp dir. */
export async function generateChainFiles(options: GenerateChainOptions): Promise<ChainFiles> {
  const chain = await generateChain(options)
  const dir = tempDir('hindsight-chain-')
  const { genesisPath, chainPath } = await writeChain(chain, dir.path)
  return { chain, dir: dir.path, genesisPath, chainPath, remove: dir.remove }
}

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the built CLI to completion. */
export function runCli(args: string[]): Promise<CliResult> {
  return spawnCli(args).done
}

/**
 * Starts the built CLI (dist/, which `npm test` rebuilds first; after `npx vitest` alone it may
 * be stale). `done` settles when it exits, however it exits.
 */
export function spawnCli(args: string[]) {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build with \`npx tsc -p .\` first`)
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const done = new Promise<CliResult>((resolveDone, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolveDone({ code, signal, stdout, stderr }))
  })
  return { child, done }
}

/** Arguments of `hindsight import` of `chainPaths` into `datadir`, with `flags` before the files. */
export function importArgs(files: Pick<ChainFiles, 'genesisPath'>, datadir: string, chainPaths: string[], flags: string[] = []): string[] {
  return ['import', '--genesis', files.genesisPath, '--datadir', datadir, '--log-level', 'info', ...flags, ...chainPaths]
}

/** Header fields by their position in the header's RLP list. */
export const HEADER_FIELD = {
  parentHash: 0,
  uncleHash: 1,
  coinbase: 2,
  stateRoot: 3,
  transactionsRoot: 4,
  receiptsRoot: 5,
  logsBloom: 6,
  number: 8,
  gasLimit: 9,
  gasUsed: 10,
  timestamp: 11,
  extraData: 12,
  baseFeePerGas: 15,
} as const

type Nested = Uint8Array | Nested[]

/** Re-encodes a block with one header field replaced. */
export function withHeaderField(raw: Uint8Array, field: keyof typeof HEADER_FIELD, value: Uint8Array): Uint8Array {
  const [header, ...body] = RLP.decode(raw) as [Uint8Array[], ...Nested[]]
  const changed = [...header]
  changed[HEADER_FIELD[field]] = value
  return RLP.encode([changed, ...body])
}

/** The header field's bytes. */
export function headerField(raw: Uint8Array, field: keyof typeof HEADER_FIELD): Uint8Array {
  return (RLP.decode(raw) as [Uint8Array[]])[0][HEADER_FIELD[field]]
}

/** keccak256 of the block's header: its hash. */
export function blockHash(raw: Uint8Array): string {
  return keccak256(RLP.encode((RLP.decode(raw) as [Uint8Array[]])[0]))
}

/** A copy with one bit of the last byte flipped. */
export function flipLastByte(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice()
  out[out.length - 1] ^= 0x01
  return out
}

/**
 * Flips one bit in the calldata of the first transaction with calldata in the block, re-encoding
 * the transaction and the block so both still decode. Signature and header are left alone, so
 * the header's transactionsRoot no longer matches.
 */
export function withTamperedCalldata(raw: Uint8Array): { raw: Uint8Array; txIndex: number; originalTxHash: string; tamperedTxHash: string } {
  const [header, txs, ...rest] = RLP.decode(raw) as [Uint8Array[], Nested[], ...Nested[]]
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i]
    // Legacy: [nonce, gasPrice, gas, to, value, data, v, r, s]; typed: type byte ++ RLP of
    // [chainId, nonce, ..., to, value, data, accessList, v, r, s] with data at 6 (2930) or 7 (1559).
    const typed = tx instanceof Uint8Array
    const fields = (typed ? RLP.decode(tx.subarray(1)) : tx) as Nested[]
    const dataIndex = !typed ? 5 : tx[0] === 1 ? 6 : 7
    const data = fields[dataIndex] as Uint8Array
    if (data.length === 0) continue
    const changed = [...fields]
    changed[dataIndex] = flipLastByte(data)
    const encoded: Nested = typed ? concatBytes([tx.subarray(0, 1), RLP.encode(changed)]) : changed
    const changedTxs = [...txs]
    changedTxs[i] = encoded
    return {
      raw: RLP.encode([header, changedTxs, ...rest]),
      txIndex: i,
      originalTxHash: keccak256(typed ? tx : RLP.encode(tx)),
      tamperedTxHash: keccak256(encoded instanceof Uint8Array ? encoded : RLP.encode(encoded)),
    }
  }
  throw new Error('no transaction with calldata in this block')
}

/** The chain file's bytes with block `number` replaced (blocks after it kept). */
export function chainWithBlock(chain: GeneratedChain, number: number, raw: Uint8Array): Uint8Array {
  return concatBytes(chain.blocks.map((block) => (Number(block.number) === number ? raw : block.raw)))
}

/** The chain file's bytes up to and including block `number`. */
export function chainPrefix(chain: GeneratedChain, number: number): Uint8Array {
  return concatBytes(chain.blocks.slice(0, number).map((block) => block.raw))
}

/**
 * Checks that the datadir holds exactly blocks 0..head of `chain`: for each, the canonical hash,
 * header, body, senders, receipts (against the header's receiptsRoot), tx lookups and log index;
 * the head pointer on `head`; every persisted checkpoint on a stored canonical block with the
 * root node of its state on disk; and nothing of block head + 1.
 */
export async function expectStoredChain(datadir: Datadir, chain: GeneratedChain, head: number): Promise<void> {
  const { store, codec } = datadir
  expect(bytesToHex((await datadir.head()).hash())).toBe(head === 0 ? chain.genesisHash : chain.blocks[head - 1].hash)
  expect(bytesToHex((await store.canonical.get(0n))!)).toBe(chain.genesisHash)
  for (const block of chain.blocks.slice(0, head)) {
    const n = block.number
    const hash = hexToBytes(block.hash)
    const where = `block ${n}`
    expect(bytesToHex((await store.canonical.get(n)) ?? new Uint8Array()), where).toBe(block.hash)
    expect(await store.blockNumbers.get(hash), where).toBe(n)
    const header = await store.headers.get(hash)
    const body = await store.bodies.get(hash)
    expect(header, `${where} header`).not.toBeNull()
    expect(body, `${where} body`).not.toBeNull()
    expect(keccak256(header!), `${where} header hash`).toBe(block.hash)
    expect(equalsBytes(codec.rawBlock(header!, body!), block.raw), `${where} header + body = the block's RLP`).toBe(true)
    const decoded = codec.decodeHeader(header!)

    const senders = await store.senders.get(hash)
    expect(senders, `${where} senders`).not.toBeNull()
    expect(bytesToHex(senders!), `${where} senders`).toBe(bytesToHex(concatBytes(block.senders.map((s) => hexToBytes(s as `0x${string}`)))))

    const storedReceipts = await store.receipts.get(hash)
    expect(storedReceipts, `${where} receipts`).not.toBeNull()
    const receipts = splitReceipts(storedReceipts!)
    expect(receipts.length, `${where} receipt count`).toBe(block.txHashes.length)
    const trie = new MerklePatriciaTrie()
    for (const [i, receipt] of receipts.entries()) await trie.put(RLP.encode(i), receipt)
    expect(bytesToHex(trie.root()), `${where} receiptsRoot`).toBe(bytesToHex(decoded.receiptTrie))
    if (receipts.length > 0) expect(decodeReceipt(receipts.at(-1)!).cumulativeGasUsed, `${where} gas`).toBe(block.gasUsed)

    for (const [index, txHash] of block.txHashes.entries()) {
      const location = await store.txLookup.get(hexToBytes(txHash as `0x${string}`))
      expect(location && { blockHash: bytesToHex(location.blockHash), index: location.index }, `${where} tx ${index}`).toEqual({
        blockHash: block.hash,
        index,
      })
    }
    const hasLogs = receipts.some((receipt) => decodeReceipt(receipt).logs.length > 0)
    expect(await store.logIndex.candidateBlocks(n, n, { addresses: null, topics: [] }), `${where} log index`).toEqual(hasLogs ? [n] : [])
  }
  const checkpoints = await store.checkpoints.all()
  expect(checkpoints.length, 'persisted checkpoints').toBeGreaterThan(0)
  for (const checkpoint of checkpoints) {
    const where = `checkpoint ${checkpoint.number}`
    expect(checkpoint.number <= BigInt(head), `${where} is above head ${head}`).toBe(true)
    expect(bytesToHex(checkpoint.hash), where).toBe(checkpoint.number === 0n ? chain.genesisHash : chain.blocks[Number(checkpoint.number) - 1].hash)
    expect(await store.db.get(key(Prefix.trieNode, checkpoint.stateRoot)), `${where} state root node`).toBeDefined()
  }
  const next = chain.blocks[head]
  if (next !== undefined) await expectBlockAbsent(datadir, next.number, [next.hash], next.txHashes)
}

/** Checks that nothing of block `number` (under any of `hashes`) is stored. */
export async function expectBlockAbsent(datadir: Datadir, number: bigint, hashes: string[], txHashes: string[]): Promise<void> {
  const { store } = datadir
  const where = `block ${number}`
  expect(await store.canonical.get(number), `${where} canonical`).toBeNull()
  for (const h of hashes) {
    const hash = hexToBytes(h as `0x${string}`)
    expect(await store.headers.get(hash), `${where} header`).toBeNull()
    expect(await store.bodies.get(hash), `${where} body`).toBeNull()
    expect(await store.senders.get(hash), `${where} senders`).toBeNull()
    expect(await store.receipts.get(hash), `${where} receipts`).toBeNull()
    expect(await store.blockNumbers.get(hash), `${where} number`).toBeNull()
  }
  for (const txHash of txHashes) expect(await store.txLookup.get(hexToBytes(txHash as `0x${string}`)), `${where} tx ${txHash}`).toBeNull()
  expect(await store.logIndex.candidateBlocks(number, number, { addresses: null, topics: [] }), `${where} log index`).toEqual([])
}
