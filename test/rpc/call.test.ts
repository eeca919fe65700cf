import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningNode } from '../../src/main.js'
import { CONTRACTS, FUNDED, word } from '../helpers/call-chain.js'
import { CONFORMANCE_DIR, conformanceAvailable, conformanceMissingMessage } from '../helpers/conformance.js'
import { importChain, rpcRequest, startTestNode, tempDir } from '../helpers/node.js'

/**
 * eth_call, eth_estimateGas and eth_createAccessList over real HTTP against the imported
 * rpc-compat chain, run by the call workers: geth's parameter texts, error codes and shapes,
 * block parameters, and isolation of a runaway call from the rest of the server.
 */

const TIMEOUT_MS = 1000
/** JUMPDEST PUSH1 0 JUMP: loops until the gas runs out. */
const LOOP = '0x5b600056'
const LOOPER = '0x00000000000000000000000000000000000100bb'

if (!conformanceAvailable()) {
  describe('call RPC', () => {
    it('needs the conformance chain', () => {
      throw new Error(conformanceMissingMessage())
    })
  })
} else {
  const dir = tempDir()
  let node: RunningNode
  const request = (method: string, params: unknown[]) => rpcRequest(node.url, method, params)

  beforeAll(async () => {
    await importChain({ datadir: dir.path, genesisPath: join(CONFORMANCE_DIR, 'genesis.json'), files: [join(CONFORMANCE_DIR, 'chain.rlp')] })
    // a large gas cap so that the endless loop outlives the timeout by far
    node = await startTestNode(dir.path, { evmTimeoutMs: TIMEOUT_MS, gasCap: 2_000_000_000, callWorkers: 2 })
  })

  afterAll(async () => {
    await node?.close()
    dir.remove()
  })

  describe('eth_call', () => {
    it('returns the call output and defaults the block to latest', async () => {
      expect(await request('eth_call', [{ to: CONTRACTS.echo, input: '0xff01' }])).toMatchObject({ result: '0xffee' })
      expect(await request('eth_call', [{ to: CONTRACTS.echo, data: '0xff01' }, null])).toMatchObject({ result: '0xffee' })
    })

    it('answers a revert with code 3, the decoded reason and the revert data', async () => {
      const response = await request('eth_call', [{ to: CONTRACTS.reverter, input: '0x01' }, 'latest'])
      expect(response.error).toEqual({
        code: 3,
        message: 'execution reverted: user error',
        data: '0x08c379a00000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000000a75736572206572726f72',
      })
    })

    it('answers other failures with -32000 and geth texts', async () => {
      const overrides = { [LOOPER]: { code: '0xfe' } }
      expect((await request('eth_call', [{ to: LOOPER }, 'latest', overrides])).error).toEqual({ code: -32000, message: 'invalid opcode: INVALID' })
      expect((await request('eth_call', [{ to: CONTRACTS.echo, gas: '0x1' }])).error).toEqual({
        code: -32000,
        message: 'err: intrinsic gas too low: have 1, want 21000 (supplied gas 1)',
      })
      expect((await request('eth_call', [{ to: CONTRACTS.echo }, '0x99'])).error).toEqual({ code: -32000, message: 'header not found' })
    })

    it('runs at the block asked for: an older block sees older state', async () => {
      // creation code that returns BALANCE(FUNDED)
      const balanceOf = { input: `0x73${FUNDED.slice(2)}3160005260206000f3` }
      for (const block of ['0x17', '0x29', 'latest']) {
        const called = await request('eth_call', [balanceOf, block])
        const stored = await request('eth_getBalance', [FUNDED, block])
        expect(BigInt(called.result as string)).toBe(BigInt(stored.result as string))
      }
      const old = await request('eth_call', [balanceOf, '0x17'])
      const now = await request('eth_call', [balanceOf, 'latest'])
      expect(old.result).not.toBe(now.result)
      const byHash = (await request('eth_getBlockByNumber', ['0x20', false])).result as { hash: string }
      const env = await request('eth_call', [{ to: CONTRACTS.callenv }, { blockHash: byHash.hash }])
      expect((env.result as string).slice(0, 66)).toBe(word(0x20n))
    })

    it('applies state and block overrides', async () => {
      const selfBalance = '0x4760005260206000f3'
      const response = await request('eth_call', [{ to: LOOPER }, 'latest', { [LOOPER]: { code: selfBalance, balance: '0x2a' } }])
      expect(BigInt(response.result as string)).toBe(42n)
      const env = await request('eth_call', [{ to: CONTRACTS.callenv }, 'latest', null, { number: '0x1234' }])
      expect((env.result as string).slice(0, 66)).toBe(word(0x1234n))
    })

    it("rejects malformed arguments with geth's decoding texts", async () => {
      const invalid = (params: unknown[]) => request('eth_call', params).then((r) => r.error)
      expect(await invalid([])).toEqual({ code: -32602, message: 'missing value for required argument 0' })
      expect(await invalid([{}, 'latest', null, null, null])).toEqual({ code: -32602, message: 'too many arguments, want at most 4' })
      expect(await invalid([{ to: CONTRACTS.echo, gas: 5 }])).toEqual({
        code: -32602,
        message: 'invalid argument 0: json: cannot unmarshal non-string into Go struct field TransactionArgs.gas of type hexutil.Uint64',
      })
      expect(await invalid([{ to: '0x1234' }])).toEqual({ code: -32602, message: 'invalid argument 0: hex string has length 4, want 40 for common.Address' })
      expect(await invalid([{ to: CONTRACTS.echo, value: '0x01' }])).toEqual({
        code: -32602,
        message: 'invalid argument 0: json: cannot unmarshal hex number with leading zero digits into Go struct field TransactionArgs.value of type hexutil.Big',
      })
      expect(await invalid([{ to: CONTRACTS.echo }, 'latest', { [LOOPER]: { nonce: 1 } }])).toEqual({
        code: -32602,
        message: 'invalid argument 2: json: cannot unmarshal non-string into Go struct field OverrideAccount.nonce of type hexutil.Uint64',
      })
    })
  })

  describe('eth_estimateGas and eth_createAccessList', () => {
    it('estimates, and answers a revert with code 3', async () => {
      expect(await request('eth_estimateGas', [{ from: FUNDED, to: '0x0100000000000000000000000000000000000000' }])).toMatchObject({ result: '0x5208' })
      const reverted = await request('eth_estimateGas', [{ to: CONTRACTS.reverter, input: '0x01' }])
      expect(reverted.error).toMatchObject({ code: 3, message: 'execution reverted: user error' })
      const loop = await request('eth_estimateGas', [{ to: LOOPER, gas: '0x186a0' }, 'latest', { [LOOPER]: { code: LOOP } }])
      expect(loop.error).toEqual({ code: -32000, message: 'gas required exceeds allowance (100000)' })
    })

    it('creates an access list, with the failure beside it', async () => {
      const response = await request('eth_createAccessList', [{ to: CONTRACTS.reverter, input: '0x01', gas: '0x186a0' }, 'latest'])
      expect(response.result).toEqual({
        accessList: [{ address: CONTRACTS.reverter, storageKeys: [word(0x42ffn)] }],
        error: 'execution reverted',
        gasUsed: '0x639d',
      })
      const transfer = await request('eth_createAccessList', [{ from: FUNDED, to: '0x0100000000000000000000000000000000000000' }])
      expect(transfer.result).toEqual({ accessList: [], gasUsed: '0x5208' })
    })
  })

  describe('isolation', () => {
    const echo = { to: CONTRACTS.echo, input: '0xff01' }

    // one call per worker first: the timing below is the call's, not a worker's start-up
    beforeAll(async () => {
      await Promise.all([request('eth_call', [echo]), request('eth_call', [echo])])
    })

    it('cuts off an endless call after --rpc.evmtimeout while the server keeps answering', async () => {
      const started = performance.now()
      const loop = request('eth_call', [{ to: LOOPER, gas: '0x77359400' }, 'latest', { [LOOPER]: { code: LOOP } }]).then((response) => ({
        response,
        elapsed: performance.now() - started,
      }))
      let finished = false
      void loop.then(() => {
        finished = true
      })
      const latencies: number[] = []
      while (!finished) {
        const sent = performance.now()
        const answer = await request('eth_blockNumber', [])
        latencies.push(performance.now() - sent)
        expect(answer.result).toBe('0x36')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      const { response, elapsed } = await loop
      expect(response.error).toEqual({ code: -32000, message: 'execution aborted (timeout = 1s)' })
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500)
      expect(latencies.length).toBeGreaterThan(10)
      // every request answered promptly while the loop ran on its worker
      expect(Math.max(...latencies)).toBeLessThan(100)

      // the pool replaced the worker: calls still run
      expect(await request('eth_call', [echo])).toMatchObject({ result: '0xffee' })
    })

    it('runs other calls beside a runaway one', async () => {
      // both workers busy once: each is loaded (the one replaced above may still be loading)
      await Promise.all([request('eth_call', [echo]), request('eth_call', [echo])])
      const loop = request('eth_call', [{ to: LOOPER, gas: '0x77359400' }, 'latest', { [LOOPER]: { code: LOOP } }])
      const sent = performance.now()
      expect(await request('eth_call', [echo])).toMatchObject({ result: '0xffee' })
      expect(performance.now() - sent).toBeLessThan(TIMEOUT_MS / 2)
      expect((await loop).error).toMatchObject({ message: 'execution aborted (timeout = 1s)' })
    })
  })
}
