import { bytesToHex, hexToBytes, isHexString } from '@ethereumjs/util'
import type { Datadir } from '../datadir.js'
import { ArgumentError } from '../errors.js'

/**
 * Marks a stored canonical block (given as 'head', a number, or a hash) safe and finalized.
 * Until the finality tracker exists, this is how `safe` / `finalized` get a value.
 */
export async function markFinalized(datadir: Datadir, target: string): Promise<{ number: bigint; hash: Uint8Array }> {
  const { store } = datadir
  let number: bigint
  if (target === 'head') {
    number = (await datadir.head()).number
  } else if (/^(0x)?[0-9a-fA-F]{64}$/.test(target)) {
    const hash = hexToBytes(target.startsWith('0x') ? (target as `0x${string}`) : `0x${target}`)
    const found = await store.blockNumbers.get(hash)
    if (found === null) throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument: '--finalized', reason: `no block ${target} is stored` })
    number = found
  } else if (/^\d+$/.test(target) || isHexString(target)) {
    number = BigInt(target)
  } else {
    throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument: '--finalized', reason: `expected head, a block number or a block hash, got ${target}` })
  }
  const hash = await store.canonical.get(number)
  if (hash === null) throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument: '--finalized', reason: `block ${number} is not stored` })
  if (target.length >= 64 && bytesToHex(hash) !== `0x${target.replace(/^0x/, '').toLowerCase()}`) {
    throw new ArgumentError({ code: 'INVALID_ARGUMENT', argument: '--finalized', reason: `block ${target} is not canonical` })
  }
  await store.write([store.meta.putOp('safe', hash), store.meta.putOp('finalized', hash)])
  return { number, hash }
}
