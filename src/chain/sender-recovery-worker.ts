import { parentPort } from 'node:worker_threads'
import { keccak256 } from './keccak.js'
import { recoverPublicKey } from './secp256k1.js'

/**
 * SenderRecovery's worker. Input per signature: message hash (32), r ++ s (64), recovery id (1);
 * output: the 64-byte public key and the 20-byte address it hashes to, or 84 zero bytes when the
 * signature does not recover. Started
 * only where libsecp256k1 loads (SenderRecovery.start).
 */
const recover = recoverPublicKey!

parentPort!.on('message', ({ id, input }: { id: number; input: Uint8Array }) => {
  const count = input.length / 97
  const keys = new Uint8Array(count * 84)
  for (let i = 0; i < count; i++) {
    const item = input.subarray(i * 97, (i + 1) * 97)
    try {
      const key = recover(item.subarray(32, 96), item[96], item.subarray(0, 32))
      keys.set(key, i * 84)
      keys.set(keccak256(key).subarray(12), i * 84 + 64)
    } catch {
      // left zero: the main thread recovers it itself and refuses it as ethereumjs does
    }
  }
  parentPort!.postMessage({ id, keys }, [keys.buffer])
})
