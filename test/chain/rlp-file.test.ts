import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GeneratedChain, generateChain } from '../../fixtures/chain-generator.js'
import { countRLPBlocks } from '../../src/chain/rlp-count.js'
import { readRLPBlocks } from '../../src/chain/rlp-file.js'
import { ChainError } from '../../src/errors.js'
import { tempDir } from '../helpers/node.js'

const dir = tempDir()
afterAll(() => dir.remove())

let fileCount = 0
function file(bytes: Uint8Array): string {
  const path = join(dir.path, `chain-${fileCount++}.rlp`)
  writeFileSync(path, bytes)
  return path
}

async function readAll(path: string) {
  const items: { raw: string; offset: number }[] = []
  for await (const { raw, offset } of readRLPBlocks(path)) items.push({ raw: bytesToHex(raw), offset })
  return items
}

async function readError(path: string): Promise<{ error: ChainError; read: number }> {
  let read = 0
  try {
    for await (const _ of readRLPBlocks(path)) read++
  } catch (error) {
    expect(error).toBeInstanceOf(ChainError)
    return { error: error as ChainError, read }
  }
  throw new Error('expected readRLPBlocks to fail')
}

describe('readRLPBlocks', () => {
  let chain: GeneratedChain
  beforeAll(async () => {
    chain = await generateChain({ blocks: 3, txsPerBlock: 3, seed: 'rlp-file' })
  })

  it('yields each block of a geth export file with its byte offset', async () => {
    let offset = 0
    const expected = chain.blocks.map((block) => {
      const item = { raw: bytesToHex(block.raw), offset }
      offset += block.raw.length
      return item
    })
    expect(await readAll(file(chain.chainRlp))).toEqual(expected)
  })

  it('yields nothing for an empty file', async () => {
    expect(await readAll(file(new Uint8Array()))).toEqual([])
  })

  it('reads items of every RLP list size across its 4 MiB read chunks', async () => {
    // Short lists (one-byte prefix) and long ones (up to 3 length bytes), summing past two chunks.
    const items: Uint8Array[] = []
    let total = 0
    for (let i = 0; total < 9 * 1024 * 1024; i++) {
      const size = [0, 1, 54, 55, 56, 300, 70_000, 1_000_003][i % 8]
      const payload = new Uint8Array(size).fill(i % 251)
      const item = RLP.encode([payload])
      items.push(item)
      total += item.length
    }
    const bytes = new Uint8Array(total)
    const offsets: number[] = []
    for (const item of items) {
      offsets.push(offsets.length === 0 ? 0 : offsets.at(-1)! + items[offsets.length - 1].length)
      bytes.set(item, offsets.at(-1)!)
    }
    const read: { raw: Uint8Array; offset: number }[] = []
    for await (const item of readRLPBlocks(file(bytes))) read.push(item)
    // Compared as bytes: hex strings of megabytes make the matcher crawl.
    expect(read.map((item) => item.offset)).toEqual(offsets)
    expect(read.every((item, i) => equalsBytes(item.raw, items[i]))).toBe(true)
  })

  it('fails with DECODE_FAILED at the offset of a truncated last block, after the whole ones', async () => {
    const last = chain.blocks.at(-1)!
    const truncated = chain.chainRlp.subarray(0, chain.chainRlp.length - 10)
    const { error, read } = await readError(file(truncated))
    expect(read).toBe(chain.blocks.length - 1)
    expect(error.type).toMatchObject({ code: 'DECODE_FAILED', offset: chain.chainRlp.length - last.raw.length })
    expect(error.message).toContain('truncated block')
  })

  it('fails with DECODE_FAILED when the file ends inside a list prefix', async () => {
    const { error } = await readError(file(Uint8Array.of(0xf9, 0x01)))
    expect(error.type).toMatchObject({ code: 'DECODE_FAILED', offset: 0, reason: 'truncated list header' })
  })

  it('fails with DECODE_FAILED on an item that is not a list', async () => {
    const first = chain.blocks[0].raw
    const { error, read } = await readError(file(new Uint8Array([...first, 0x83, 1, 2, 3])))
    expect(read).toBe(1)
    expect(error.type).toMatchObject({ code: 'DECODE_FAILED', offset: first.length })
    expect(error.message).toContain('expected an RLP list, found byte 0x83')
  })
})

describe('countRLPBlocks', () => {
  it('counts the blocks of a geth export file from their prefixes', async () => {
    const chain = await generateChain({ blocks: 4, txsPerBlock: 1, seed: 'rlp-count' })
    expect(await countRLPBlocks(file(chain.chainRlp))).toBe(4)
    expect(await countRLPBlocks(file(chain.chainRlp.subarray(0, chain.chainRlp.length - 1)))).toBeNull()
    expect(await countRLPBlocks(file(new Uint8Array()))).toBe(0)
  })
})
