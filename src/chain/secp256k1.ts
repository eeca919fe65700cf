import { createRequire } from 'node:module'
import { calculateSigRecovery } from '@ethereumjs/util'

interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array
}

/**
 * libsecp256k1 through the `secp256k1` package's prebuilt addon (no compiler needed), or null when
 * the addon does not load on this platform. Importing `secp256k1/bindings` rather than the package
 * root matters: the root silently falls back to a JavaScript implementation as slow as the one we
 * are replacing.
 */
function loadNative(): NativeSecp256k1 | null {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1
  } catch {
    return null
  }
}

const native = loadNative()

/**
 * The 64-byte public key (no 0x04 prefix) that signed `msgHash` with `signature` (r ++ s, 64
 * bytes) and recovery id 0 or 1, by libsecp256k1; throws if it does not recover (r or s zero or
 * not below the curve order). Undefined when the addon is not available.
 */
export const recoverPublicKey: ((signature: Uint8Array, recovery: number, msgHash: Uint8Array) => Uint8Array) | undefined =
  native === null ? undefined : (signature, recovery, msgHash) => native.ecdsaRecover(signature, recovery, msgHash, false).subarray(1)

/**
 * ecrecover with ethereumjs's signature (Common's customCrypto.ecrecover), in native code.
 *
 * Recovering transaction senders with @noble/curves took 72% of an import's CPU time here
 * (about 4.4 ms per signature on this machine); libsecp256k1 takes about 0.1 ms. The checks are
 * ethereumjs's own: v must give recovery id 0 or 1 (EIP-155 v folded with the chain id), r and s
 * are left-padded to 32 bytes, and a signature that does not recover throws. Like ethereumjs's,
 * this does not reject high s: the transaction rules do that before calling it, and the
 * ECRECOVER precompile accepts it.
 *
 * Undefined when the addon is not available (callers then leave ethereumjs's default in place).
 */
export const ecrecover:
  | ((msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint) => Uint8Array)
  | undefined =
  recoverPublicKey === undefined
    ? undefined
    : (msgHash, v, r, s, chainId) => {
        const recovery = calculateSigRecovery(v, chainId)
        if (recovery !== 0n && recovery !== 1n) throw new Error('Invalid signature v value')
        if (r.length > 32 || s.length > 32 || msgHash.length !== 32) throw new Error('Invalid signature')
        const signature = new Uint8Array(64)
        signature.set(r, 32 - r.length)
        signature.set(s, 64 - s.length)
        return recoverPublicKey(signature, Number(recovery), msgHash)
      }
