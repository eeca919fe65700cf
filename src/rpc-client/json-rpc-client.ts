import { RpcClientError } from './errors.js'

export interface JsonRpcClientOptions {
  url: string
  /** Per HTTP request, batches included. */
  timeoutMs: number
}

export interface JsonRpcCall {
  method: string
  params: unknown[]
}

export interface JsonRpcErrorObject {
  code: number
  message: string
  data?: unknown
}

/** One call's answer in a batch: its result, or the error the server gave for it alone. */
export type JsonRpcOutcome = { ok: true; result: unknown } | { ok: false; error: JsonRpcErrorObject }

interface Response {
  id?: unknown
  result?: unknown
  error?: JsonRpcErrorObject
}

/**
 * A JSON-RPC 2.0 client over HTTP POST (plain fetch). `request` sends one call; `batch` sends
 * many as one JSON-RPC batch and returns each call's outcome in call order, so one failing call
 * does not hide the others' answers. A server that refuses batches (answers a batch with a
 * single error, as some providers do) is remembered and asked one call at a time from then on.
 * There are no retries: whoever calls decides whether and when to try again.
 */
export class JsonRpcClient {
  readonly url: string
  private readonly timeoutMs: number
  private nextId = 1
  private batchesRefused = false

  constructor(options: JsonRpcClientOptions) {
    this.url = options.url
    this.timeoutMs = options.timeoutMs
  }

  /** The call's result; an error answer throws RpcClientError RPC_ERROR. */
  async request<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const outcome = await this.call({ method, params })
    if (!outcome.ok) throw rpcError(this.url, method, outcome.error)
    return outcome.result as T
  }

  /** Each call's outcome, in the order of `calls`. Throws only when there is no usable answer. */
  async batch(calls: JsonRpcCall[]): Promise<JsonRpcOutcome[]> {
    if (calls.length === 0) return []
    if (calls.length === 1 || this.batchesRefused) return Promise.all(calls.map((call) => this.call(call)))
    const ids = calls.map(() => this.nextId++)
    const body = calls.map((call, i) => ({ jsonrpc: '2.0', id: ids[i], method: call.method, params: call.params }))
    const what = `batch of ${calls.length} ${[...new Set(calls.map((call) => call.method))].join(', ')}`
    const answer = await this.post(body, what)
    if (!Array.isArray(answer)) {
      if (isResponse(answer) && answer.error !== undefined) {
        this.batchesRefused = true
        return Promise.all(calls.map((call) => this.call(call)))
      }
      throw new RpcClientError({ code: 'BAD_RESPONSE', url: this.url, method: what, reason: 'a batch was not answered with an array' })
    }
    const byId = new Map<unknown, Response>()
    for (const item of answer) if (isResponse(item)) byId.set(item.id, item)
    if (ids.some((id) => !byId.has(id))) {
      // geth answers a batch over its limit with one error carrying the first id ("batch too large")
      if (answer.length === 1 && isResponse(answer[0]) && answer[0].error !== undefined) {
        this.batchesRefused = true
        return Promise.all(calls.map((call) => this.call(call)))
      }
      throw new RpcClientError({ code: 'BAD_RESPONSE', url: this.url, method: what, reason: 'the answer lacks some of the calls' })
    }
    return ids.map((id) => outcomeOf(byId.get(id)!))
  }

  private async call(call: JsonRpcCall): Promise<JsonRpcOutcome> {
    const answer = await this.post({ jsonrpc: '2.0', id: this.nextId++, method: call.method, params: call.params }, call.method)
    if (!isResponse(answer) || (answer.error === undefined && !('result' in answer))) {
      throw new RpcClientError({ code: 'BAD_RESPONSE', url: this.url, method: call.method, reason: 'not a JSON-RPC response' })
    }
    return outcomeOf(answer)
  }

  /** POSTs `body` and returns the parsed JSON. HTTP errors count only when the body is not JSON-RPC. */
  private async post(body: unknown, method: string): Promise<unknown> {
    let response: globalThis.Response
    let text: string
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      text = await response.text()
    } catch (err) {
      throw new RpcClientError({ code: 'TRANSPORT', url: this.url, method, reason: transportReason(err, this.timeoutMs) })
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      const reason = response.ok ? 'the answer is not JSON' : `HTTP ${response.status}${text.trim() === '' ? '' : `: ${text.trim().slice(0, 200)}`}`
      throw new RpcClientError({ code: response.ok ? 'BAD_RESPONSE' : 'TRANSPORT', url: this.url, method, reason })
    }
    // some servers send JSON-RPC errors with HTTP 4xx/5xx; the JSON-RPC answer is what counts
    if (!response.ok && !Array.isArray(parsed) && !isResponse(parsed)) {
      throw new RpcClientError({ code: 'TRANSPORT', url: this.url, method, reason: `HTTP ${response.status}` })
    }
    return parsed
  }
}

/**
 * Whether an error answer says the server does not have the method: -32601, or the texts of
 * providers that use other codes for it ("the method X does not exist/is not available",
 * "Unsupported method", "method not supported").
 */
export function isMethodNotFound(error: JsonRpcErrorObject): boolean {
  return error.code === -32601 || /method.*(not found|does not exist|not available|not supported)|unsupported method/i.test(error.message)
}

/** The RpcClientError for an error answer to `method`. */
export function rpcError(url: string, method: string, error: JsonRpcErrorObject): RpcClientError {
  return new RpcClientError({
    code: 'RPC_ERROR',
    url,
    method,
    rpcCode: error.code,
    rpcMessage: error.message,
    ...(error.data === undefined ? {} : { data: error.data }),
  })
}

function outcomeOf(response: Response): JsonRpcOutcome {
  if (response.error !== undefined) {
    const { code, message, data } = response.error
    return { ok: false, error: { code: Number(code), message: String(message), ...(data === undefined ? {} : { data }) } }
  }
  return { ok: true, result: response.result }
}

function isResponse(value: unknown): value is Response {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const error = (value as Response).error
  return 'result' in value || (typeof error === 'object' && error !== null && typeof error.code === 'number')
}

/** fetch's errors name the cause in `cause` (ECONNREFUSED, ...) and time-outs by name. */
function transportReason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause
  if (cause?.code !== undefined) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`
  return err instanceof Error ? err.message : String(err)
}
