import { Hono } from 'hono'
import { type JSONRPCID, type JSONRPCRequest, type JSONRPCResponse, JSONRPCServer } from 'json-rpc-2.0'
import type { RpcOptions } from '../src/config.js'
import type { Logger } from '../src/log.js'
import type { Reader } from '../src/reader.js'
import { RpcErrorCode, type RpcErrorObject, toRpcError } from './errors.js'
import { allMethods } from './methods/index.js'
import type { MethodContext, MethodTable } from './methods/types.js'
import { goField } from './params.js'
import type { NodeMetrics } from '../src/metrics.js'
import type { Readiness } from '../src/sync/status.js'

export interface RpcDependencies {
  reader: Reader
  log: Logger
  /** Defaults to every method in methods/. */
  methods?: MethodTable
  /** GET /ready answers from it; without it the node is always ready. */
  readiness?: () => Readiness
  /** GET /metrics renders it, and every call is counted and timed in it. */
  metrics?: NodeMetrics
}

/** A JSON-RPC id as the client sent it: anything but an object or array (geth echoes it). */
type Id = string | number | boolean | null

type Response =
  | { jsonrpc: '2.0'; id: Id; result: unknown }
  | { jsonrpc: '2.0'; id: Id; error: RpcErrorObject }

/**
 * One message of a request as geth's jsonrpcMessage sees it: encoding/json matches the keys
 * case-insensitively, a wrongly typed field is left empty, and a message that is not an object
 * is all empty. `id` is undefined when absent and kept as sent otherwise (null included).
 */
interface Message {
  version: string
  id: unknown
  method: string
  params: unknown
  hasResult: boolean
  hasError: boolean
}

/**
 * The JSON-RPC 2.0 HTTP app, answering as geth's rpc package does (rpc/http.go, rpc/handler.go):
 * POST / with one message or a batch; a body over the limit is HTTP 413 before it is read; a
 * message that does not parse is -32700, an empty batch or a malformed message -32600, a
 * batch over the limit one -32600 "batch too large"; notifications get no answer. Handlers
 * return values or throw typed errors, which toRpcError maps.
 */
export function createRpcApp(options: RpcOptions, deps: RpcDependencies): Hono {
  const ctx: MethodContext = { reader: deps.reader, options, log: deps.log }
  const methods = deps.methods ?? allMethods

  // json-rpc-2.0 dispatches calls to the method table; the framing around it (batches, limits,
  // which messages are calls) is geth's and lives below.
  const dispatcher = new JSONRPCServer()
  for (const [name, handler] of Object.entries(methods)) {
    dispatcher.addMethodAdvanced(name, async (request: JSONRPCRequest): Promise<JSONRPCResponse> => {
      const id = (request.id ?? null) as JSONRPCID
      const started = performance.now()
      try {
        const result = await handler(request.params, ctx)
        deps.metrics?.observeRpc(name, (performance.now() - started) / 1000, true)
        return { jsonrpc: '2.0', id, result: result === undefined ? null : result }
      } catch (err) {
        deps.metrics?.observeRpc(name, (performance.now() - started) / 1000, false)
        const { error, expected } = toRpcError(err)
        if (!expected) deps.log.error({ err, method: name }, 'internal error in RPC handler')
        return { jsonrpc: '2.0', id, error: withoutEmptyData(error) }
      }
    })
  }
  dispatcher.handleMethodNotFound = async (request) => {
    // geth's HTTP transport has no subscriptions; it says so instead of "does not exist"
    const message = request.method.endsWith('_subscribe')
      ? 'notifications not supported'
      : `the method ${request.method} does not exist/is not available`
    return { jsonrpc: '2.0', id: (request.id ?? null) as JSONRPCID, error: { code: RpcErrorCode.methodNotFound, message } }
  }

  async function call(message: Message): Promise<Response> {
    const request = { jsonrpc: '2.0', id: message.id, method: message.method, params: message.params } as JSONRPCRequest
    return (await dispatcher.receive(request)) as Response
  }

  /** geth's handleCallMsg: calls are answered, notifications run silently, the rest is -32600. */
  async function answer(item: unknown): Promise<Response | null> {
    const message = readMessage(item)
    if (isResponse(message)) return null // a response sent to a server answers nothing of ours
    if (message.version === '2.0' && message.method !== '') {
      if (message.id === undefined) return null // a notification: nothing to read, nothing to say
      if (hasValidId(message)) return call(message)
    }
    return errorResponse(hasValidId(message) ? (message.id as Id) : null, RpcErrorCode.invalidRequest, 'invalid request')
  }

  async function handle(text: string): Promise<Response | Response[] | null> {
    // geth reads nothing from an empty body and writes nothing back
    if (text.trim() === '') return null
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return errorResponse(null, RpcErrorCode.parseError, 'parse error')
    }
    if (!Array.isArray(body)) return answer(body)
    if (body.length === 0) return errorResponse(null, RpcErrorCode.invalidRequest, 'empty batch')
    if (body.length > options.maxBatchItems) {
      // one error for the whole batch, carrying the id of its first call, as geth does
      const firstCall = body.map(readMessage).find((m) => m.version === '2.0' && m.method !== '' && hasValidId(m))
      return [errorResponse((firstCall?.id ?? null) as Id, RpcErrorCode.invalidRequest, 'batch too large')]
    }
    const responses: Response[] = []
    // one after another, like geth, so a batch costs what its calls cost in sequence
    for (const item of body) {
      const response = await answer(item)
      if (response !== null) responses.push(response)
    }
    return responses.length === 0 ? null : responses
  }

  const app = new Hono()
  // geth answers an empty GET with 200 for load-balancer health checks
  app.get('/', (c) => c.body(null, 200))
  app.on(['PUT', 'DELETE'], '/', (c) => c.text('method not allowed\n', 405))
  // liveness: the process answers
  app.get('/health', (c) => c.json({ status: 'ok' }))
  // readiness: within --ready.max-lag blocks of the upstreams (load balancers route on it)
  app.get('/ready', (c) => {
    const state = deps.readiness?.() ?? { ready: true, localHead: null, remoteHead: null, lag: null }
    const body = {
      ready: state.ready,
      localHead: state.localHead?.toString() ?? null,
      remoteHead: state.remoteHead?.toString() ?? null,
      lag: state.lag?.toString() ?? null,
      ...(state.reason === undefined ? {} : { reason: state.reason }),
    }
    return c.json(body, state.ready ? 200 : 503)
  })
  app.get('/metrics', async (c) => {
    if (deps.metrics === undefined) return c.text('metrics are off\n', 404)
    const { contentType, body } = await deps.metrics.render()
    return c.body(body, 200, { 'content-type': contentType })
  })
  app.post('/', async (c) => {
    const body = await readBody(c.req.raw, options.maxBodyBytes)
    if (!body.ok) {
      const size = body.length === null ? '' : String(body.length)
      return c.text(`content length too large (${size}>${options.maxBodyBytes})\n`, 413)
    }
    const response = await handle(body.text)
    return response === null ? c.body(null, 200, { 'content-type': 'application/json' }) : c.json(response)
  })
  return app
}

function errorResponse(id: Id, code: number, message: string): Response {
  return { jsonrpc: '2.0', id, error: { code, message } }
}

function withoutEmptyData(error: RpcErrorObject): RpcErrorObject {
  return error.data === undefined ? { code: error.code, message: error.message } : error
}

function readMessage(item: unknown): Message {
  const empty: Message = { version: '', id: undefined, method: '', params: undefined, hasResult: false, hasError: false }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return empty
  const object = item as Record<string, unknown>
  const version = goField(object, 'jsonrpc')
  const method = goField(object, 'method')
  const result = goField(object, 'result')
  const error = goField(object, 'error')
  return {
    version: typeof version === 'string' ? version : '',
    id: goField(object, 'id'),
    method: typeof method === 'string' ? method : '',
    params: goField(object, 'params'),
    hasResult: result !== undefined,
    hasError: typeof error === 'object' && error !== null && !Array.isArray(error),
  }
}

/** geth's hasValidID: present (null counts) and not an object or array. */
function hasValidId(message: Message): boolean {
  return message.id !== undefined && (message.id === null || typeof message.id !== 'object')
}

function isResponse(message: Message): boolean {
  return (
    message.version === '2.0' &&
    hasValidId(message) &&
    message.method === '' &&
    message.params === undefined &&
    (message.hasResult || message.hasError)
  )
}

/**
 * Reads the request body up to `limit` bytes. A declared Content-Length over the limit is
 * refused unread (geth's "content length too large (N>limit)"); a body without one is read
 * until it passes the limit.
 */
async function readBody(request: Request, limit: number): Promise<{ ok: true; text: string } | { ok: false; length: number | null }> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) return { ok: false, length: Number(declared) }
  if (request.body === null) return { ok: true, text: '' }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > limit) {
      await reader.cancel()
      return { ok: false, length: null }
    }
    chunks.push(value)
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') }
}
