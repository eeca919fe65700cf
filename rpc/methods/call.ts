import { data, quantity } from '../format/hex.js'
import { parseBlockOverrides, parseCallRequest, parseStateOverrides } from '../call-params.js'
import { argumentList, parseBlockSelector, required } from '../params.js'
import { headerForState } from '../resolve.js'
import type { MethodContext, MethodTable } from './types.js'
import type { BlockSelector } from '../../src/reader.js'

const LATEST: BlockSelector = { kind: 'tag', tag: 'latest' }

/**
 * eth_call, eth_estimateGas and eth_createAccessList at any block parameter (default latest).
 * Arguments decode in order, as in geth, before the block is looked up; the node runs the call
 * off the main thread (src/execution/call/) and throws CallError, which errors.ts maps (a revert
 * is code 3 with its data).
 */
/** eth_call's and eth_estimateGas's (call, block, state overrides, block overrides). */
async function callArguments(params: unknown, ctx: MethodContext) {
  const args = argumentList(params, 4)
  const request = parseCallRequest(required(args, 0), 0)
  const selector = blockParam(args[1], 1)
  const stateOverrides = parseStateOverrides(args[2], 2)
  const blockOverrides = parseBlockOverrides(args[3], 3)
  const header = await headerForState(ctx.reader, selector)
  return { header, input: { request, stateOverrides, blockOverrides } }
}

export const callMethods: MethodTable = {
  async eth_call(params, ctx) {
    const { header, input } = await callArguments(params, ctx)
    return data(await ctx.reader.call(header, input))
  },
  async eth_estimateGas(params, ctx) {
    const { header, input } = await callArguments(params, ctx)
    return quantity(await ctx.reader.estimateGas(header, input))
  },
  async eth_createAccessList(params, ctx) {
    const args = argumentList(params, 3)
    const request = parseCallRequest(required(args, 0), 0)
    const selector = blockParam(args[1], 1)
    const stateOverrides = parseStateOverrides(args[2], 2)
    const header = await headerForState(ctx.reader, selector)
    const result = await ctx.reader.createAccessList(header, { request, stateOverrides })
    return {
      accessList: result.accessList.map((entry) => ({ address: data(entry.address), storageKeys: entry.storageKeys.map(data) })),
      ...(result.error === undefined ? {} : { error: result.error }),
      gasUsed: quantity(result.gasUsed),
    }
  },
}

function blockParam(value: unknown, index: number): BlockSelector {
  return value === undefined || value === null ? LATEST : parseBlockSelector(value, index)
}
