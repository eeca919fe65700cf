import { parentPort } from 'node:worker_threads'
import { recoverPublicKey } from './secp256k1.js'

/**
 * SenderRecovery's worker. Input per signature: message hash (32), r ++ s (64), recovery id (1);
 * output: the 64-byte public key, or 64 zero bytes when the signature does not recover. Started
 * only where libsecp256k1 loads (SenderRecovery.start).
 */
const recover = recoverPublicKey!

parentPort!.on('message', ({ id, input }: { id: number; input: Uint8Array }) => {
  const count = input.length / 97
  const keys = new Uint8Array(count * 64)
  for (let i = 0; i < count; i++) {
    const item = input.subarray(i * 97, (i + 1) * 97)
    try {
      keys.set(recover(item.subarray(32, 96), item[96], item.subarray(0, 32)), i * 64)
    } catch {
      // left zero: the main thread recovers it itself and refuses it as ethereumjs does
    }
  }
  parentPort!.postMessage({ id, keys }, [keys.buffer])
})
