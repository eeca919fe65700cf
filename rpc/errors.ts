import { JSONRPCErrorException } from 'json-rpc-2.0'
import { LogQueryError, type LogQueryErrorType, NodeError, UpstreamError } from '../src/errors.js'
import { CallError } from '../src/execution/call/errors.js'

/** JSON-RPC error codes, as geth uses them. */
export const RpcErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** geth's catch-all server error: "header not found", "unknown block", pruned state, ... */
  server: -32000,
  /** Too many results / too wide a range. */
  limitExceeded: -32005,
  /** Execution reverted; `data` holds the revert bytes. */
  reverted: 3,
} as const

export type RpcErrorType =
  | { code: 'INVALID_PARAMS'; message: string }
  | { code: 'HEADER_NOT_FOUND' }
  | { code: 'SERVER'; message: string }
  | { code: 'LIMIT_EXCEEDED'; message: string }
  | { code: 'REVERTED'; message: string; data: string }

/** An error whose JSON-RPC shape the handler decided (bad params, limits, reverts). */
export class RpcError extends NodeError<RpcErrorType> {
  constructor(type: RpcErrorType) {
    super(type, type.code === 'HEADER_NOT_FOUND' ? 'header not found' : type.message)
  }
}

/** `invalid argument N: ...`, geth's text for a parameter that does not parse. */
export function invalidArgument(index: number, reason: string): RpcError {
  return new RpcError({ code: 'INVALID_PARAMS', message: `invalid argument ${index}: ${reason}` })
}

export function invalidParams(message: string): RpcError {
  return new RpcError({ code: 'INVALID_PARAMS', message })
}

export interface RpcErrorObject {
  code: number
  message: string
  data?: unknown
}

/**
 * The one place where errors become JSON-RPC error objects. Handlers throw typed errors;
 * anything unexpected is reported as an internal error (and logged by the caller).
 */
export function toRpcError(err: unknown): { error: RpcErrorObject; expected: boolean } {
  if (err instanceof RpcError) {
    const type = err.type
    switch (type.code) {
      case 'INVALID_PARAMS':
        return { error: { code: RpcErrorCode.invalidParams, message: type.message }, expected: true }
      case 'HEADER_NOT_FOUND':
        return { error: { code: RpcErrorCode.server, message: 'header not found' }, expected: true }
      case 'SERVER':
        return { error: { code: RpcErrorCode.server, message: type.message }, expected: true }
      case 'LIMIT_EXCEEDED':
        return { error: { code: RpcErrorCode.limitExceeded, message: type.message }, expected: true }
      case 'REVERTED':
        return { error: { code: RpcErrorCode.reverted, message: type.message, data: type.data }, expected: true }
    }
  }
  // a call that reverted is code 3 with the revert data; its other failures are -32000 below
  if (err instanceof CallError && err.type.code === 'REVERTED') {
    return { error: { code: RpcErrorCode.reverted, message: err.message, data: err.data }, expected: true }
  }
  if (err instanceof LogQueryError) {
    return { error: { code: logQueryErrorCode(err.type), message: err.message }, expected: true }
  }
  // a forwarded request (eth_sendRawTransaction, pending state) answers with the upstream's own error
  if (err instanceof UpstreamError && err.type.code === 'RPC_ERROR') {
    const { rpcCode, rpcMessage, data } = err.type
    return { error: data === undefined ? { code: rpcCode, message: rpcMessage } : { code: rpcCode, message: rpcMessage, data }, expected: true }
  }
  if (err instanceof JSONRPCErrorException) {
    return { error: { code: err.code, message: err.message, data: err.data }, expected: true }
  }
  if (err instanceof NodeError) {
    return { error: { code: RpcErrorCode.server, message: err.message }, expected: true }
  }
  return { error: { code: RpcErrorCode.internal, message: 'internal error' }, expected: false }
}

/** geth answers range mistakes as invalid params, an unknown block as a server error. */
function logQueryErrorCode(type: LogQueryErrorType): number {
  switch (type.code) {
    case 'INVALID_BLOCK_RANGE':
    case 'BEYOND_HEAD':
    case 'PENDING_UNSUPPORTED':
      return RpcErrorCode.invalidParams
    case 'UNKNOWN_BLOCK':
    case 'TAG_NOT_FOUND':
      return RpcErrorCode.server
    case 'RANGE_TOO_WIDE':
    case 'TOO_MANY_RESULTS':
      return RpcErrorCode.limitExceeded
  }
}
