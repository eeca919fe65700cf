import { Common } from '@ethereumjs/common'
import { AccessList2930Tx, Blob4844Tx, EOACode7702Tx, FeeMarket1559Tx, LegacyTx } from '@ethereumjs/tx'
import type { Address } from '@ethereumjs/util'

/**
 * Memoizes three ethereumjs lookups that block execution repeats per opcode and per transaction
 * and that cost about a tenth of import time, by patching their prototypes once:
 *
 * - Common.isActivatedEIP scans an array of every active EIP (dozens of calls per transaction,
 *   some per opcode): here a Set built from that same array, rebuilt whenever Common replaces
 *   the array (it builds a new one on every hardfork or EIP change).
 * - Common.hardforkGteHardfork walks the hardfork list twice per call (intrinsic gas, journal
 *   cleanup, SSTORE gas): here remembered per pair of hardfork names, per Common.
 * - getSenderAddress hashes the public key again on every call (JavaScript keccak, several calls
 *   per transaction): here cached beside the public key on a frozen transaction, exactly where
 *   ethereumjs itself caches that key (a transaction that is not frozen can change, so nothing
 *   is cached for it, as ethereumjs does).
 *
 * Each answers what the original answers; test/chain/ethereumjs-speedups.test.ts checks them
 * against the originals.
 */
export function installEthereumjsSpeedups(): void {
  if (installed) return
  installed = true

  const proto = Common.prototype as unknown as PatchedCommon
  proto.isActivatedEIP = function isActivatedEIP(this: PatchedCommon, eip: number): boolean {
    const active = this._activatedEIPsCache
    if (this[EIP_SOURCE] !== active) {
      this[EIP_SET] = new Set(active)
      this[EIP_SOURCE] = active
    }
    return this[EIP_SET]!.has(eip)
  }
  const hardforkGteHardfork = proto.hardforkGteHardfork
  proto.hardforkGteHardfork = function memoizedGte(this: PatchedCommon, first: string | null, second: string): boolean {
    const from = first ?? this._hardfork
    const memo = (this[GTE_MEMO] ??= new Map())
    const key = `${from} ${second}`
    let answer = memo.get(key)
    if (answer === undefined) {
      answer = hardforkGteHardfork.call(this, from, second)
      memo.set(key, answer)
    }
    return answer
  }

  for (const txClass of [LegacyTx, AccessList2930Tx, FeeMarket1559Tx, Blob4844Tx, EOACode7702Tx]) {
    const txProto = txClass.prototype as unknown as { getSenderAddress(): Address }
    const getSenderAddress = txProto.getSenderAddress
    txProto.getSenderAddress = function cachedSender(this: { cache: SenderCache }) {
      if (!Object.isFrozen(this)) return getSenderAddress.call(this)
      return (this.cache[SENDER] ??= getSenderAddress.call(this))
    }
  }
}

let installed = false
const EIP_SET = Symbol('activeEIPSet')
const EIP_SOURCE = Symbol('activeEIPSource')
const GTE_MEMO = Symbol('hardforkGteMemo')
const SENDER = Symbol('senderAddress')

/** Common's own fields these read (ethereumjs 10.1.3), and the memo fields they add. */
interface PatchedCommon {
  _activatedEIPsCache: number[]
  _hardfork: string
  isActivatedEIP(eip: number): boolean
  hardforkGteHardfork(first: string | null, second: string): boolean
  [EIP_SET]?: Set<number>
  [EIP_SOURCE]?: number[]
  [GTE_MEMO]?: Map<string, boolean>
}

interface SenderCache {
  [SENDER]?: Address
}
