import { UpstreamError } from '../../errors.js'
import type { PeerManager } from './peers.js'

/** Sends requests we cannot answer ourselves (transactions, pending state) to the upstreams. */
export interface Forwarder {
  forward(method: string, params: unknown[]): Promise<unknown>
}

/**
 * Forwards to the best usable upstream; when it cannot be reached, to the next. An upstream's
 * JSON-RPC error (nonce too low, execution reverted, ...) is its answer and goes back to the
 * client unchanged rather than being tried elsewhere.
 */
export function createForwarder(deps: { peers: PeerManager }): Forwarder {
  return {
    async forward(method, params) {
      const candidates = deps.peers.candidates()
      if (candidates.length === 0) throw new UpstreamError({ code: 'NO_UPSTREAM', reason: `cannot forward ${method}: no upstream is reachable` })
      let last: unknown
      for (const peer of candidates) {
        try {
          return await peer.client.request(method, params)
        } catch (err) {
          if (err instanceof UpstreamError && err.type.code === 'RPC_ERROR') throw err
          deps.peers.failed(peer, err)
          last = err
        }
      }
      throw last
    },
  }
}
