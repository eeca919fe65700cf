import { join } from 'node:path'
import { MerklePatriciaTrie, verifyMPTWithMerkleProof } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bytesToBigInt, hexToBytes } from '@ethereumjs/util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningNode } from '../../src/main.js'
import type { RetentionMode } from '../../src/state/retention.js'
import { type AnvilChain, startAnvilWithChain } from '../helpers/anvil.js'
import { importChain, rpcCall, startTestNode } from '../helpers/node.js'

type Request = { method: string; params: unknown[] }
type Answer = { result?: unknown; error?: { code: number; message: string } }

const MODES: { mode: RetentionMode; state: { checkpointInterval?: number; keepCheckpoints?: number } }[] = [
  { mode: 'archival', state: {} },
  { mode: 'full', state: { checkpointInterval: 4 } },
  { mode: 'snap', state: { checkpointInterval: 4, keepCheckpoints: 2 } },
]

/**
 * State at every block of a chain anvil mined, in each retention mode, against anvil's own
 * answers at that block: balance, nonce, code and storage of every account the chain touches,
 * and an eth_call into every contract. snap must refuse the blocks whose state it pruned.
 */
describe('state over an anvil chain equals anvil own, in every retention mode', () => {
  let live: AnvilChain
  const nodes = new Map<RetentionMode, RunningNode>()
  let accounts: string[] = []

  beforeAll(async () => {
    live = await startAnvilWithChain()
    for (const { mode, state } of MODES) {
      const datadir = join(live.dir, mode)
      await importChain({ datadir, genesisPath: live.genesisPath, files: [live.chainPath], compat: 'anvil', retention: mode, state })
      nodes.set(mode, await startTestNode(datadir, {}, state))
    }
    const touched = new Set<string>()
    for (let n = 1; n <= live.chain.blocks; n++) {
      const receipts = await rpcCall<{ from: string; to: string | null; contractAddress: string | null; logs: { address: string }[] }[]>(
        live.anvil.rpcUrl,
        'eth_getBlockReceipts',
        [`0x${n.toString(16)}`],
      )
      for (const receipt of receipts) {
        for (const address of [receipt.from, receipt.to, receipt.contractAddress, ...receipt.logs.map((l) => l.address)]) {
          if (address) touched.add(address.toLowerCase())
        }
      }
    }
    accounts = [...touched].sort()
  }, 300_000)

  afterAll(async () => {
    for (const node of nodes.values()) await node.close()
    await live?.stop()
  })

  async function batch(url: string, requests: Request[]): Promise<Answer[]> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(requests.map((r, id) => ({ jsonrpc: '2.0', id, ...r }))),
    })
    const answers = (await response.json()) as (Answer & { id: number })[]
    return answers.sort((a, b) => a.id - b.id)
  }

  /** What a wallet would ask about the chain's accounts at one block. */
  async function requestsAt(block: string): Promise<Request[]> {
    const requests: Request[] = []
    const holders = accounts.slice(0, 10).map((a) => `0x${a.slice(2).padStart(64, '0')}`)
    for (const account of accounts) {
      requests.push({ method: 'eth_getBalance', params: [account, block] })
      requests.push({ method: 'eth_getTransactionCount', params: [account, block] })
      requests.push({ method: 'eth_getCode', params: [account, block] })
      const code = await rpcCall<string>(live.anvil.rpcUrl, 'eth_getCode', [account, 'latest'])
      if (code === '0x') continue
      for (const slot of ['0x0', '0x1', ...holders]) requests.push({ method: 'eth_getStorageAt', params: [account, slot, block] })
      // balanceOf(first holder): a token answers, other contracts do whatever they do
      requests.push({ method: 'eth_call', params: [{ to: account, data: `0x70a08231${holders[0].slice(2)}`, gas: '0x100000' }, block] })
    }
    return requests
  }

  /** An answer reduced to what must agree: the result, or that it failed (texts differ). */
  const essence = (answer: Answer) => (answer.error === undefined ? { result: answer.result } : { failed: true })

  it('archival, full and snap answer as anvil does at every block (snap: where it has state)', async () => {
    const oldestSnap = await oldestAvailable(nodes.get('snap') as RunningNode)
    let compared = 0
    for (let n = 0; n <= live.chain.blocks; n++) {
      const block = `0x${n.toString(16)}`
      const requests = await requestsAt(block)
      const expected = (await batch(live.anvil.rpcUrl, requests)).map(essence)
      for (const { mode } of MODES) {
        const answers = await batch((nodes.get(mode) as RunningNode).url, requests)
        if (mode === 'snap' && n < oldestSnap) {
          for (const answer of answers) {
            expect(answer.error?.code).toBe(-32000)
            expect(answer.error?.message).toContain(`oldest block whose state is available is ${oldestSnap}`)
          }
          continue
        }
        answers.forEach((answer, i) => {
          expect(essence(answer), `${mode} ${requests[i].method}(${JSON.stringify(requests[i].params)})`).toEqual(expected[i])
        })
        compared += answers.length
      }
    }
    expect(compared).toBeGreaterThan(1000)
  })

  it('account proofs verify against each block state root', async () => {
    const node = nodes.get('full') as RunningNode
    for (let n = 1; n <= live.chain.blocks; n += 3) {
      const block = `0x${n.toString(16)}`
      const header = await rpcCall<{ stateRoot: string }>(node.url, 'eth_getBlockByNumber', [block, false])
      for (const account of accounts.slice(0, 8)) {
        const proof = await rpcCall<{ accountProof: string[]; balance: string; nonce: string }>(node.url, 'eth_getProof', [account, [], block])
        const value = await verifyMPTWithMerkleProof(
          new MerklePatriciaTrie({ useKeyHashing: true }),
          hexToBytes(header.stateRoot as `0x${string}`),
          hexToBytes(account as `0x${string}`),
          proof.accountProof.map((node) => hexToBytes(node as `0x${string}`)),
        )
        if (value === null) {
          expect(proof.balance).toBe('0x0')
          continue
        }
        const [nonce, balance] = RLP.decode(value) as Uint8Array[]
        expect(bytesToBigInt(nonce)).toBe(BigInt(proof.nonce))
        expect(bytesToBigInt(balance)).toBe(BigInt(proof.balance))
      }
    }
  })
})

/** The block named by snap's "oldest block whose state is available" message (0 if all is kept). */
async function oldestAvailable(node: RunningNode): Promise<number> {
  const response = await fetch(node.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: ['0x0000000000000000000000000000000000000000', '0x0'] }),
  })
  const answer = (await response.json()) as Answer & { error?: { message: string } }
  const match = answer.error?.message.match(/oldest block whose state is available is (\d+)/)
  return match === null || match === undefined ? 0 : Number(match[1])
}
