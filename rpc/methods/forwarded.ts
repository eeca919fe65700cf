import { expectParams, parseBytes } from '../params.js'
import type { MethodTable } from './types.js'

/**
 * What a follower cannot answer itself goes to the upstream sequencer: new transactions, and
 * state at the `pending` block (its mempool decides the next nonce, not our head).
 */
export const forwardedMethods: MethodTable = {
  async eth_sendRawTransaction(params, { reader }) {
    const [raw] = expectParams(params, 1, 1)
    parseBytes(raw, 0)
    return reader.forward('eth_sendRawTransaction', [raw])
  },
}

/** Methods with a block parameter, and its position. */
const BLOCK_PARAM: Record<string, number> = {
  eth_getBalance: 1,
  eth_getTransactionCount: 1,
  eth_getCode: 1,
  eth_getStorageAt: 2,
  eth_call: 1,
  eth_estimateGas: 1,
  eth_createAccessList: 1,
}

/**
 * Wraps the table so that a state method asked at `pending` is forwarded when the node follows
 * upstreams; without one, `pending` means our head (resolve.ts).
 */
export function forwardPending(methods: MethodTable): MethodTable {
  const wrapped: MethodTable = { ...methods }
  for (const [name, index] of Object.entries(BLOCK_PARAM)) {
    const local = methods[name]
    if (local === undefined) continue
    wrapped[name] = async (params, ctx) => {
      if (ctx.reader.forwards && Array.isArray(params) && params[index] === 'pending') {
        return ctx.reader.forward(name, params)
      }
      return local(params, ctx)
    }
  }
  return wrapped
}
