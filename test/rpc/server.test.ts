import type { AddressInfo } from 'node:net'
import { request as httpRequest } from 'node:http'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RpcError, invalidArgument } from '../../rpc/errors.js'
import type { MethodTable } from '../../rpc/methods/types.js'
import { expectParams, parseBlockNumber } from '../../rpc/params.js'
import { createRpcApp } from '../../rpc/server.js'
import { defaultRpcOptions } from '../../src/config.js'
import { LogQueryError } from '../../src/errors.js'
import type { Reader } from '../../src/reader.js'
import { silentLog } from '../helpers/node.js'

/**
 * The server's framing against geth's rpc package (rpc/http.go, rpc/handler.go, rpc/json.go,
 * rpc/errors.go), in-process through app.request and, for the body limit, over real HTTP.
 */

const calls: string[] = []
const methods: MethodTable = {
  async test_echo(params) {
    calls.push('echo')
    return params ?? null
  },
  async test_nothing() {
    return undefined
  },
  async test_number(params) {
    const [value] = expectParams(params, 1, 1)
    return parseBlockNumber(value, 0).kind
  },
  async test_badArgument() {
    throw invalidArgument(0, 'bad')
  },
  async test_reverted() {
    throw new RpcError({ code: 'REVERTED', message: 'execution reverted', data: '0x1234' })
  },
  async test_limit() {
    throw new LogQueryError({ code: 'RANGE_TOO_WIDE', blocks: 11n, max: 10 })
  },
  async test_crash() {
    throw new Error('a bug')
  },
}

const options = { ...defaultRpcOptions, maxBatchItems: 3, maxBodyBytes: 2048 }
const app = createRpcApp(options, { reader: {} as Reader, log: silentLog, methods })

async function post(body: unknown): Promise<{ status: number; text: string; json: unknown }> {
  const response = await app.request('/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, text, json: text === '' ? undefined : JSON.parse(text) }
}

const call = (method: string, params?: unknown, id: unknown = 1) => ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) })
const error = (id: unknown, code: number, message: string) => ({ jsonrpc: '2.0', id, error: { code, message } })

describe('rpc server: single requests', () => {
  it('answers a call with its id', async () => {
    expect((await post(call('test_echo', ['a'], 7))).json).toEqual({ jsonrpc: '2.0', id: 7, result: ['a'] })
    expect((await post(call('test_echo', [], 'x'))).json).toEqual({ jsonrpc: '2.0', id: 'x', result: [] })
  })

  it('treats "id": null as a call, answered with id null', async () => {
    expect((await post(call('test_echo', [1], null))).json).toEqual({ jsonrpc: '2.0', id: null, result: [1] })
  })

  it('answers null for a handler that returns nothing', async () => {
    expect((await post(call('test_nothing'))).json).toEqual({ jsonrpc: '2.0', id: 1, result: null })
  })

  it('matches member names case-insensitively, as encoding/json does', async () => {
    expect((await post({ JSONRPC: '2.0', ID: 3, Method: 'test_echo', PARAMS: [2] })).json).toEqual({ jsonrpc: '2.0', id: 3, result: [2] })
  })

  it('answers an unknown method with -32601', async () => {
    expect((await post(call('eth_nope'))).json).toEqual(error(1, -32601, 'the method eth_nope does not exist/is not available'))
    expect((await post(call('toString'))).json).toEqual(error(1, -32601, 'the method toString does not exist/is not available'))
  })

  it('answers a subscription as geth does over HTTP', async () => {
    expect((await post(call('eth_subscribe', ['newHeads']))).json).toEqual(error(1, -32601, 'notifications not supported'))
  })

  it('answers malformed JSON with -32700', async () => {
    const response = await post('{"jsonrpc":"2.0",')
    expect(response.status).toBe(200)
    expect(response.json).toEqual(error(null, -32700, 'parse error'))
  })

  it('answers an empty body with nothing', async () => {
    expect(await post('')).toMatchObject({ status: 200, text: '' })
    expect(await post('  \n')).toMatchObject({ status: 200, text: '' })
  })

  it('answers invalid request objects with -32600, echoing a usable id', async () => {
    const invalid = (id: unknown) => error(id, -32600, 'invalid request')
    expect((await post({ id: 1, method: 'test_echo' })).json).toEqual(invalid(1))
    expect((await post({ jsonrpc: '1.0', id: 2, method: 'test_echo' })).json).toEqual(invalid(2))
    expect((await post({ jsonrpc: '2.0', id: 3, method: 5 })).json).toEqual(invalid(3))
    expect((await post({ jsonrpc: '2.0', id: 4 })).json).toEqual(invalid(4))
    expect((await post({ jsonrpc: '2.0', id: { a: 1 }, method: 'test_echo' })).json).toEqual(invalid(null))
    expect((await post({ jsonrpc: '2.0', id: [1], method: 'test_echo' })).json).toEqual(invalid(null))
    expect((await post(5)).json).toEqual(invalid(null))
    expect((await post('"test_echo"')).json).toEqual(invalid(null))
    expect((await post('null')).json).toEqual(invalid(null))
  })

  it('answers bad params with -32602 and geth texts', async () => {
    expect((await post(call('test_number', ['2']))).json).toEqual(error(1, -32602, 'invalid argument 0: hex string without 0x prefix'))
    expect((await post(call('test_number', []))).json).toEqual(error(1, -32602, 'missing value for required argument 0'))
    expect((await post(call('test_number'))).json).toEqual(error(1, -32602, 'missing value for required argument 0'))
    expect((await post(call('test_number', ['0x1', 2]))).json).toEqual(error(1, -32602, 'too many arguments, want at most 1'))
    expect((await post(call('test_number', { n: 1 }))).json).toEqual(error(1, -32602, 'non-array args'))
    expect((await post(call('test_badArgument'))).json).toEqual(error(1, -32602, 'invalid argument 0: bad'))
  })

  it('maps typed errors in one place: data kept, limits -32005, bugs -32603', async () => {
    expect((await post(call('test_reverted'))).json).toEqual({ jsonrpc: '2.0', id: 1, error: { code: 3, message: 'execution reverted', data: '0x1234' } })
    expect((await post(call('test_limit'))).json).toEqual(error(1, -32005, 'query exceeds max block range 10; narrow fromBlock/toBlock'))
    expect((await post(call('test_crash'))).json).toEqual(error(1, -32603, 'internal error'))
  })

  it('gives a notification no answer and does not run it', async () => {
    calls.length = 0
    expect(await post({ jsonrpc: '2.0', method: 'test_echo', params: [] })).toMatchObject({ status: 200, text: '' })
    expect(await post({ jsonrpc: '2.0', method: 'eth_nope' })).toMatchObject({ status: 200, text: '' })
    expect(calls).toEqual([])
  })

  it('ignores a response sent to it, as geth does', async () => {
    expect(await post({ jsonrpc: '2.0', id: 1, result: '0x1' })).toMatchObject({ status: 200, text: '' })
  })
})

describe('rpc server: batches', () => {
  it('answers an empty batch with one -32600 object', async () => {
    expect((await post([])).json).toEqual(error(null, -32600, 'empty batch'))
  })

  it('answers each item of a mixed batch in order, skipping notifications', async () => {
    const response = await post([
      call('test_echo', [1], 1),
      { jsonrpc: '2.0', method: 'test_echo', params: [] },
      { jsonrpc: '2.0', id: 2 },
    ])
    expect(response.json).toEqual([{ jsonrpc: '2.0', id: 1, result: [1] }, error(2, -32600, 'invalid request')])
    expect((await post([5, call('eth_nope', [], 'n'), call('test_number', ['0x'], 'm')])).json).toEqual([
      error(null, -32600, 'invalid request'),
      error('n', -32601, 'the method eth_nope does not exist/is not available'),
      error('m', -32602, 'invalid argument 0: hex string "0x"'),
    ])
  })

  it('answers a batch of notifications with nothing', async () => {
    expect(await post([{ jsonrpc: '2.0', method: 'test_echo' }])).toMatchObject({ status: 200, text: '' })
  })

  it('refuses a batch over the limit as a whole, with the id of its first call', async () => {
    const response = await post([{ jsonrpc: '2.0', method: 'test_echo' }, call('test_echo', [], 'first'), call('test_echo'), call('test_echo')])
    expect(response.json).toEqual([error('first', -32600, 'batch too large')])
    expect((await post([1, 2, 3, 4])).json).toEqual([error(null, -32600, 'batch too large')])
    expect(((await post([call('test_echo'), call('test_echo'), call('test_echo')])).json as unknown[]).length).toBe(3)
  })
})

describe('rpc server: HTTP', () => {
  it('refuses a body over the limit with 413 before reading it', async () => {
    const body = JSON.stringify(call('test_echo', ['x'.repeat(options.maxBodyBytes)]))
    const response = await app.request('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(response.status).toBe(413)
    expect(await response.text()).toBe(`content length too large (>${options.maxBodyBytes})\n`)
  })

  it('takes a body of exactly the limit', async () => {
    const head = JSON.stringify(call('test_echo', ['']))
    const body = `${head}${' '.repeat(options.maxBodyBytes - head.length)}`
    expect(body.length).toBe(options.maxBodyBytes)
    expect((await post(body)).json).toEqual({ jsonrpc: '2.0', id: 1, result: [''] })
  })

  it('answers an empty GET (health checks) and refuses PUT', async () => {
    expect((await app.request('/', { method: 'GET' })).status).toBe(200)
    expect((await app.request('/', { method: 'PUT', body: '{}' })).status).toBe(405)
  })

  describe('over a socket', () => {
    let server: ReturnType<typeof serve>
    let port: number

    beforeAll(async () => {
      await new Promise<void>((resolve) => {
        server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve())
      })
      port = (server.address() as AddressInfo).port
    })

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })

    it('refuses a declared Content-Length over the limit with geth text', async () => {
      const body = JSON.stringify(call('test_echo', ['x'.repeat(10_000)]))
      const response = await rawPost(port, body)
      expect(response.status).toBe(413)
      expect(response.body).toBe(`content length too large (${Buffer.byteLength(body)}>${options.maxBodyBytes})\n`)
    })

    it('serves requests over HTTP', async () => {
      const response = await rawPost(port, JSON.stringify(call('test_echo', ['ok'])))
      expect(response.status).toBe(200)
      expect(JSON.parse(response.body)).toEqual({ jsonrpc: '2.0', id: 1, result: ['ok'] })
    })
  })
})

/** A POST with a Content-Length header, read to the end whatever the status. */
function rawPost(port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}
