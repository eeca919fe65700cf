import { bytesToHex } from '@ethereumjs/util'
import type { Datadir } from '../datadir.js'
import type { PeerManager } from '../sync/upstream/peers.js'
import type { FinalityAlarm } from './alarm.js'
import type { FinalityHeads, FinalitySource } from './source.js'

/** `--finality depth:N`: a block N deep below our verified head is final (and safe). */
export class DepthFinalitySource implements FinalitySource {
  readonly name = 'depth'

  constructor(
    private readonly depth: bigint,
    private readonly deps: { datadir: Datadir },
  ) {}

  async poll(current: FinalityHeads): Promise<FinalityHeads> {
    const head = (await this.deps.datadir.head()).number
    if (head < this.depth) return current
    return { safe: head - this.depth, finalized: head - this.depth }
  }
}

/**
 * `--finality upstream`: the best upstream's own `safe` and `finalized` blocks, taken only once we
 * have verified them, and only if they are our blocks: a finalized block of the upstream that is
 * not in our chain raises the alarm.
 */
export class UpstreamFinalitySource implements FinalitySource {
  readonly name = 'upstream'

  constructor(private readonly deps: { datadir: Datadir; peers: PeerManager; alarm: FinalityAlarm }) {}

  async poll(current: FinalityHeads): Promise<FinalityHeads> {
    const peer = this.deps.peers.best()
    if (peer === null || this.deps.alarm.active !== null) return current
    const heads: FinalityHeads = { ...current }
    for (const tag of ['safe', 'finalized'] as const) {
      const block = await peer.client.request<{ number: string; hash: string } | null>('eth_getBlockByNumber', [tag, false]).catch(() => null)
      if (block === null || typeof block !== 'object' || typeof block.hash !== 'string') continue
      const number = BigInt(block.number)
      const ours = await this.deps.datadir.store.canonical.get(number)
      if (ours === null) continue // not verified here yet
      if (bytesToHex(ours) !== block.hash.toLowerCase()) {
        if (tag === 'finalized') {
          await this.deps.alarm.raise({
            source: 'upstream',
            number: number.toString(),
            reason: `upstream ${peer.url} calls block ${number} finalized, but it is not the block we verified`,
            ourHash: bytesToHex(ours),
            theirHash: block.hash,
          })
          return current
        }
        continue
      }
      heads[tag] = number
    }
    return heads
  }
}
