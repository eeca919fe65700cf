import { bytesToHex } from '@ethereumjs/util'

/** A JSON-RPC quantity: minimal hex, "0x0" for zero. */
export function quantity(value: bigint | number): string {
  return `0x${value.toString(16)}`
}

/** JSON-RPC data: hex bytes. */
export function data(value: Uint8Array): string {
  return bytesToHex(value)
}
