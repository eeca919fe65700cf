import { KECCAK256_NULL, bytesToHex, setLengthLeft } from '@ethereumjs/util'
import { RpcError, invalidArgument } from '../errors.js'
import { data, quantity } from '../format/hex.js'
import { expectParams, parseAddress, parseBlockSelector } from '../params.js'
import { headerForState } from '../resolve.js'
import type { MethodContext, MethodTable } from './types.js'
import type { BlockSelector } from '../../src/reader.js'

const LATEST: BlockSelector = { kind: 'tag', tag: 'latest' }

/** Account and storage reads at any block parameter (default latest, like geth). */
export const stateMethods: MethodTable = {
  async eth_getBalance(params, ctx) {
    const [address, block] = expectParams(params, 1, 2)
    const state = await stateFor(ctx, block, 1)
    const account = await state.getAccount(parseAddress(address, 0))
    return quantity(account?.balance ?? 0n)
  },
  async eth_getTransactionCount(params, ctx) {
    const [address, block] = expectParams(params, 1, 2)
    const state = await stateFor(ctx, block, 1)
    const account = await state.getAccount(parseAddress(address, 0))
    return quantity(account?.nonce ?? 0n)
  },
  async eth_getCode(params, ctx) {
    const [address, block] = expectParams(params, 1, 2)
    const state = await stateFor(ctx, block, 1)
    return data(await state.getCode(parseAddress(address, 0)))
  },
  async eth_getStorageAt(params, ctx) {
    const [address, slot, block] = expectParams(params, 2, 3)
    const parsedAddress = parseAddress(address, 0)
    const key = parseStorageKey(slot)
    const state = await stateFor(ctx, block, 2)
    return data(await state.getStorage(parsedAddress, key.bytes))
  },
  async eth_getStorageValues(params, ctx) {
    const [requests, block] = expectParams(params, 1, 2)
    if (typeof requests !== 'object' || requests === null || Array.isArray(requests)) {
      throw invalidArgument(0, 'json: cannot unmarshal non-object into Go value of type map[common.Address][]common.Hash')
    }
    const parsed = Object.entries(requests as Record<string, unknown>).map(([address, slots]) => {
      if (!Array.isArray(slots)) throw invalidArgument(0, 'json: cannot unmarshal non-array into Go value of type []common.Hash')
      return { address, addressBytes: parseAddress(address, 0), slots: slots.map((slot) => parseStorageKey(slot).bytes) }
    })
    const state = await stateFor(ctx, block, 1)
    const result: Record<string, string[]> = {}
    for (const entry of parsed) {
      const values: string[] = []
      for (const slot of entry.slots) values.push(data(await state.getStorage(entry.addressBytes, slot)))
      result[entry.address.toLowerCase()] = values
    }
    return result
  },
  async eth_getProof(params, ctx) {
    const [address, slots, block] = expectParams(params, 2, 3)
    const parsedAddress = parseAddress(address, 0)
    if (!Array.isArray(slots)) throw invalidArgument(1, 'json: cannot unmarshal non-array into Go value of type []string')
    const keys = slots.map((slot) => parseStorageKey(slot))
    const state = await stateFor(ctx, block, 2)
    const proof = await state.getProof(parsedAddress, keys.map((k) => k.bytes))
    const account = await state.getAccount(parsedAddress)
    return {
      address: data(parsedAddress),
      accountProof: proof.accountProof.map(data),
      balance: quantity(proof.balance),
      codeHash: data(account === undefined ? KECCAK256_NULL : proof.codeHash),
      nonce: quantity(proof.nonce),
      storageHash: data(proof.storageHash),
      storageProof: proof.storageProof.map((entry, i) => ({
        key: keys[i].output,
        value: quantity(entry.value),
        proof: entry.proof.map(data),
      })),
    }
  },
}

async function stateFor(ctx: MethodContext, block: unknown, index: number) {
  const selector = block === undefined || block === null ? LATEST : parseBlockSelector(block, index)
  return ctx.reader.stateAt(await headerForState(ctx.reader, selector))
}

/**
 * geth's storage-key decoding: up to 32 bytes of hex, odd length allowed. A full 32-byte key is
 * echoed back as 32-byte hex, a shorter one as a quantity (eth_getProof's `key`).
 */
function parseStorageKey(value: unknown): { bytes: Uint8Array; output: string } {
  if (typeof value !== 'string') throw new RpcError({ code: 'INVALID_PARAMS', message: `invalid hex in storage key: ${JSON.stringify(value)}` })
  let digits = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value
  if (digits.length > 64) {
    throw new RpcError({ code: 'INVALID_PARAMS', message: `storage key too long (want at most 32 bytes): ${JSON.stringify(value)}` })
  }
  if (!/^[0-9a-fA-F]*$/.test(digits)) {
    throw new RpcError({ code: 'INVALID_PARAMS', message: `invalid hex in storage key: ${JSON.stringify(value)}` })
  }
  if (digits.length % 2 === 1) digits = `0${digits}`
  const raw = Uint8Array.from(Buffer.from(digits, 'hex'))
  const bytes = setLengthLeft(raw, 32)
  const output = raw.length === 32 ? bytesToHex(bytes) : quantity(BigInt(`0x${digits || '0'}`))
  return { bytes, output }
}
