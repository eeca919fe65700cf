import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createFeeMarket1559Tx, createLegacyTx } from '@ethereumjs/tx'
import { createAddressFromPrivateKey, hexToBytes } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { installEthereumjsSpeedups } from '../../src/chain/ethereumjs-speedups.js'

/** Every memoized lookup answers what ethereumjs's own does, through fork and EIP changes. */
describe('installEthereumjsSpeedups', () => {
  // the originals, taken before the install (another test file may have installed already: then
  // these are fresh implementations of the same rules, from Common's own data)
  const isActivatedEIP = (common: Common, eip: number) => (common as unknown as { _activatedEIPsCache: number[] })._activatedEIPsCache.includes(eip)
  const hardforkGte = (common: Common, first: string, second: string) => {
    const names = common.hardforks().map((hf) => hf.name)
    return names.indexOf(second) !== -1 && names.indexOf(first) >= names.indexOf(second)
  }
  installEthereumjsSpeedups()
  const eips = [150, 155, 1559, 2718, 2929, 2930, 2935, 3198, 3529, 3540, 3651, 3855, 3860, 4788, 4844, 4895, 5656, 6110, 6780, 7002, 7251, 7594, 7623, 7685, 7702, 7825, 7934, 7939]
  // Mainnet's forks, in order (the DAO fork changes no EIP and Common does not switch to it by name)
  const forks = new Common({ chain: Mainnet }).hardforks().map((hf) => hf.name).filter((fork) => fork !== Hardfork.Dao)

  it('isActivatedEIP and gteHardfork follow every hardfork switch, on a copy too', () => {
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.Chainstart })
    for (const subject of [common, common.copy()]) {
      for (const fork of [...forks, ...[...forks].reverse()]) {
        subject.setHardfork(fork)
        for (const eip of eips) expect(subject.isActivatedEIP(eip), `${fork} EIP-${eip}`).toBe(isActivatedEIP(subject, eip))
        for (const other of forks) expect(subject.gteHardfork(other), `${fork} >= ${other}`).toBe(hardforkGte(subject, fork, other))
      }
    }
  })

  it('isActivatedEIP sees EIPs enabled after construction', () => {
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun })
    expect(common.isActivatedEIP(7702)).toBe(false)
    common.setEIPs([7702])
    expect(common.isActivatedEIP(7702)).toBe(true)
  })

  it('caches the sender of a frozen transaction only, and it is the signer', () => {
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague })
    const key = hexToBytes(`0x${'01'.padStart(64, '0')}`)
    const signer = createAddressFromPrivateKey(key).toString()
    const frozen = createFeeMarket1559Tx({ maxFeePerGas: 10, gasLimit: 21000, chainId: 1 }, { common }).sign(key)
    expect(frozen.getSenderAddress().toString()).toBe(signer)
    expect(frozen.getSenderAddress()).toBe(frozen.getSenderAddress())

    // a transaction that is not frozen may be changed: it is recovered again each time
    const signed = createLegacyTx({ gasPrice: 10, gasLimit: 21000 }, { common }).sign(key)
    const open = createLegacyTx(signed.toJSON(), { common, freeze: false })
    expect(Object.isFrozen(open)).toBe(false)
    const first = open.getSenderAddress()
    expect(first.toString()).toBe(signer)
    expect(open.getSenderAddress()).not.toBe(first)
  })
})
