import { createFeeMarket1559Tx, createLegacyTx } from '@ethereumjs/tx'
import { createBlock } from '@ethereumjs/block'
import { Common, Mainnet } from '@ethereumjs/common'
import { createAddressFromPrivateKey, hexToBytes } from '@ethereumjs/util'
import { afterAll, describe, expect, it } from 'vitest'
import { installEthereumjsSpeedups } from '../../src/chain/ethereumjs-speedups.js'
import { SenderRecovery } from '../../src/chain/sender-recovery.js'

/**
 * The worker recovers the same senders ethereumjs does and leaves alone what it cannot recover,
 * so that ethereumjs refuses those as it did before.
 */
describe('SenderRecovery', () => {
  const recovery = SenderRecovery.start()
  afterAll(() => recovery?.close())
  const common = new Common({ chain: Mainnet, hardfork: 'prague' })
  const keys = [1, 2, 3].map((i) => hexToBytes(`0x${i.toString(16).padStart(64, '0')}`))

  it('fills each transaction with the sender ethereumjs recovers, and its address', async () => {
    // getSenderAddress then answers the address the worker hashed
    installEthereumjsSpeedups()
    expect(recovery).not.toBeNull()
    const txs = keys.flatMap((key, i) => [
      createLegacyTx({ nonce: i, gasPrice: 10, gasLimit: 21000, to: `0x${'11'.repeat(20)}`, value: 1 }, { common }).sign(key),
      createFeeMarket1559Tx({ nonce: i, maxFeePerGas: 10, gasLimit: 21000, chainId: 1 }, { common }).sign(key),
    ])
    const block = createBlock({ transactions: txs }, { common })
    await recovery!.recover(block)
    block.transactions.forEach((tx, i) => {
      expect(tx.cache.senderPubKey).toBeDefined()
      expect(Object.getOwnPropertySymbols(tx.cache)).toHaveLength(1)
      expect(tx.getSenderAddress().toString()).toBe(createAddressFromPrivateKey(keys[Math.floor(i / 2)]).toString())
    })
  })

  it('leaves a signature that does not recover, and an unsigned transaction, to ethereumjs', async () => {
    const order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const unrecoverable = createLegacyTx({ gasPrice: 10, gasLimit: 21000, v: 27n, r: order, s: 1n }, { common })
    const unsigned = createLegacyTx({ gasPrice: 10, gasLimit: 21000 }, { common })
    const block = createBlock({ transactions: [unrecoverable, unsigned] }, { common })
    await recovery!.recover(block)
    expect(unrecoverable.cache.senderPubKey).toBeUndefined()
    expect(unrecoverable.verifySignature()).toBe(false)
    expect(unsigned.cache.senderPubKey).toBeUndefined()
  })
})
