import { open } from 'node:fs/promises'
import { ChainError } from '../errors.js'
import { itemLength } from './block-rlp.js'

export interface RawBlockItem {
  /** The block's RLP bytes. */
  raw: Uint8Array
  /** Byte offset of the block in its file, for error messages. */
  offset: number
}

const CHUNK = 4 * 1024 * 1024

/**
 * Reads geth's export format (`geth export`: RLP-encoded blocks back to back) without holding the
 * file in memory. Yields each block's bytes; fails with DECODE_FAILED on a truncated or non-list item.
 */
export async function* readRLPBlocks(path: string): AsyncGenerator<RawBlockItem> {
  const file = await open(path, 'r')
  try {
    let buffer = new Uint8Array(0)
    let bufferOffset = 0 // file offset of buffer[0]
    let eof = false
    const fill = async (need: number) => {
      while (!eof && buffer.length < need) {
        const chunk = new Uint8Array(Math.max(CHUNK, need - buffer.length))
        const { bytesRead } = await file.read(chunk, 0, chunk.length, bufferOffset + buffer.length)
        if (bytesRead === 0) eof = true
        const merged = new Uint8Array(buffer.length + bytesRead)
        merged.set(buffer, 0)
        merged.set(chunk.subarray(0, bytesRead), buffer.length)
        buffer = merged
      }
    }
    for (;;) {
      await fill(9)
      if (buffer.length === 0) return
      const size = listItemSize(buffer, bufferOffset)
      await fill(size)
      if (buffer.length < size) {
        throw new ChainError({ code: 'DECODE_FAILED', offset: bufferOffset, reason: `truncated block: needs ${size} bytes, file has ${buffer.length}` })
      }
      yield { raw: buffer.slice(0, size), offset: bufferOffset }
      buffer = buffer.subarray(size)
      bufferOffset += size
    }
  } finally {
    await file.close()
  }
}

/** Total size (prefix + payload) of the RLP list starting at bytes[0]. */
function listItemSize(bytes: Uint8Array, offset: number): number {
  const first = bytes[0]
  if (first < 0xc0) throw new ChainError({ code: 'DECODE_FAILED', offset, reason: `expected an RLP list, found byte 0x${first.toString(16)}` })
  if (first > 0xf7 && bytes.length < 1 + (first - 0xf7)) throw new ChainError({ code: 'DECODE_FAILED', offset, reason: 'truncated list header' })
  return itemLength(bytes)
}
