import type { InterpreterStep } from '@ethereumjs/evm'
import { bigIntToBytes, bytesToHex, hexToBytes, setLengthLeft } from '@ethereumjs/util'
import type { AccessListEntry } from './types.js'

const SLOAD = 0x54
const SSTORE = 0x55
const ADDRESS_READS = new Set([0x3c /* EXTCODECOPY */, 0x3f /* EXTCODEHASH */, 0x3b /* EXTCODESIZE */, 0x31 /* BALANCE */, 0xff /* SELFDESTRUCT */])
const CALLS = new Set([0xf4 /* DELEGATECALL */, 0xf1 /* CALL */, 0xfa /* STATICCALL */, 0xf2 /* CALLCODE */])

/**
 * geth's AccessListTracer (eth/tracers/logger): collects the storage slots every SLOAD / SSTORE
 * touches and the addresses the account-reading and calling opcodes name, leaving out the
 * excluded addresses (sender, recipient, precompiles, authorities) unless a slot of theirs was
 * touched. Starts from the access list the execution was given. Entries keep the order in which
 * they were first seen (geth's come out of a Go map in no fixed order).
 */
export class AccessListTracer {
  private readonly list = new Map<string, Set<string>>()

  /** `excluded`: lowercase 0x-hex addresses. */
  constructor(
    initial: AccessListEntry[],
    private readonly excluded: Set<string>,
  ) {
    for (const entry of initial) {
      const address = bytesToHex(entry.address)
      if (!excluded.has(address)) this.addAddress(address)
      for (const key of entry.storageKeys) this.addSlot(address, bytesToHex(setLengthLeft(key, 32)))
    }
  }

  onStep(step: InterpreterStep): void {
    const op = step.opcode.code
    const stack = step.stack
    if ((op === SLOAD || op === SSTORE) && stack.length >= 1) {
      this.addSlot(step.address.toString(), word(stack[stack.length - 1], 32))
    } else if (ADDRESS_READS.has(op) && stack.length >= 1) {
      this.addUnlessExcluded(word(stack[stack.length - 1], 20))
    } else if (CALLS.has(op) && stack.length >= 5) {
      this.addUnlessExcluded(word(stack[stack.length - 2], 20))
    }
  }

  accessList(): AccessListEntry[] {
    return [...this.list].map(([address, slots]) => ({
      address: hexToBytes(address as `0x${string}`),
      storageKeys: [...slots].map((slot) => hexToBytes(slot as `0x${string}`)),
    }))
  }

  /** Same addresses and the same slots for each (geth's accessList.equal). */
  equals(other: AccessListTracer): boolean {
    if (this.list.size !== other.list.size) return false
    for (const [address, slots] of this.list) {
      const theirs = other.list.get(address)
      if (theirs === undefined || theirs.size !== slots.size) return false
      for (const slot of slots) if (!theirs.has(slot)) return false
    }
    return true
  }

  private addUnlessExcluded(address: string): void {
    if (!this.excluded.has(address)) this.addAddress(address)
  }

  private addAddress(address: string): void {
    if (!this.list.has(address)) this.list.set(address, new Set())
  }

  private addSlot(address: string, slot: string): void {
    this.addAddress(address)
    this.list.get(address)!.add(slot)
  }
}

/** The low `bytes` bytes of a stack word as lowercase 0x-hex. */
function word(value: bigint, bytes: number): string {
  const masked = value & ((1n << BigInt(bytes * 8)) - 1n)
  return bytesToHex(setLengthLeft(bigIntToBytes(masked), bytes))
}
