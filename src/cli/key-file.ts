import { readFile } from 'node:fs/promises'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { ArgumentError } from '../errors.js'

/**
 * Reads a private key from a file holding it as 0x-prefixed hex (64 digits; surrounding
 * whitespace, such as a trailing newline, is ignored). A key on the command line would show in
 * `ps` and shell history; a file can be readable by its owner alone. Refuses anything else, and
 * never repeats the file's content in the error.
 */
export async function readPrivateKeyFile(path: string, argument = '--key-file'): Promise<Hex> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument, reason: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` })
  }
  const key = text.trim()
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new ArgumentError({
      code: 'INVALID_ARGUMENT',
      argument,
      reason: `${path} must hold one private key: 0x followed by 64 hex digits (it holds ${describe(key)})`,
    })
  }
  try {
    privateKeyToAccount(key as Hex)
  } catch {
    throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument, reason: `${path} holds 64 hex digits that are not a valid secp256k1 private key` })
  }
  return key as Hex
}

/** What is wrong with the file's content, without revealing it. */
function describe(key: string): string {
  if (key === '') return 'nothing'
  if (/^[0-9a-fA-F]{64}$/.test(key)) return '64 hex digits without the 0x prefix'
  return `${key.length} characters`
}
