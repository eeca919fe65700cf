import type { RpcOptions } from '../../src/config.js'
import type { Logger } from '../../src/log.js'
import type { Reader } from '../../src/reader.js'

/** What every method handler may use. */
export interface MethodContext {
  reader: Reader
  options: RpcOptions
  log: Logger
}

/** A handler parses `params`, asks the reader, and formats; it throws typed errors (rpc/errors.ts). */
export type MethodHandler = (params: unknown, ctx: MethodContext) => Promise<unknown>

export type MethodTable = Record<string, MethodHandler>
