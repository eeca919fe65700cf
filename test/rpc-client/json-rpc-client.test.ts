import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type AnvilInstance, findFreePort, startAnvil } from '../../fixtures/anvil/anvil.js'
import { ANVIL_GENESIS_PATH } from '../../fixtures/anvil/paths.js'
import { RpcClientError, type RpcClientErrorType } from '../../src/rpc-client/errors.js'
import { JsonRpcClient, isMethodNotFound } from '../../src/rpc-client/json-rpc-client.js'
import { type RpcProxy, startRpcProxy } from '../helpers/rpc-proxy.js'

describe('JsonRpcClient', () => {
  let anvil: AnvilInstance
  const proxies: RpcProxy[] = []

  beforeAll(async () => {
    anvil = await startAnvil({ genesisPath: ANVIL_GENESIS_PATH })
  })
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
  })
  afterAll(async () => {
    await anvil?.stop()
  })

  const proxy = async () => {
    const started = await startRpcProxy({ upstream: anvil.rpcUrl })
    proxies.push(started)
    return started
  }
  const client = (url: string, timeoutMs = 5000) => new JsonRpcClient({ url, timeoutMs })

  /** The TRANSPORT / RPC_ERROR / BAD_RESPONSE type a call failed with. */
  const failure = async (call: Promise<unknown>) => {
    const err = await call.then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(RpcClientError)
    return (err as RpcClientError).type
  }
  const reasonOf = (type: RpcClientErrorType) => (type.code === 'RPC_ERROR' ? null : type.reason)

  it('answers a batch in call order, each call with its own result or error', async () => {
    const outcomes = await client(anvil.rpcUrl).batch([
      { method: 'eth_chainId', params: [] },
      { method: 'eth_getHeaderByNumber', params: ['0x0'] },
      { method: 'eth_getBlockByNumber', params: ['0x0', false] },
      { method: 'eth_getBlockByNumber', params: ['0x99', false] },
    ])
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true])
    expect(outcomes[1]).toEqual({ ok: false, error: { code: -32601, message: 'Method not found' } })
    expect((outcomes[2] as { result: { number: string } }).result.number).toBe('0x0')
    expect(outcomes[3]).toEqual({ ok: true, result: null })
  })

  it('throws an error answer as RPC_ERROR with the server code', async () => {
    expect(await failure(client(anvil.rpcUrl).request('eth_getHeaderByNumber', ['0x0']))).toEqual({
      code: 'RPC_ERROR',
      url: anvil.rpcUrl,
      method: 'eth_getHeaderByNumber',
      rpcCode: -32601,
      rpcMessage: 'Method not found',
    })
  })

  it('falls back to single calls for good once a server refuses a batch', async () => {
    const noBatches = await proxy()
    noBatches.refuseBatches = true
    const rpc = client(noBatches.url)
    const calls = [
      { method: 'eth_chainId', params: [] },
      { method: 'eth_blockNumber', params: [] },
    ]
    const first = await rpc.batch(calls)
    const second = await rpc.batch(calls)
    expect(second).toEqual(first)
    expect(first.every((o) => o.ok)).toBe(true)
    // the refused batch's two calls, their retry one by one, then the second batch sent singly
    expect(noBatches.calls).toEqual(['eth_chainId', 'eth_blockNumber', 'eth_chainId', 'eth_blockNumber', 'eth_chainId', 'eth_blockNumber'])
  })

  it('reports HTTP errors, hangs, dropped and refused connections as TRANSPORT', async () => {
    const failing = await proxy()
    failing.fail('http-500')
    expect(await failure(client(failing.url).request('eth_chainId'))).toEqual({
      code: 'TRANSPORT',
      url: failing.url,
      method: 'eth_chainId',
      reason: 'HTTP 500: internal server error',
    })
    failing.fail('hang')
    expect(reasonOf(await failure(client(failing.url, 300).request('eth_chainId')))).toBe('no answer within 300 ms')
    failing.fail('reset')
    expect((await failure(client(failing.url).batch([{ method: 'eth_chainId', params: [] }, { method: 'eth_chainId', params: [] }]))).code).toBe('TRANSPORT')
    failing.heal()
    expect(await client(failing.url).request('eth_chainId')).toMatch(/^0x/)

    const closed = `http://127.0.0.1:${await findFreePort()}`
    expect(reasonOf(await failure(client(closed).request('eth_chainId')))).toMatch(/^ECONNREFUSED/)
  })

  it('recognises "method not found" by code and by the texts of providers that use other codes', () => {
    expect(isMethodNotFound({ code: -32601, message: 'Method not found' })).toBe(true)
    expect(isMethodNotFound({ code: -32600, message: 'the method eth_getHeaderByNumber does not exist/is not available' })).toBe(true)
    expect(isMethodNotFound({ code: -32004, message: 'Unsupported method: eth_getHeaderByNumber' })).toBe(true)
    expect(isMethodNotFound({ code: -32602, message: 'invalid argument 0: hex string without 0x prefix' })).toBe(false)
    expect(isMethodNotFound({ code: -32000, message: 'header not found' })).toBe(false)
  })
})
