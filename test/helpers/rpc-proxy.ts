import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ProxiedRequest {
  jsonrpc?: unknown
  id?: unknown
  method: string
  params?: unknown
}

export interface ProxiedResponse {
  jsonrpc: '2.0'
  id: unknown
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

/**
 * Rewrites the upstream's answer to one call. Called for every call of a single request or a
 * batch that the upstream answered (by id); return the response unchanged to pass it on.
 */
export type ResponseTransform = (request: ProxiedRequest, response: ProxiedResponse) => ProxiedResponse | Promise<ProxiedResponse>

/**
 * How the proxy misbehaves at the HTTP level, until healed: `http-500` answers every POST with
 * HTTP 500 and a text body, `hang` never answers (until the proxy closes), `reset` drops the
 * connection without an answer.
 */
export type ProxyFailure = 'http-500' | 'hang' | 'reset'

export interface RpcProxy {
  readonly url: string
  /** The method of every call that reached the proxy, in arrival order (a batch's calls one by one). */
  readonly calls: string[]
  /** Applied to every answered call while set. */
  transform: ResponseTransform | null
  /** Answer a batch with one -32600 error, as providers without batch support do. */
  refuseBatches: boolean
  fail(mode: ProxyFailure): void
  heal(): void
  /** Stops listening and drops every connection, hanging ones included. */
  close(): Promise<void>
}

/**
 * A real HTTP JSON-RPC proxy in front of `upstream`, for tests whose upstream must misbehave on
 * purpose: alter answers (a header field, a transaction, an error instead of a result), refuse
 * batches, fail or hang. Requests are forwarded as they came; without a transform the upstream's
 * bytes come back unchanged.
 */
export async function startRpcProxy(options: { upstream: string; transform?: ResponseTransform }): Promise<RpcProxy> {
  let failure: ProxyFailure | null = null
  const calls: string[] = []

  const proxy = {
    url: '',
    calls,
    transform: options.transform ?? null,
    refuseBatches: false,
    fail(mode: ProxyFailure) {
      failure = mode
    },
    heal() {
      failure = null
    },
    close: async () => {},
  } satisfies RpcProxy

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readAll(req)
    const parsed = parseJson(body)
    const requests = (Array.isArray(parsed) ? parsed : [parsed]).filter(isRequest)
    for (const request of requests) calls.push(request.method)

    if (failure === 'hang') return
    if (failure === 'reset') {
      req.socket.destroy()
      return
    }
    if (failure === 'http-500') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal server error\n')
      return
    }
    if (proxy.refuseBatches && Array.isArray(parsed)) {
      send(res, 200, JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch requests are not supported' } }))
      return
    }

    const upstream = await fetch(options.upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const text = await upstream.text()
    const answer = parseJson(text)
    const transform = proxy.transform
    if (transform === null || answer === undefined) {
      send(res, upstream.status, text)
      return
    }
    const byId = new Map(requests.filter((r) => r.id !== undefined).map((r) => [JSON.stringify(r.id), r]))
    const rewrite = async (response: unknown) => {
      if (!isResponse(response)) return response
      const request = byId.get(JSON.stringify(response.id))
      return request === undefined ? response : transform(request, response)
    }
    const rewritten = Array.isArray(answer) ? await Promise.all(answer.map(rewrite)) : await rewrite(answer)
    send(res, upstream.status, JSON.stringify(rewritten))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) send(res, 502, `proxy: ${err.message}\n`)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return proxy
}

/** Methods whose answer is one block or header object. */
export const BLOCK_METHODS = ['eth_getBlockByNumber', 'eth_getBlockByHash', 'eth_getHeaderByNumber', 'eth_getHeaderByHash'] as const

/**
 * A transform that rewrites block `number` wherever a block or header answer carries it (by
 * number, by hash or by tag, with or without full transactions).
 */
export function alterBlock(number: number | bigint, alter: (block: Record<string, unknown>) => Record<string, unknown>): ResponseTransform {
  const hex = `0x${number.toString(16)}`
  return (request, response) => {
    const block = response.result
    if (!(BLOCK_METHODS as readonly string[]).includes(request.method) || !isObject(block) || block.number !== hex) return response
    return { ...response, result: alter({ ...block }) }
  }
}

/** A transform that answers calls of `method` with -32601, as a server without it does. */
export function withoutMethod(method: string): ResponseTransform {
  return (request, response) =>
    request.method === method ? { jsonrpc: '2.0', id: response.id, error: { code: -32601, message: `the method ${method} does not exist/is not available` } } : response
}

/** Applies transforms in order. */
export function chainTransforms(...transforms: ResponseTransform[]): ResponseTransform {
  return async (request, response) => {
    let current = response
    for (const transform of transforms) current = await transform(request, current)
    return current
  }
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body)
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isRequest(value: unknown): value is ProxiedRequest {
  return isObject(value) && typeof value.method === 'string'
}

function isResponse(value: unknown): value is ProxiedResponse {
  return isObject(value) && ('result' in value || 'error' in value)
}
