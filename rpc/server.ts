import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { JSONRPCServer, type JSONRPCRequest, type JSONRPCResponse, createJSONRPCErrorResponse } from 'json-rpc-2.0'
import type { RpcOptions } from '../src/config.js'
import type { Logger } from '../src/log.js'
import type { Reader } from '../src/reader.js'
import { RpcErrorCode, toRpcError } from './errors.js'
import { allMethods } from './methods/index.js'
import type { MethodContext, MethodTable } from './methods/types.js'

export interface RpcDependencies {
  reader: Reader
  log: Logger
  /** Defaults to every method in methods/. */
  methods?: MethodTable
}

type ErrorResponse = { jsonrpc: '2.0'; id: null; error: { code: number; message: string } }

function errorResponse(code: number, message: string): ErrorResponse {
  return { jsonrpc: '2.0', id: null, error: { code, message } }
}

/**
 * The JSON-RPC 2.0 HTTP app: POST / with a single request or a batch. Limits: body size (413),
 * batch length (-32600). Handlers throw typed errors; toRpcError maps them.
 */
export function createRpcApp(options: RpcOptions, deps: RpcDependencies): Hono {
  const ctx: MethodContext = { reader: deps.reader, options, log: deps.log }
  const methods = deps.methods ?? allMethods
  const server = new JSONRPCServer()
  for (const [name, handler] of Object.entries(methods)) {
    server.addMethodAdvanced(name, async (request: JSONRPCRequest) => {
      try {
        const result = await handler(request.params, ctx)
        return { jsonrpc: '2.0', id: request.id ?? null, result: result === undefined ? null : result }
      } catch (err) {
        const { error, expected } = toRpcError(err)
        if (!expected) deps.log.error({ err, method: name }, 'internal error in RPC handler')
        return createJSONRPCErrorResponse(request.id ?? null, error.code, error.message, error.data)
      }
    })
  }
  server.handleMethodNotFound = async (request) =>
    createJSONRPCErrorResponse(
      request.id ?? null,
      RpcErrorCode.methodNotFound,
      `the method ${request.method} does not exist/is not available`,
    )

  const answer = async (item: unknown): Promise<JSONRPCResponse | ErrorResponse | null> => {
    if (!isRequest(item)) {
      const id = typeof item === 'object' && item !== null && 'id' in item ? (item as { id: unknown }).id : null
      return { ...errorResponse(RpcErrorCode.invalidRequest, 'invalid request'), id: (id ?? null) as null }
    }
    return server.receive(item as JSONRPCRequest)
  }

  const app = new Hono()
  app.post(
    '/',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) => c.json(errorResponse(RpcErrorCode.invalidRequest, `request body too large, limit is ${options.maxBodyBytes} bytes`), 413),
    }),
    async (c) => {
      let body: unknown
      try {
        body = JSON.parse(await c.req.text())
      } catch {
        return c.json(errorResponse(RpcErrorCode.parseError, 'parse error'))
      }
      if (Array.isArray(body)) {
        if (body.length === 0) return c.json(errorResponse(RpcErrorCode.invalidRequest, 'empty batch'))
        if (body.length > options.maxBatchItems) {
          return c.json(errorResponse(RpcErrorCode.invalidRequest, `batch too large: ${body.length} requests, limit is ${options.maxBatchItems}`))
        }
        const responses = (await Promise.all(body.map(answer))).filter((r) => r !== null)
        return responses.length === 0 ? c.body(null, 200) : c.json(responses)
      }
      const response = await answer(body)
      return response === null ? c.body(null, 200) : c.json(response)
    },
  )
  return app
}

function isRequest(item: unknown): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false
  const request = item as Record<string, unknown>
  if (request.jsonrpc !== '2.0' || typeof request.method !== 'string') return false
  if (request.params !== undefined && request.params !== null && typeof request.params !== 'object') return false
  const id = request.id
  return id === undefined || id === null || typeof id === 'string' || typeof id === 'number'
}
