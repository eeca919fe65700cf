import { createRequire } from 'node:module'
import { parentPort } from 'node:worker_threads'

/**
 * SenderRecovery's worker: recovers public keys with libsecp256k1. Input per signature: message
 * hash (32), r ++ s (64), recovery id (1); output: the 64-byte public key without its 0x04
 * prefix, or 64 zero bytes when the signature does not recover.
 */
const secp256k1 = createRequire(import.meta.url)('secp256k1/bindings') as {
  ecdsaRecover(signature: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array
}

parentPort!.on('message', ({ id, input }: { id: number; input: Uint8Array }) => {
  const count = input.length / 97
  const keys = new Uint8Array(count * 64)
  for (let i = 0; i < count; i++) {
    const item = input.subarray(i * 97, (i + 1) * 97)
    try {
      keys.set(secp256k1.ecdsaRecover(item.subarray(32, 96), item[96], item.subarray(0, 32), false).subarray(1), i * 64)
    } catch {
      // left zero: the main thread recovers it itself and refuses it as ethereumjs does
    }
  }
  parentPort!.postMessage({ id, keys }, [keys.buffer])
})
