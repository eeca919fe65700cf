import { bytesToBigInt, equalsBytes, hexToBytes } from '@ethereumjs/util'

const ERROR_SELECTOR = hexToBytes('0x08c379a0') // Error(string)
const PANIC_SELECTOR = hexToBytes('0x4e487b71') // Panic(uint256)

/** Solidity's panic codes, worded as geth's abi package words them. */
const PANIC_REASONS = new Map<bigint, string>([
  [0x00n, 'generic panic'],
  [0x01n, 'assert(false)'],
  [0x11n, 'arithmetic underflow or overflow'],
  [0x12n, 'division or modulo by zero'],
  [0x21n, 'enum overflow'],
  [0x22n, 'invalid encoded storage byte array accessed'],
  [0x31n, 'out-of-bounds array access; popping on an empty array'],
  [0x32n, 'out-of-bounds access of an array or bytesN'],
  [0x41n, 'out of memory'],
  [0x51n, 'uninitialized function'],
])

const MAX_INT64 = (1n << 63n) - 1n

/**
 * The reason in revert data, as geth's abi.UnpackRevert finds it: the string of an
 * Error(string), the meaning of a Panic(uint256) ("unknown panic code: 0x…" for codes Solidity
 * does not define), or null when the data is neither (then geth says just "execution reverted").
 */
export function decodeRevertReason(data: Uint8Array): string | null {
  if (data.length < 4) return null
  const selector = data.subarray(0, 4)
  const args = data.subarray(4)
  if (equalsBytes(selector, ERROR_SELECTOR)) return decodeAbiString(args)
  if (equalsBytes(selector, PANIC_SELECTOR)) {
    if (args.length < 32) return null
    const code = bytesToBigInt(args.subarray(0, 32))
    return PANIC_REASONS.get(code) ?? `unknown panic code: 0x${code.toString(16)}`
  }
  return null
}

/** A single ABI-encoded `string` argument, with the bounds checks of geth's lengthPrefixPointsTo. */
function decodeAbiString(args: Uint8Array): string | null {
  if (args.length < 32) return null
  const offsetEnd = bytesToBigInt(args.subarray(0, 32)) + 32n
  if (offsetEnd > BigInt(args.length) || offsetEnd > MAX_INT64) return null
  const start = Number(offsetEnd)
  const length = bytesToBigInt(args.subarray(start - 32, start))
  const end = offsetEnd + length
  if (end > MAX_INT64 || end > BigInt(args.length)) return null
  // Go keeps invalid UTF-8 in the string and its JSON encoder writes U+FFFD for it
  return new TextDecoder('utf-8').decode(args.subarray(start, Number(end)))
}
