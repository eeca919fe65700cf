/**
 * A map key for bytes: one char per byte, read in place. Cheaper to build and hash than hex, and
 * Buffer.from(bytes) alone would copy them first.
 */
export function bytesKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')
}
