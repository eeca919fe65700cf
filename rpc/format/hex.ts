/** A JSON-RPC quantity: minimal hex, "0x0" for zero. */
export function quantity(value: bigint | number): string {
  return `0x${value.toString(16)}`
}

/** JSON-RPC data: lowercase hex bytes. */
export function data(value: Uint8Array): string {
  // Buffer's native encoder: logs and calldata run to hundreds of kB, where a per-byte JS
  // loop costs over ten times as much and churns the garbage collector
  return `0x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`
}
