import { NodeError } from '../errors.js'

/**
 * A JSON-RPC call to another node failed. The codes are those of UpstreamError (src/errors.ts)
 * so the two can become one type: RPC_ERROR carries the server's own code, message and data,
 * TRANSPORT is no usable answer at all, BAD_RESPONSE an answer that is not JSON-RPC.
 */
export type RpcClientErrorType =
  | { code: 'RPC_ERROR'; url: string; method: string; rpcCode: number; rpcMessage: string; data?: unknown }
  | { code: 'TRANSPORT'; url: string; method: string; reason: string }
  | { code: 'BAD_RESPONSE'; url: string; method: string; reason: string }

export class RpcClientError extends NodeError<RpcClientErrorType> {
  constructor(type: RpcClientErrorType) {
    super(type, renderRpcClientError(type))
  }
}

function renderRpcClientError(type: RpcClientErrorType): string {
  switch (type.code) {
    case 'RPC_ERROR':
      return `${type.url} ${type.method}: error ${type.rpcCode}: ${type.rpcMessage}`
    case 'TRANSPORT':
      return `${type.url} ${type.method}: ${type.reason}`
    case 'BAD_RESPONSE':
      return `${type.url} ${type.method}: bad response: ${type.reason}`
  }
}
