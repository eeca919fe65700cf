import { open } from 'node:fs/promises'

/**
 * Counts the blocks in a geth export file by reading only each item's RLP prefix, so progress
 * can show an ETA before the import starts. Returns null if the file does not parse.
 */
export async function countRLPBlocks(path: string): Promise<number | null> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    const head = new Uint8Array(9)
    let offset = 0
    let count = 0
    while (offset < size) {
      const { bytesRead } = await file.read(head, 0, 9, offset)
      if (bytesRead === 0 || head[0] < 0xc0) return null
      let length: number
      if (head[0] <= 0xf7) length = 1 + head[0] - 0xc0
      else {
        const lengthOfLength = head[0] - 0xf7
        let payload = 0
        for (let i = 1; i <= lengthOfLength; i++) payload = payload * 256 + head[i]
        length = 1 + lengthOfLength + payload
      }
      offset += length
      count++
    }
    return offset === size ? count : null
  } finally {
    await file.close()
  }
}
