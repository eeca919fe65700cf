import { BaseError, type Client, RpcRequestError, createClient, http } from 'viem'
import { UpstreamError } from '../../errors.js'

export interface UpstreamClientOptions {
  url: string
  /** Per HTTP request. */
  timeoutMs: number
  /** Most JSON-RPC calls viem puts in one batch request. */
  batchSize: number
}

/**
 * One upstream's JSON-RPC endpoint through viem's HTTP transport. Calls made in the same tick go
 * out as one JSON-RPC batch. Retries are the peer manager's business, so the transport makes
 * none. Every failure is an UpstreamError: RPC_ERROR carries the upstream's own code, message
 * and data (forwarded requests pass them on unchanged), TRANSPORT anything else.
 */
export class UpstreamClient {
  readonly url: string
  private readonly client: Client

  constructor(options: UpstreamClientOptions) {
    this.url = options.url
    this.client = createClient({
      transport: http(options.url, {
        batch: { batchSize: options.batchSize, wait: 0 },
        retryCount: 0,
        timeout: options.timeoutMs,
      }),
    })
  }

  async request<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    try {
      return (await this.client.request({ method, params } as never, { retryCount: 0, dedupe: false })) as T
    } catch (err) {
      throw this.toUpstreamError(method, err)
    }
  }

  private toUpstreamError(method: string, err: unknown): UpstreamError {
    if (err instanceof BaseError) {
      const rpc = err.walk((e) => e instanceof RpcRequestError) as RpcRequestError | null
      if (rpc !== null) {
        const data = rpc.data
        return new UpstreamError({
          code: 'RPC_ERROR',
          url: this.url,
          method,
          rpcCode: rpc.code,
          rpcMessage: rpc.details,
          ...(data === undefined ? {} : { data }),
        })
      }
      return new UpstreamError({ code: 'TRANSPORT', url: this.url, method, reason: err.shortMessage + (err.details ? `: ${err.details}` : '') })
    }
    return new UpstreamError({ code: 'TRANSPORT', url: this.url, method, reason: (err as Error)?.message ?? String(err) })
  }
}
